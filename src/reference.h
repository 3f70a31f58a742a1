/*
 * reference.h -- the structured payment reference schemes (reference.c):
 * check a compact reference in a scheme, normalise a typed one.  The
 * scanner of remittance text (reference_scan.c) and the lettering engine
 * use them.
 */
#ifndef DUNNING_REFERENCE_H
#define DUNNING_REFERENCE_H

typedef enum RefScheme
{
	REF_NONE = -1,
	REF_RF = 0,
	REF_BE_OGM,
	REF_NO_KID10,
	REF_NO_KID11,
	REF_FI,
	REF_CH_QRR,
	REF_NSCHEMES
} RefScheme;

/* Longest normalised structured reference (QRR has 27 digits, RF 25). */
#define DUNNING_REF_MAX		36

/* The SQL name of each scheme ("rf", "be_ogm", ...). */
extern const char *const dunning_ref_scheme_names[REF_NSCHEMES];

/* The order in which a reference valid in several schemes is attributed. */
extern const RefScheme dunning_ref_scheme_priority[REF_NSCHEMES];

/*
 * Is the compact (upper-case, no white space) string c a valid reference of
 * scheme s?  On success the canonical form is written to out (which may be
 * c itself) and its length returned; otherwise -1.
 */
extern int	dunning_reference_check_compact(RefScheme s, const char *c, int n, char *out);

/*
 * The normalised form (DUNNING_REF_MAX + 1 bytes) of one reference as typed
 * or printed, in any scheme; false if it is valid in none.
 */
extern bool dunning_reference_normalize(const char *s, int n, char *out);

#endif							/* DUNNING_REFERENCE_H */
