/*
 * textmatch.h -- invoice numbers in remittance text (textmatch.c), for the
 * lettering engine.
 */
#ifndef DUNNING_TEXTMATCH_H
#define DUNNING_TEXTMATCH_H

/* Longest normalised invoice number / token compared (characters). */
#define DUNNING_INV_MAX		64

/* A candidate identifier token of a remittance text, normalised. */
typedef struct DunningToken
{
	char		norm[DUNNING_INV_MAX];	/* normal form, not NUL-terminated */
	int			len;
} DunningToken;

/*
 * The normal form of an invoice number (see normalize_invoice_number) in
 * out, at most cap (and DUNNING_INV_MAX) characters; returns its length.
 */
extern int	dunning_normalize_invoice(const char *s, int n, char *out, int cap);

/* The tokens of remittance_tokens(), normalised, at most max; how many. */
extern int	dunning_remittance_tokens(const char *s, int n, DunningToken *out, int max);

/* best_invoice_number_match() on raw text and raw invoice number. */
extern float4 dunning_best_number_match(const char *txt, int n, const char *inv, int ni);

/*
 * Key of a customer number as debtors quote it in remittances: the invoice
 * number normal form in buf (DUNNING_INV_MAX bytes) and its length, or -1
 * when too short (under 4 characters) to mean anything.
 */
extern int	dunning_customer_ref_norm(const char *ext, int n, char *buf);

#endif							/* DUNNING_TEXTMATCH_H */
