/*
 * textmatch.h -- helpers shared by the matching building blocks
 * (reference.c, textmatch.c).  Private to the extension.
 */
#ifndef DUNNING_TEXTMATCH_H
#define DUNNING_TEXTMATCH_H

/*
 * Is s[0..n-1] (letters and digits only, any case) an IBAN by shape and
 * mod 97, whatever its country's registered length?  Used to drop account
 * numbers from the candidate tokens of remittance text.
 */
extern bool dunning_iban_like(const char *s, int n);

#endif							/* DUNNING_TEXTMATCH_H */
