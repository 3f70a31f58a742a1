/*
 * bank_mt940.h -- SWIFT MT940 customer statements, with the :86: layouts of
 * the main banks (doc/bank.md).
 */
#ifndef DUNNING_BANK_MT940_H
#define DUNNING_BANK_MT940_H

#include "bank_model.h"

/*
 * Reads the MT940 file of len bytes at data (encoding: a PostgreSQL encoding
 * name, or NULL to take UTF-8 when the bytes are valid UTF-8 and Latin-1
 * otherwise) and calls emit for each statement, in order.  Refuses a
 * malformed file with an error naming the line.
 */
extern void dunning_mt940_read(const char *data, int len, const char *encoding, BankEmit emit, void *arg);

/* True when the bytes look like MT940 (a :20: field near the start). */
extern bool dunning_mt940_looks_like(const char *data, int len);

#endif							/* DUNNING_BANK_MT940_H */
