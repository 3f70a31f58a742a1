/*
 * checkdigit.h -- the compact form and the check characters of payment
 * identifiers (checkdigit.c): what structured references (reference.c) and
 * IBANs (iban.c) are validated and completed with.
 */
#ifndef DUNNING_CHECKDIGIT_H
#define DUNNING_CHECKDIGIT_H

/*
 * Longest input (in bytes, separators included) that can be a reference or
 * an IBAN: the longest canonical reference has 27 characters, an IBAN 34;
 * the printed forms add spaces and decoration.  Anything longer is rejected
 * before any work.
 */
#define DUNNING_COMPACT_MAX_INPUT	96
/* Room for a canonical reference (27) or an IBAN (34) plus NUL. */
#define DUNNING_COMPACT_BUF			40

/*
 * Copy an identifier into buf (DUNNING_COMPACT_BUF bytes) without white
 * space, letters upper-cased.  Returns the length, or -1 when the input is
 * too long to be a reference or an IBAN.
 */
extern int	dunning_compact(const char *s, int len, char *buf);

/*
 * ISO 7064 mod 97-10 accumulation over digits and letters (A=10 .. Z=35),
 * continuing from acc.  Returns -1 on any other character.
 */
extern int	dunning_mod97(const char *s, int n, int acc);

/* Check characters computed over a base of n digits. */
extern char dunning_luhn_check(const char *d, int n);	/* Norwegian KID mod 10 */
extern char dunning_mod11_check(const char *d, int n);	/* KID mod 11, '-' for 10 */
extern char dunning_fi_check(const char *d, int n);	/* Finnish 7-3-1 weights */
extern char dunning_qrr_check(const char *d, int n);	/* Swiss recursive mod 10 */

/* OGM check digits of a 10-digit base: base mod 97, 0 written 97. */
extern int	dunning_ogm_check(const char *d);

#endif							/* DUNNING_CHECKDIGIT_H */
