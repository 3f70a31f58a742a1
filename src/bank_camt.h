/*
 * bank_camt.h -- ISO 20022 camt.053 (statements) and camt.054 (debit and
 * credit notifications), every version from 001.01 to 001.13, read as a
 * stream (doc/bank.md).
 */
#ifndef DUNNING_BANK_CAMT_H
#define DUNNING_BANK_CAMT_H

#include "bank_model.h"

/*
 * Reads the camt document of len bytes at data and calls emit for each
 * statement (or notification) it holds, in order.  want is "camt.053",
 * "camt.054" or NULL (either); encoding overrides the XML declaration when
 * not NULL.  Refuses malformed, hostile or unknown documents with an error
 * naming the element path and line.
 */
extern void dunning_camt_read(const char *data, int len, const char *want, const char *encoding,
							  BankEmit emit, void *arg);

#endif							/* DUNNING_BANK_CAMT_H */
