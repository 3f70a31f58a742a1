/*
 * payer_agg.c -- payer-scoring aggregates: how late a customer pays.
 *
 *   weighted_days_late(due_on, paid_on, amount)    sum(a x (paid - due)) / sum(a)
 *   avg_days_late(due_on, paid_on)                 mean of (paid - due)
 *   days_beyond_terms(due_on, paid_on, amount)     like weighted, early counts 0
 *   avg_days_to_pay(issued_on, paid_on, amount)    weighted mean of (paid - issued)
 *   paydex(due_on, paid_on, amount)                1-100 through the PAYDEX chart
 *   paydex_score(days)                             the chart alone
 *   payment_risk_score(due_on, paid_on, amount, as_of)   0-100, recency-weighted
 *   aging_buckets(due_on, open_amount, as_of)      numeric[6] of open amounts
 *
 * Every aggregate here is order-independent and keeps its state in a small
 * fixed-size type of its own (payer_state, risk_state, aging_state) made of
 * int128 accumulators: exact, combinable in parallel plans and, because the
 * state type is not `internal`, splittable by Citus, which ships partial
 * states as text through the types' input/output functions.  The
 * transition functions update the state in place when called by an
 * aggregate (the state then lives in the aggregate's memory context).
 *
 * Amounts are exact scaled integers (money.h).
 */
#include "postgres.h"

#include "payer_agg.h"

#include "money.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "quote.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"

/*
 * Days between two finite dates.  Infinite dates raise 22008 like date
 * subtraction does.
 */
int32
dunning_days_between(int32 later, int32 earlier)
{
	if (DATE_NOT_FINITE(later) || DATE_NOT_FINITE(earlier))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("cannot subtract infinite dates"),
				 errhint("Pass finite due, paid and as-of dates.")));
	return later - earlier;
}

/* Parse one int128 in decimal; *endp gets the first unparsed char. */
static bool
parse_int128(const char *s, const char **endp, int128 *out)
{
	bool		neg = false;
	int128		v = 0;
	const char *p = s;

	if (*p == '-')
	{
		neg = true;
		p++;
	}
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
	{
		if (__builtin_mul_overflow(v, 10, &v) ||
			__builtin_add_overflow(v, neg ? -(*p - '0') : (*p - '0'), &v))
			return false;
		p++;
	}
	*endp = p;
	*out = v;
	return true;
}

/*
 * The text form of a fixed-size state made of nfields int128 values:
 * "(v1,v2,...)".  This is what Citus ships between nodes; parsing is strict
 * and raises 22P02 naming the type on any malformed input.
 */
static void
state_parse(const char *str, int128 *fields, int nfields,
					const char *typname)
{
	const char *p = str;
	int			i;

	while (*p == ' ')
		p++;
	if (*p++ != '(')
		goto bad;
	for (i = 0; i < nfields; i++)
	{
		while (*p == ' ')
			p++;
		if (!parse_int128(p, &p, &fields[i]))
			goto bad;
		while (*p == ' ')
			p++;
		if (*p++ != (i == nfields - 1 ? ')' : ','))
			goto bad;
	}
	while (*p == ' ')
		p++;
	if (*p != '\0')
		goto bad;
	return;

bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", typname, dunning_clip(str, strlen(str), DUNNING_QUOTE_MAX)),
			 errdetail("Expected %d integers in parentheses, separated by commas.",
					   nfields)));
}

/* The text form of a state (see state_parse). */
static char *
state_format(const int128 *fields, int nfields)
{
	StringInfoData buf;
	char		tmp[41];
	int			i;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	for (i = 0; i < nfields; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoString(&buf, dunning_int128_to_cstring(fields[i], tmp));
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/*
 * The state a transition or combine function may write: the incoming one
 * itself when an aggregate owns it (it lives in the aggregate context), a
 * copy when the function is called directly, a zeroed new one allocated in
 * the aggregate context when there is none yet.
 */
static void *
state_for_update(FunctionCallInfo fcinfo, Size size)
{
	MemoryContext aggctx;
	bool		in_agg = AggCheckCallContext(fcinfo, &aggctx) != 0;
	void	   *st;

	if (PG_ARGISNULL(0))
		return in_agg ? MemoryContextAllocZero(aggctx, size) : palloc0(size);
	if (in_agg)
		return PG_GETARG_POINTER(0);
	st = palloc(size);
	memcpy(st, PG_GETARG_POINTER(0), size);
	return st;
}

/* ------------------------------------------------------------------------
 * payer_state: count, day sum, amount sum, amount x days sum
 * ------------------------------------------------------------------------
 */
#define PAYER_FIELDS 4
StaticAssertDecl(sizeof(PayerState) == PAYER_FIELDS * sizeof(int128),
				 "PayerState must be a plain array of int128");

PG_FUNCTION_INFO_V1(payer_state_in);
/* payer_state_in(cstring): "(n,sum_days,sum_amount,sum_amount_days)" */
Datum
payer_state_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	PayerState *st = palloc(sizeof(PayerState));

	state_parse(str, (int128 *) st, PAYER_FIELDS, "dunning_internal.payer_state");
	if (st->n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type dunning_internal.payer_state: \"%s\"", dunning_clip(str, strlen(str), DUNNING_QUOTE_MAX)),
				 errdetail("The row count must not be negative.")));
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(payer_state_out);
Datum
payer_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(state_format((int128 *) PG_GETARG_POINTER(0),
										   PAYER_FIELDS));
}

/*
 * Read one (from, to, amount) row: false when it is skipped (any NULL).
 * The amount argument is at argno 3, or absent when has_amount is false.
 */
static inline bool
payer_read_row(FunctionCallInfo fcinfo, bool has_amount, bool beyond_terms,
			   int32 *days, int64 *amount)
{
	int			dscale;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || (has_amount && PG_ARGISNULL(3)))
		return false;
	*days = dunning_days_between(PG_GETARG_DATEADT(2), PG_GETARG_DATEADT(1));
	if (beyond_terms && *days < 0)
		*days = 0;
	*amount = has_amount ? dunning_numeric_to_scaled(PG_GETARG_DATUM(3), "amount", &dscale) : 0;
	return true;
}

/* Adds (sign 1) or removes (sign -1) one row from the state. */
void
dunning_payer_apply(PayerState *st, int32 days, int64 amount, int sign)
{
	int128		ad = (int128) amount * days;

	st->n += sign;
	st->sum_days += sign * days;
	st->sum_amount = dunning_add128(st->sum_amount, sign * (int128) amount);
	st->sum_amount_days = dunning_add128(st->sum_amount_days, sign * ad);
}

/*
 * Common body of the transition (sign 1) and inverse transition (sign -1)
 * functions.  A skipped row leaves the state as it is (possibly NULL, in
 * plain mode before the first accepted row).
 */
static Datum
payer_step(FunctionCallInfo fcinfo, bool has_amount, bool beyond_terms, int sign)
{
	int32		days;
	int64		amount;
	PayerState *st;

	if (!payer_read_row(fcinfo, has_amount, beyond_terms, &days, &amount))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	st = state_for_update(fcinfo, sizeof(PayerState));
	dunning_payer_apply(st, days, amount, sign);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(payer_late_sfunc);
/* (state, from date, to date, amount numeric): days = to - from */
Datum
payer_late_sfunc(PG_FUNCTION_ARGS)
{
	return payer_step(fcinfo, true, false, 1);
}

PG_FUNCTION_INFO_V1(payer_late_invfunc);
Datum
payer_late_invfunc(PG_FUNCTION_ARGS)
{
	return payer_step(fcinfo, true, false, -1);
}

PG_FUNCTION_INFO_V1(payer_beyond_sfunc);
/* (state, due date, paid date, amount numeric): days = greatest(paid - due, 0) */
Datum
payer_beyond_sfunc(PG_FUNCTION_ARGS)
{
	return payer_step(fcinfo, true, true, 1);
}

PG_FUNCTION_INFO_V1(payer_beyond_invfunc);
Datum
payer_beyond_invfunc(PG_FUNCTION_ARGS)
{
	return payer_step(fcinfo, true, true, -1);
}

PG_FUNCTION_INFO_V1(payer_days_sfunc);
/* (state, due date, paid date): counts and day sums only */
Datum
payer_days_sfunc(PG_FUNCTION_ARGS)
{
	return payer_step(fcinfo, false, false, 1);
}

PG_FUNCTION_INFO_V1(payer_days_invfunc);
Datum
payer_days_invfunc(PG_FUNCTION_ARGS)
{
	return payer_step(fcinfo, false, false, -1);
}

PG_FUNCTION_INFO_V1(payer_state_combine);
/* Strict: the executor handles a NULL side by taking the other. */
Datum
payer_state_combine(PG_FUNCTION_ARGS)
{
	PayerState *st = state_for_update(fcinfo, sizeof(PayerState));

	dunning_payer_combine(st, (PayerState *) PG_GETARG_POINTER(1));
	PG_RETURN_POINTER(st);
}

void
dunning_payer_combine(PayerState *st, const PayerState *other)
{
	st->n = dunning_add128(st->n, other->n);
	st->sum_days = dunning_add128(st->sum_days, other->sum_days);
	st->sum_amount = dunning_add128(st->sum_amount, other->sum_amount);
	st->sum_amount_days = dunning_add128(st->sum_amount_days, other->sum_amount_days);
}

PG_FUNCTION_INFO_V1(payer_weighted_final);
/*
 * sum(amount x days) / sum(amount); NULL when no row was accepted or the
 * total amount is zero or negative (credit notes outweighing invoices: no
 * meaningful weights).
 */
Numeric
dunning_payer_weighted(const PayerState *st)
{
	if (st->n <= 0 || st->sum_amount <= 0)
		return NULL;
	return numeric_div_opt_error(dunning_int128_to_numeric(st->sum_amount_days),
								 dunning_int128_to_numeric(st->sum_amount), NULL);
}

Datum
payer_weighted_final(PG_FUNCTION_ARGS)
{
	Numeric		weighted = dunning_payer_weighted((PayerState *) PG_GETARG_POINTER(0));

	if (weighted == NULL)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(weighted);
}

PG_FUNCTION_INFO_V1(payer_avg_final);
/* sum(days) / count: what avg(paid - due) returns; NULL for no rows. */
Datum
payer_avg_final(PG_FUNCTION_ARGS)
{
	PayerState *st = (PayerState *) PG_GETARG_POINTER(0);

	if (st->n <= 0)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(numeric_div_opt_error(dunning_int128_to_numeric(st->sum_days),
											dunning_int128_to_numeric(st->n),
											NULL));
}

/* ------------------------------------------------------------------------
 * PAYDEX chart
 * ------------------------------------------------------------------------
 */

/*
 * Anchors (signed days from the due date, score) from domain.md, plus the
 * tail we define: the slope of the last published segment (10 points per 30
 * days) continued from 20 at 120 days late down to 1 at 177 days late.
 * Below -30 days the score is 100, beyond 177 days it is 1.
 */
static const struct
{
	int			days;
	int			score;
}			paydex_chart[] = {
	{-30, 100}, {-20, 90}, {0, 80}, {15, 70}, {22, 60}, {30, 50},
	{60, 40}, {90, 30}, {120, 20}, {177, 1}
};

/*
 * The score for days = num / den (den > 0), exactly: the chart is linear
 * between anchors, so on the segment [d0, d1] with scores s0 > s1
 *   score = s0 - (num/den - d0) (s0 - s1) / (d1 - d0)
 *         = (s0 (d1 - d0) den - (num - d0 den) (s0 - s1)) / ((d1 - d0) den)
 * which is rounded half up without ever leaving integer arithmetic.
 */
static int32
paydex_of_ratio(Numeric num, Numeric den)
{
	int			last = lengthof(paydex_chart) - 1;
	int			i;
	Numeric		d0den,
				x,
				y;

	/* clamps */
	if (dunning_numeric_cmp(num, numeric_mul_opt_error(int64_to_numeric(paydex_chart[0].days), den, NULL)) <= 0)
		return paydex_chart[0].score;
	if (dunning_numeric_cmp(num, numeric_mul_opt_error(int64_to_numeric(paydex_chart[last].days), den, NULL)) >= 0)
		return paydex_chart[last].score;
	for (i = 1; i < last; i++)
		if (dunning_numeric_cmp(num, numeric_mul_opt_error(int64_to_numeric(paydex_chart[i].days), den, NULL)) <= 0)
			break;
	/* segment [i-1, i] */
	{
		int			d0 = paydex_chart[i - 1].days;
		int			s0 = paydex_chart[i - 1].score;
		int			width = paydex_chart[i].days - d0;
		int			drop = s0 - paydex_chart[i].score;

		d0den = numeric_mul_opt_error(int64_to_numeric(d0), den, NULL);
		x = numeric_sub_opt_error(numeric_mul_opt_error(int64_to_numeric((int64) s0 * width), den, NULL),
								  numeric_mul_opt_error(numeric_sub_opt_error(num, d0den, NULL),
														int64_to_numeric(drop), NULL),
								  NULL);
		y = numeric_mul_opt_error(int64_to_numeric(width), den, NULL);
	}
	return numeric_int4_opt_error(dunning_round_half_up(x, y), NULL);
}

PG_FUNCTION_INFO_V1(paydex_score);
/*
 * paydex_score(days numeric) -> integer: the chart alone.  +Infinity maps to
 * 1, -Infinity to 100; NaN is an error.
 */
Datum
paydex_score(PG_FUNCTION_ARGS)
{
	Numeric		days = PG_GETARG_NUMERIC(0);

	if (numeric_is_nan(days))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("days must be a number, not NaN")));
	if (numeric_is_inf(days))
		PG_RETURN_INT32(dunning_numeric_cmp(days, int64_to_numeric(0)) > 0
						? paydex_chart[lengthof(paydex_chart) - 1].score
						: paydex_chart[0].score);
	PG_RETURN_INT32(paydex_of_ratio(days, int64_to_numeric(1)));
}

PG_FUNCTION_INFO_V1(payer_paydex_final);
/* The chart applied to the exact weighted days; NULL like weighted_days_late. */
bool
dunning_payer_paydex(const PayerState *st, int32 *paydex)
{
	if (st->n <= 0 || st->sum_amount <= 0)
		return false;
	*paydex = paydex_of_ratio(dunning_int128_to_numeric(st->sum_amount_days),
							  dunning_int128_to_numeric(st->sum_amount));
	return true;
}

Datum
payer_paydex_final(PG_FUNCTION_ARGS)
{
	int32		paydex;

	if (!dunning_payer_paydex((PayerState *) PG_GETARG_POINTER(0), &paydex))
		PG_RETURN_NULL();
	PG_RETURN_INT32(paydex);
}

/* ------------------------------------------------------------------------
 * Behavioural risk score
 * ------------------------------------------------------------------------
 */

/* Half-life of the recency weight of paid items, in days. */
#define RISK_HALF_LIFE 90
/* Lateness at which an item counts as fully bad (score 100). */
#define RISK_CAP_DAYS 120

/*
 * round(2^30 x 2^(-r/90)) for r = 0..89: the weight of a paid item observed
 * r days before as_of, before the whole half-lives are shifted out.  A table
 * (not exp2()) so that the weights, hence the scores, are the same integers
 * on every platform.
 */
static const int64 risk_weight[RISK_HALF_LIFE] = {
	1073741824, 1065504019, 1057329415, 1049217527, 1041167874, 1033179978,
	1025253365, 1017387567, 1009582114, 1001836546, 994150402, 986523227,
	978954568, 971443976, 963991005, 956595215, 949256165, 941973420,
	934746550, 927575124, 920458718, 913396909, 906389279, 899435412,
	892534895, 885687319, 878892278, 872149370, 865458193, 858818351,
	852229450, 845691100, 839202913, 832764503, 826375489, 820035492,
	813744135, 807501047, 801305855, 795158194, 789057697, 783004004,
	776996755, 771035595, 765120168, 759250125, 753425117, 747644799,
	741908828, 736216864, 730568568, 724963607, 719401647, 713882359,
	708405415, 702970491, 697577264, 692225413, 686914623, 681644577,
	676414963, 671225471, 666075793, 660965624, 655894660, 650862601,
	645869148, 640914005, 635996879, 631117477, 626275509, 621470690,
	616702733, 611971357, 607276280, 602617224, 597993912, 593406070,
	588853427, 584335712, 579852657, 575403996, 570989466, 566608804,
	562261751, 557948048, 553667441, 549419675, 545204497, 541021659
};

#define RISK_FIELDS 4
StaticAssertDecl(sizeof(RiskState) == RISK_FIELDS * sizeof(int128),
				 "RiskState must be a plain array of int128");

/* Every row of one risk aggregate must share one as-of date (22023 otherwise). */
static void
check_same_as_of(int128 have, int128 got)
{
	if (have != got)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of must be the same date in every row of the aggregate"),
				 errdetail("Found %s and %s.",
						   DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum((DateADT) have))),
						   DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum((DateADT) got)))),
				 errhint("Pass one as-of date, e.g. a parameter or CURRENT_DATE.")));
}

/* The as-of field of a risk_state read from text: consistent with its has-as-of flag. */
static void
check_as_of_field(const char *str, const char *typname, int128 has, int128 as_of)
{
	if ((has != 0 && has != 1) || as_of < PG_INT32_MIN || as_of > PG_INT32_MAX ||
		(has == 0 && as_of != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", typname, dunning_clip(str, strlen(str), DUNNING_QUOTE_MAX)),
				 errdetail("The first two fields must be 0 or 1 and a day number.")));
}

PG_FUNCTION_INFO_V1(risk_state_in);
/* risk_state_in(cstring): "(has_as_of,as_of,sum_weight,sum_weight_late)" */
Datum
risk_state_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	RiskState  *st = palloc(sizeof(RiskState));

	state_parse(str, (int128 *) st, RISK_FIELDS, "dunning_internal.risk_state");
	check_as_of_field(str, "dunning_internal.risk_state", st->has_as_of, st->as_of);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(risk_state_out);
Datum
risk_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(state_format((int128 *) PG_GETARG_POINTER(0),
										   RISK_FIELDS));
}

/*
 * One invoice (amount > 0, in 1/10000 units) of a risk score as of as_of:
 *   open at as_of (no paid date, or paid after as_of): weight 1,
 *       late = greatest(as_of - due, 0)
 *   paid by as_of: weight 2^(-(as_of - paid) / 90),
 *       late = greatest(paid - due, 0)
 * late is capped at 120 days.
 */
void
dunning_risk_apply(RiskState *st, DateADT due, bool has_paid, DateADT paid, int64 amount, DateADT as_of)
{
	int64		w;
	int32		late;

	if (has_paid && paid <= as_of)
	{
		int32		age = dunning_days_between(as_of, paid);

		late = dunning_days_between(paid, due);
		w = (age / RISK_HALF_LIFE >= 31) ? 0
			: risk_weight[age % RISK_HALF_LIFE] >> (age / RISK_HALF_LIFE);
	}
	else
	{
		late = dunning_days_between(as_of, due);
		w = risk_weight[0];
	}
	late = Max(late, 0);
	late = Min(late, RISK_CAP_DAYS);

	if (st->has_as_of)
		check_same_as_of(st->as_of, as_of);
	else
	{
		st->has_as_of = 1;
		st->as_of = as_of;
	}
	st->sum_weight = dunning_add128(st->sum_weight, (int128) w * amount);
	st->sum_weight_late = dunning_add128(st->sum_weight_late,
										 (int128) w * amount * late);
}

PG_FUNCTION_INFO_V1(risk_sfunc);
/*
 * (state, due_on, paid_on, amount, as_of).  Skipped: NULL due_on, amount or
 * as_of, and amounts <= 0 (credit notes carry no payment behaviour).
 *   open at as_of (paid_on NULL or after as_of): weight 1,
 *       late = greatest(as_of - due_on, 0)
 *   paid by as_of: weight 2^(-(as_of - paid_on) / 90),
 *       late = greatest(paid_on - due_on, 0)
 * late is capped at 120 days.
 */
Datum
risk_sfunc(PG_FUNCTION_ARGS)
{
	RiskState  *st;
	int64		amount;
	int			dscale;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		goto skip;
	amount = dunning_numeric_to_scaled(PG_GETARG_DATUM(3), "amount", &dscale);
	if (amount <= 0)
		goto skip;
	st = state_for_update(fcinfo, sizeof(RiskState));
	dunning_risk_apply(st, PG_GETARG_DATEADT(1), !PG_ARGISNULL(2),
					   PG_ARGISNULL(2) ? 0 : PG_GETARG_DATEADT(2), amount, PG_GETARG_DATEADT(4));
	PG_RETURN_POINTER(st);

skip:
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}

PG_FUNCTION_INFO_V1(risk_state_combine);
Datum
risk_state_combine(PG_FUNCTION_ARGS)
{
	RiskState  *st = state_for_update(fcinfo, sizeof(RiskState));

	dunning_risk_combine(st, (RiskState *) PG_GETARG_POINTER(1));
	PG_RETURN_POINTER(st);
}

void
dunning_risk_combine(RiskState *st, const RiskState *other)
{
	if (other->has_as_of)
	{
		if (st->has_as_of)
			check_same_as_of(st->as_of, other->as_of);
		st->has_as_of = 1;
		st->as_of = other->as_of;
	}
	st->sum_weight = dunning_add128(st->sum_weight, other->sum_weight);
	st->sum_weight_late = dunning_add128(st->sum_weight_late, other->sum_weight_late);
}

PG_FUNCTION_INFO_V1(risk_final);
/*
 * round half up (100 x sum(w a late) / (120 x sum(w a))): 0 pays on time, 100
 * pays (or owes) 120 days or more late.  NULL when every weight is zero.
 */
bool
dunning_risk_score(const RiskState *st, int32 *score)
{
	Numeric		num,
				den;

	if (st->sum_weight <= 0)
		return false;
	num = numeric_mul_opt_error(dunning_int128_to_numeric(st->sum_weight_late),
								int64_to_numeric(100), NULL);
	den = numeric_mul_opt_error(dunning_int128_to_numeric(st->sum_weight),
								int64_to_numeric(RISK_CAP_DAYS), NULL);
	*score = numeric_int4_opt_error(dunning_round_half_up(num, den), NULL);
	return true;
}

Datum
risk_final(PG_FUNCTION_ARGS)
{
	int32		score;

	if (!dunning_risk_score((RiskState *) PG_GETARG_POINTER(0), &score))
		PG_RETURN_NULL();
	PG_RETURN_INT32(score);
}

/* ------------------------------------------------------------------------
 * Aging buckets
 * ------------------------------------------------------------------------
 */
#define AGING_BUCKETS 6

typedef struct AgingState
{
	int128		has_as_of;
	int128		as_of;
	int128		dscale;			/* largest input display scale, as sum() keeps */
	int128		bucket[AGING_BUCKETS];	/* 1/10000 units */
} AgingState;

#define AGING_FIELDS (3 + AGING_BUCKETS)
StaticAssertDecl(sizeof(AgingState) == AGING_FIELDS * sizeof(int128),
				 "AgingState must be a plain array of int128");

PG_FUNCTION_INFO_V1(aging_state_in);
/* aging_state_in(cstring): "(has_as_of,as_of,dscale,b0,...,b5)" */
Datum
aging_state_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	AgingState *st = palloc(sizeof(AgingState));

	state_parse(str, (int128 *) st, AGING_FIELDS, "dunning_internal.aging_state");
	check_as_of_field(str, "dunning_internal.aging_state", st->has_as_of, st->as_of);
	if (st->dscale < 0 || st->dscale > NUMERIC_MAX_DISPLAY_SCALE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type dunning_internal.aging_state: \"%s\"", dunning_clip(str, strlen(str), DUNNING_QUOTE_MAX)),
				 errdetail("The third field (scale) must be between 0 and %d.",
						   NUMERIC_MAX_DISPLAY_SCALE)));
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(aging_state_out);
Datum
aging_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(state_format((int128 *) PG_GETARG_POINTER(0),
										   AGING_FIELDS));
}

PG_FUNCTION_INFO_V1(aging_sfunc);
/*
 * (state, due_on, open_amount, as_of): adds open_amount (signed: open credit
 * notes reduce their bucket) to the bucket of as_of - due_on days past due:
 * <= 0 current, 1-30, 31-60, 61-90, 91-120, > 120.  Rows with a NULL are
 * skipped.
 */
Datum
aging_sfunc(PG_FUNCTION_ARGS)
{
	AgingState *st;
	int64		amount;
	int			dscale;
	int32		days;
	int			b;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	days = dunning_days_between(PG_GETARG_DATEADT(3), PG_GETARG_DATEADT(1));
	amount = dunning_numeric_to_scaled(PG_GETARG_DATUM(2), "open_amount", &dscale);
	b = days <= 0 ? 0 : days <= 120 ? (days + 29) / 30 : 5;

	st = state_for_update(fcinfo, sizeof(AgingState));
	if (st->has_as_of)
		check_same_as_of(st->as_of, PG_GETARG_DATEADT(3));
	else
	{
		st->has_as_of = 1;
		st->as_of = PG_GETARG_DATEADT(3);
	}
	if (dscale > st->dscale)
		st->dscale = dscale;
	st->bucket[b] = dunning_add128(st->bucket[b], amount);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(aging_state_combine);
Datum
aging_state_combine(PG_FUNCTION_ARGS)
{
	AgingState *st = state_for_update(fcinfo, sizeof(AgingState));
	AgingState *other = (AgingState *) PG_GETARG_POINTER(1);
	int			b;

	if (other->has_as_of)
	{
		if (st->has_as_of)
			check_same_as_of(st->as_of, other->as_of);
		st->has_as_of = 1;
		st->as_of = other->as_of;
	}
	if (other->dscale > st->dscale)
		st->dscale = other->dscale;
	for (b = 0; b < AGING_BUCKETS; b++)
		st->bucket[b] = dunning_add128(st->bucket[b], other->bucket[b]);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(aging_final);
/* numeric[6]: current, 1-30, 31-60, 61-90, 91-120, over 120 */
Datum
aging_final(PG_FUNCTION_ARGS)
{
	AgingState *st = (AgingState *) PG_GETARG_POINTER(0);
	Datum		elems[AGING_BUCKETS];
	int			b;

	for (b = 0; b < AGING_BUCKETS; b++)
		elems[b] = NumericGetDatum(dunning_scaled_to_numeric(st->bucket[b],
															 (int) st->dscale));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, AGING_BUCKETS, NUMERICOID,
										  -1, false, TYPALIGN_INT));
}
