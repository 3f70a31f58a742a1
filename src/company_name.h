/*
 * company_name.h -- payer and customer names (company_name.c), for the
 * lettering engine.
 */
#ifndef DUNNING_COMPANY_NAME_H
#define DUNNING_COMPANY_NAME_H

/*
 * normalize_company_name() into out (cap bytes, NUL-terminated): the words
 * without legal forms, folded, sorted, one blank apart; returns the length.
 */
extern int	dunning_normalize_name(const char *s, int n, char *out, int cap);

/* company_name_similarity() on raw names. */
extern float4 dunning_name_similarity(const char *a, int na, const char *b, int nb);

/* Most words dunning_name_words finds: a normal form of < 512 bytes has fewer. */
#define DUNNING_NAME_WORDS_MAX 256

/*
 * The words of a normalised name (dunning_normalize_name) that can identify
 * a customer: two bytes or more, each once, in order.  Returns how many;
 * start/wlen (DUNNING_NAME_WORDS_MAX each) locate them in norm.
 * dunning.company_name_words() and the matcher's name index both use it.
 */
extern int	dunning_name_words(const char *norm, int len, int *start, int *wlen);

#endif							/* DUNNING_COMPANY_NAME_H */
