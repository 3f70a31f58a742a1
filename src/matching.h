/*
 * matching.h -- the C interface of the matching building blocks
 * (reference.c, textmatch.c) that the lettering engine (letter.c) calls.
 * The SQL functions of those files are thin wrappers around the same code.
 */
#ifndef DUNNING_MATCHING_H
#define DUNNING_MATCHING_H

/* Longest normalised invoice number / token compared (characters). */
#define DM_INV_MAX		64
/* Longest normalised structured reference (QRR has 27 digits, RF 25). */
#define DM_REF_MAX		36
/* Longest normalised IBAN. */
#define DM_IBAN_MAX		34

typedef struct DmRef
{
	char		norm[DM_REF_MAX + 1];	/* normalised, NUL-terminated */
	int			scheme;			/* internal scheme number */
} DmRef;

typedef struct DmToken
{
	char		norm[DM_INV_MAX];	/* normalised invoice-number form */
	int			len;
} DmToken;

/* Structured references found in text (check digits verified). */
extern int	dm_extract_refs(const char *s, int n, DmRef *out, int max);

/* Normalised form of one reference in any scheme; false if not valid. */
extern bool dm_reference_normalize(const char *s, int n, char *out);

/* Normal form of an invoice number (see normalize_invoice_number); length. */
extern int	dm_normalize_invoice(const char *s, int n, char *out, int cap);

/* Candidate identifier tokens of a remittance text, normalised. */
extern int	dm_remittance_tokens(const char *s, int n, DmToken *out, int max);

/* best_invoice_number_match() on raw text and raw invoice number. */
extern float4 dm_best_number_match(const char *txt, int n, const char *inv, int ni);

/* company_name_similarity() on raw names. */
extern float4 dm_name_similarity(const char *a, int na, const char *b, int nb);

/* normalize_company_name() into out (blank-separated sorted words); length. */
extern int	dm_normalize_name(const char *s, int n, char *out, int cap);

/* Upper-case IBAN without blanks into out (DM_IBAN_MAX + 1); false if invalid. */
extern bool dm_iban_normalize(const char *s, int n, char *out);

#endif							/* DUNNING_MATCHING_H */
