/*
 * scaleout.h -- what the C code needs to know about a ledger distributed by
 * dunning.distribute() (scaleout.c, doc/scale-out.md).
 */
#ifndef DUNNING_SCALEOUT_H
#define DUNNING_SCALEOUT_H

/*
 * Is the ledger distributed by Citus (dunning.payment in its metadata)?
 * Asked once per transaction: without Citus's catalog a look-up, with it
 * through SPI (a connection of its own).  On a distributed ledger a locking
 * read must name one customer, and payments of unknown payer wait in
 * dunning.payment_suspense.
 */
extern bool dunning_ledger_distributed(void);

/*
 * The payments lettering reads, as a FROM item aliased p: dunning.payment,
 * and on a distributed ledger also those waiting in the suspense (with
 * customer_id NULL).
 */
extern const char *dunning_payments_from(void);

#endif							/* DUNNING_SCALEOUT_H */
