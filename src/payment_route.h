/*
 * payment_route.h -- unidentified cash inserted into dunning.payment on a
 * ledger distributed by Citus goes where the cluster can hold it
 * (payment_route.c, doc/scale-out.md).
 */
#ifndef DUNNING_PAYMENT_ROUTE_H
#define DUNNING_PAYMENT_ROUTE_H

/*
 * Installs the parse-analysis hook that turns an INSERT INTO dunning.payment
 * leaving the customer unknown into an INSERT into the view
 * dunning_internal.payment_entry, on a distributed ledger only.  Called
 * once, when the module is loaded.
 */
extern void dunning_payment_route_init(void);

#endif							/* DUNNING_PAYMENT_ROUTE_H */
