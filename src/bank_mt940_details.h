/*
 * bank_mt940_details.h -- the :86: details of an MT940 entry and the
 * references of :61: (bank_mt940_details.c).
 */
#ifndef DUNNING_BANK_MT940_DETAILS_H
#define DUNNING_BANK_MT940_DETAILS_H

#include "bank_model.h"

/*
 * A reference, NULL for nothing or a placeholder (NONREF, NOTPROVIDED, and
 * the keywords that say the reference is in :86:); s is cleaned.
 */
extern char *dunning_mt940_reference(char *s);

/* The :86: field f (its lines joined by '\n') read into the entry and its transaction. */
extern void dunning_mt940_details(BankEntry *en, BankTxn *tx, const char *f);

/* f as free text: lines shorter than 65 characters end at a word; cleaned, NULL when empty. */
extern char *dunning_mt940_text(const char *f);

#endif							/* DUNNING_BANK_MT940_DETAILS_H */
