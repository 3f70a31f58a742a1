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

#endif							/* DUNNING_COMPANY_NAME_H */
