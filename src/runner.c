/*
 * runner.c -- the per-item arithmetic of the dunning runner, in C because
 * it runs once per open invoice (a million times in a big run).
 *
 * SQL interface (src/sql/0.2.0/610_charges_promises.sql, 620_runner.sql):
 *   dunning.pick_step(scenario_id, days_overdue, last_offset, local_time,
 *                     overdue_total) -> bigint
 *       the step an item takes now: the step of the scenario with the
 *       highest offset that the item reached and has not had (see
 *       doc/dunning.md, "How a run decides", 5).  The scenario steps are read
 *       once per query (SPI, cached in fn_extra), never per item.
 *   dunning.accrue_interest(amount, from_date, to_date, margin, basis,
 *                           digits, rate_from[], rates[], paid_on[], paid[])
 *       -> numeric
 *       simple interest on what was outstanding each day of (from_date,
 *       to_date]: amount minus the payments dated on or before that day, at
 *       the reference rate in force that day + margin (percent), day count
 *       ACT/365, ACT/360 or ACT/ACT, rounded once to digits.  NULL when a
 *       day has no reference rate.
 */
#include "postgres.h"

#include "money.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

/* ------------------------------------------------------------------------
 * pick_step
 * ------------------------------------------------------------------------ */
typedef struct StepRule
{
	int64		scenario_id;
	int64		step_id;
	int32		offset_days;
	TimeADT		send_time;
	bool		has_min_days;
	int32		min_days;
	Numeric		min_amount;		/* NULL: no minimum */
	bool		zero_meets_min; /* an unknown overdue total (0) reaches min_amount */
} StepRule;

typedef struct StepCache
{
	int			n;
	StepRule   *rules;			/* by scenario_id, then offset_days descending */
	int			last_first;		/* slice of the scenario looked up last */
	int			last_end;
	int64		last_scenario;
} StepCache;

static StepCache *
load_steps(FunctionCallInfo fcinfo)
{
	MemoryContext fn_mcxt = fcinfo->flinfo->fn_mcxt;
	StepCache  *cache = MemoryContextAllocZero(fn_mcxt, sizeof(StepCache));
	int			ret;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pick_step: SPI_connect failed");
	ret = SPI_execute("SELECT scenario_id, step_id, offset_days, send_time, min_days_overdue, min_overdue_amount"
					  "  FROM dunning.scenario_step ORDER BY scenario_id, offset_days DESC",
					  true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "pick_step: reading dunning.scenario_step failed: %d", ret);
	cache->n = (int) SPI_processed;
	cache->rules = MemoryContextAllocZero(fn_mcxt, sizeof(StepRule) * Max(cache->n, 1));
	for (int i = 0; i < cache->n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		StepRule   *r = &cache->rules[i];
		bool		isnull;
		Datum		d;

		r->scenario_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		r->step_id = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
		r->offset_days = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		r->send_time = DatumGetTimeADT(SPI_getbinval(tup, desc, 4, &isnull));
		d = SPI_getbinval(tup, desc, 5, &isnull);
		r->has_min_days = !isnull;
		r->min_days = isnull ? 0 : DatumGetInt32(d);
		d = SPI_getbinval(tup, desc, 6, &isnull);
		if (isnull)
			r->min_amount = NULL;
		else
		{
			MemoryContext old = MemoryContextSwitchTo(fn_mcxt);

			r->min_amount = DatumGetNumericCopy(d);
			MemoryContextSwitchTo(old);
			r->zero_meets_min = dunning_numeric_cmp(int64_to_numeric(0), r->min_amount) >= 0;
		}
	}
	SPI_finish();
	cache->last_scenario = -1;
	cache->last_first = cache->last_end = 0;
	return cache;
}

PG_FUNCTION_INFO_V1(pick_step);
Datum
pick_step(PG_FUNCTION_ARGS)
{
	StepCache  *cache;
	int64		scenario_id;
	int32		dd;
	bool		no_last;
	int32		last_offset;
	TimeADT		local_time;
	Numeric		overdue;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	scenario_id = PG_GETARG_INT64(0);
	dd = PG_GETARG_INT32(1);
	no_last = PG_ARGISNULL(2);
	last_offset = no_last ? 0 : PG_GETARG_INT32(2);
	local_time = PG_GETARG_TIMEADT(3);
	overdue = PG_ARGISNULL(4) ? NULL : PG_GETARG_NUMERIC(4);

	cache = (StepCache *) fcinfo->flinfo->fn_extra;
	if (cache == NULL)
	{
		cache = load_steps(fcinfo);
		fcinfo->flinfo->fn_extra = cache;
	}
	if (cache->last_scenario != scenario_id)
	{
		int			i = 0;

		while (i < cache->n && cache->rules[i].scenario_id != scenario_id)
			i++;
		cache->last_first = i;
		while (i < cache->n && cache->rules[i].scenario_id == scenario_id)
			i++;
		cache->last_end = i;
		cache->last_scenario = scenario_id;
	}

	/* highest offset first: the first step that qualifies is the one */
	for (int i = cache->last_first; i < cache->last_end; i++)
	{
		StepRule   *r = &cache->rules[i];

		if (!no_last && r->offset_days <= last_offset)
			break;				/* lower steps are behind the item too */
		if (r->offset_days > dd)	/* due_on + offset_days > local date */
			continue;
		if (r->offset_days < 0 && dd > 0)	/* pre-due steps only before due */
			continue;
		if (r->send_time > local_time)
			continue;
		if (r->has_min_days && dd < r->min_days)
			continue;
		if (r->min_amount != NULL &&
			(overdue == NULL ? !r->zero_meets_min : dunning_numeric_cmp(overdue, r->min_amount) < 0))
			continue;
		PG_RETURN_INT64(r->step_id);
	}
	PG_RETURN_NULL();
}

/* ------------------------------------------------------------------------
 * accrue_interest
 * ------------------------------------------------------------------------ */
static Numeric
num_add(Numeric a, Numeric b)
{
	return numeric_add_opt_error(a, b, NULL);
}

static Numeric
num_sub(Numeric a, Numeric b)
{
	return numeric_sub_opt_error(a, b, NULL);
}

static Numeric
num_mul(Numeric a, Numeric b)
{
	return numeric_mul_opt_error(a, b, NULL);
}


typedef struct Payment
{
	DateADT		on;
	Numeric		amount;
} Payment;

static int
payment_cmp(const void *a, const void *b)
{
	DateADT		x = ((const Payment *) a)->on;
	DateADT		y = ((const Payment *) b)->on;

	return (x > y) - (x < y);
}

static int
year_of(DateADT d)
{
	int			y,
				m,
				dd;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &dd);
	return y;
}

static DateADT
make_day(int y, int m, int d)
{
	return date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
}

/* elements of a one-dimensional array of a fixed type, NULLs refused */
static int
array_elements(ArrayType *a, Oid type, Datum **values, const char *what)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	bool	   *nulls;
	int			n;

	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	deconstruct_array(a, type, typlen, typbyval, typalign, values, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("accrue_interest: %s must not contain NULL", what)));
	return n;
}

/*
 * Arguments i and j: two arrays read side by side (NULL elements refused),
 * which must have as many elements; label_i and label_j name them in the
 * error.  Returns the count.
 */
static int
paired_arrays(FunctionCallInfo fcinfo, int i, Oid type_i, Datum **vi, const char *what_i, const char *label_i,
			  int j, Oid type_j, Datum **vj, const char *what_j, const char *label_j)
{
	int			ni = array_elements(PG_GETARG_ARRAYTYPE_P(i), type_i, vi, what_i);
	int			nj = array_elements(PG_GETARG_ARRAYTYPE_P(j), type_j, vj, what_j);

	if (ni != nj)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("accrue_interest: %d %s but %d %s", ni, label_i, nj, label_j)));
	return ni;
}

PG_FUNCTION_INFO_V1(accrue_interest);
Datum
accrue_interest(PG_FUNCTION_ARGS)
{
	Numeric		amount;
	DateADT		from_date;
	DateADT		to_date;
	Numeric		margin;
	char	   *basis;
	int32		digits;
	Datum	   *rate_from = NULL;
	Datum	   *rates = NULL;
	int			nrates = 0;
	Payment    *pays = NULL;
	int			npays = 0;
	int			fixed_year;
	Numeric		total;
	Numeric		paid_before;
	int			r = -1;			/* index of the rate in force */
	int			p = 0;			/* payments dated on or before the segment start */
	DateADT		c;

	for (int i = 0; i < 8; i++)
		if (i != 6 && i != 7 && PG_ARGISNULL(i))
			PG_RETURN_NULL();
	amount = PG_GETARG_NUMERIC(0);
	from_date = PG_GETARG_DATEADT(1);
	to_date = PG_GETARG_DATEADT(2);
	margin = PG_GETARG_NUMERIC(3);
	basis = text_to_cstring(PG_GETARG_TEXT_PP(4));
	digits = PG_GETARG_INT32(5);

	if (strcmp(basis, "ACT/365") == 0)
		fixed_year = 365;
	else if (strcmp(basis, "ACT/360") == 0)
		fixed_year = 360;
	else if (strcmp(basis, "ACT/ACT") == 0)
		fixed_year = 0;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown day count basis %s", basis),
				 errhint("Use ACT/365, ACT/360 or ACT/ACT.")));
	if (DATE_NOT_FINITE(from_date) || DATE_NOT_FINITE(to_date))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("interest dates must be finite")));
	if (to_date <= from_date)
		PG_RETURN_NUMERIC(int64_to_numeric(0));

	if (!PG_ARGISNULL(6) && !PG_ARGISNULL(7))
	{
		nrates = paired_arrays(fcinfo, 6, DATEOID, &rate_from, "rate_from", "rate dates",
							   7, NUMERICOID, &rates, "rates", "rates");
		for (int i = 1; i < nrates; i++)
			if (DatumGetDateADT(rate_from[i]) <= DatumGetDateADT(rate_from[i - 1]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("accrue_interest: rate dates must be ascending")));
	}
	if (PG_NARGS() > 9 && !PG_ARGISNULL(8) && !PG_ARGISNULL(9))
	{
		Datum	   *on;
		Datum	   *amt;

		npays = paired_arrays(fcinfo, 8, DATEOID, &on, "paid_on", "payment dates",
							  9, NUMERICOID, &amt, "paid", "amounts");
		pays = palloc(sizeof(Payment) * Max(npays, 1));
		for (int i = 0; i < npays; i++)
		{
			pays[i].on = DatumGetDateADT(on[i]);
			pays[i].amount = DatumGetNumeric(amt[i]);
		}
		qsort(pays, npays, sizeof(Payment), payment_cmp);
	}

	/*
	 * Walk the days of (from_date, to_date] in segments over which the rate,
	 * the outstanding amount and (ACT/ACT) the year do not change.  Day d
	 * accrues at the rate in force on d on amount minus the payments dated
	 * on or before d: a payment reduces the base from its own day on.
	 */
	total = int64_to_numeric(0);
	paid_before = int64_to_numeric(0);
	c = from_date;				/* the last day already accounted for */
	while (c < to_date)
	{
		DateADT		s = c + 1;	/* first day of the segment */
		DateADT		e = to_date;	/* last day of the segment */
		Numeric		base;
		int			year_len;

		while (r + 1 < nrates && DatumGetDateADT(rate_from[r + 1]) <= s)
			r++;
		if (r < 0)
			PG_RETURN_NULL();	/* a day without a reference rate */
		if (r + 1 < nrates)
			e = Min(e, DatumGetDateADT(rate_from[r + 1]) - 1);
		while (p < npays && pays[p].on <= s)
		{
			paid_before = num_add(paid_before, pays[p].amount);
			p++;
		}
		if (p < npays)
			e = Min(e, pays[p].on - 1);
		if (fixed_year == 0)
		{
			int			y = year_of(s);

			e = Min(e, make_day(y, 12, 31));
			year_len = make_day(y + 1, 1, 1) - make_day(y, 1, 1);
		}
		else
			year_len = fixed_year;

		base = num_sub(amount, paid_before);
		if (dunning_numeric_cmp(base, int64_to_numeric(0)) > 0)
		{
			/* base x (rate + margin) x days / (100 x year): one division */
			Numeric		part = num_mul(num_mul(base, num_add(DatumGetNumeric(rates[r]), margin)),
									   int64_to_numeric(e - s + 1));

			total = num_add(total, numeric_div_opt_error(part, int64_to_numeric(100 * (int64) year_len), NULL));
		}
		c = e;
	}
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_round, NumericGetDatum(total), Int32GetDatum(digits)));
}
