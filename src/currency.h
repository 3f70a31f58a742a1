/*
 * currency.h -- ISO 4217 currency codes (currency.c), for C callers.
 */
#ifndef DUNNING_CURRENCY_H
#define DUNNING_CURRENCY_H

/* Minor unit (decimals) of a NUL-terminated code; -1 when unknown. */
extern int	dunning_currency_minor_unit(const char *code);

#endif							/* DUNNING_CURRENCY_H */
