/*
 * payer_agg.h -- the states of the payer-scoring aggregates (payer_agg.c)
 * and their per-row and final steps, for the aggregates that compute
 * several figures in one pass (risk_figures.c).
 */
#ifndef DUNNING_PAYER_AGG_H
#define DUNNING_PAYER_AGG_H

#include "postgres.h"

#include "utils/date.h"
#include "utils/numeric.h"

/* weighted_days_late, days_beyond_terms, avg_days_to_pay, paydex */
typedef struct PayerState
{
	int128		n;				/* accepted rows */
	int128		sum_days;		/* sum of days */
	int128		sum_amount;		/* sum of amounts, 1/10000 units */
	int128		sum_amount_days;	/* sum of amount x days, same units */
} PayerState;

/* payment_risk_score */
typedef struct RiskState
{
	int128		has_as_of;		/* 0 before the first row, then 1 */
	int128		as_of;			/* the as_of date (days since 2000-01-01) */
	int128		sum_weight;		/* sum of w x amount */
	int128		sum_weight_late;	/* sum of w x amount x min(late, 120) */
} RiskState;

/* later - earlier in days; infinite dates raise 22008 as date - date does */
extern int32 dunning_days_between(int32 later, int32 earlier);

/* adds (sign 1) or removes (sign -1) one row of days and amount */
extern void dunning_payer_apply(PayerState *st, int32 days, int64 amount, int sign);
/* adds another state's rows (partial aggregates) */
extern void dunning_payer_combine(PayerState *st, const PayerState *other);
/* sum(amount x days) / sum(amount); NULL when no row or sum(amount) <= 0 */
extern Numeric dunning_payer_weighted(const PayerState *st);
/* the PAYDEX chart at the weighted days; false where weighted is NULL */
extern bool dunning_payer_paydex(const PayerState *st, int32 *paydex);

/* one invoice (amount > 0) of a risk score as of as_of; paid only if has_paid */
extern void dunning_risk_apply(RiskState *st, DateADT due, bool has_paid, DateADT paid,
							   int64 amount, DateADT as_of);
/* adds another state's rows; 22023 if their as-of dates differ */
extern void dunning_risk_combine(RiskState *st, const RiskState *other);
/* the score 0-100; false when every weight is zero (NULL) */
extern bool dunning_risk_score(const RiskState *st, int32 *score);

#endif							/* DUNNING_PAYER_AGG_H */
