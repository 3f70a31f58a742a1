/*
 * iban.h -- IBANs (iban.c), for the reference scanner, the remittance
 * tokenizer and the lettering engine.
 */
#ifndef DUNNING_IBAN_H
#define DUNNING_IBAN_H

/* Longest normalised IBAN. */
#define DUNNING_IBAN_MAX	34

/*
 * Upper-case IBAN without blanks into out (DUNNING_IBAN_MAX + 1 bytes);
 * false if s[0..n-1] is not a valid IBAN.
 */
extern bool dunning_iban_normalize(const char *s, int n, char *out);

/*
 * Is s[0..n-1] (letters and digits only, any case) an IBAN by shape and
 * mod 97, whatever its country's registered length?  Used to drop account
 * numbers from the references and tokens found in remittance text.
 */
extern bool dunning_iban_like(const char *s, int n);

#endif							/* DUNNING_IBAN_H */
