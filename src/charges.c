/*
 * charges.c -- late-payment interest, the arithmetic of the charges a
 * reminder may add, in C because numeric day-by-day sums in SQL are slow and
 * easy to get subtly wrong.
 *
 * SQL interface (src/sql/charges.sql):
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
#include "fmgr.h"
#include "quote.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

/* numeric arithmetic that raises its errors (no soft-error path wanted): a + b, a - b, a x b */
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

/* A payment against the amount: it lowers the base from its own day on. */
typedef struct Repayment
{
	DateADT		on;
	Numeric		amount;
} Repayment;

/* Repayments by date. */
static int
repayment_cmp(const void *a, const void *b)
{
	DateADT		x = ((const Repayment *) a)->on;
	DateADT		y = ((const Repayment *) b)->on;

	return (x > y) - (x < y);
}

/* The calendar year of a date (ACT/ACT divides each day by its year's length). */
static int
year_of(DateADT d)
{
	int			y,
				m,
				dd;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &dd);
	return y;
}

/* The date of a calendar day. */
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

/* What accrues: the amount, the rates in force, the repayments. */
typedef struct Accrual
{
	Numeric		amount;
	Numeric		margin;
	int			fixed_year;		/* days of a year; 0 for ACT/ACT */
	Datum	   *rate_from;		/* dates, ascending */
	Datum	   *rates;			/* percent, in force from rate_from */
	int			nrates;
	Repayment  *pays;			/* by date */
	int			npays;
} Accrual;

/* Days of the year of the day count basis; 0 for ACT/ACT (the real year). */
static int
basis_year(const char *basis)
{
	if (strcmp(basis, "ACT/365") == 0)
		return 365;
	if (strcmp(basis, "ACT/360") == 0)
		return 360;
	if (strcmp(basis, "ACT/ACT") == 0)
		return 0;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown day count basis %s", dunning_clip(basis, strlen(basis), DUNNING_QUOTE_MAX)),
			 errhint("Use ACT/365, ACT/360 or ACT/ACT.")));
	return 0;					/* keep the compiler quiet */
}

/* Arguments 6 and 7: the reference rates and the dates they apply from. */
static void
read_rates(FunctionCallInfo fcinfo, Accrual *ac)
{
	if (PG_ARGISNULL(6) || PG_ARGISNULL(7))
		return;
	ac->nrates = paired_arrays(fcinfo, 6, DATEOID, &ac->rate_from, "rate_from", "rate dates",
							   7, NUMERICOID, &ac->rates, "rates", "rates");
	for (int i = 1; i < ac->nrates; i++)
		if (DatumGetDateADT(ac->rate_from[i]) <= DatumGetDateADT(ac->rate_from[i - 1]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("accrue_interest: rate dates must be ascending")));
}

/* Arguments 8 and 9 (when given): the repayments, sorted by date. */
static void
read_repayments(FunctionCallInfo fcinfo, Accrual *ac)
{
	Datum	   *on;
	Datum	   *amt;

	if (PG_NARGS() <= 9 || PG_ARGISNULL(8) || PG_ARGISNULL(9))
		return;
	ac->npays = paired_arrays(fcinfo, 8, DATEOID, &on, "paid_on", "payment dates",
							  9, NUMERICOID, &amt, "paid", "amounts");
	ac->pays = palloc(sizeof(Repayment) * Max(ac->npays, 1));
	for (int i = 0; i < ac->npays; i++)
	{
		ac->pays[i].on = DatumGetDateADT(on[i]);
		ac->pays[i].amount = DatumGetNumeric(amt[i]);
	}
	qsort(ac->pays, ac->npays, sizeof(Repayment), repayment_cmp);
}

/*
 * The interest of (from_date, to_date], unrounded; NULL when a day has no
 * reference rate.  The days are walked in segments over which the rate,
 * the outstanding amount and (ACT/ACT) the year do not change.  Day d
 * accrues at the rate in force on d on amount minus the payments dated on
 * or before d: a payment reduces the base from its own day on.
 */
static Numeric
interest_between(const Accrual *ac, DateADT from_date, DateADT to_date)
{
	Numeric		total = int64_to_numeric(0);
	Numeric		paid_before = int64_to_numeric(0);
	int			r = -1;			/* index of the rate in force */
	int			p = 0;			/* payments dated on or before the segment start */
	DateADT		c = from_date;	/* the last day already accounted for */

	while (c < to_date)
	{
		DateADT		s = c + 1;	/* first day of the segment */
		DateADT		e = to_date;	/* last day of the segment */
		Numeric		base;
		int			year_len = ac->fixed_year;

		while (r + 1 < ac->nrates && DatumGetDateADT(ac->rate_from[r + 1]) <= s)
			r++;
		if (r < 0)
			return NULL;		/* a day without a reference rate */
		if (r + 1 < ac->nrates)
			e = Min(e, DatumGetDateADT(ac->rate_from[r + 1]) - 1);
		while (p < ac->npays && ac->pays[p].on <= s)
			paid_before = num_add(paid_before, ac->pays[p++].amount);
		if (p < ac->npays)
			e = Min(e, ac->pays[p].on - 1);
		if (ac->fixed_year == 0)
		{
			int			y = year_of(s);

			e = Min(e, make_day(y, 12, 31));
			year_len = make_day(y + 1, 1, 1) - make_day(y, 1, 1);
		}
		base = num_sub(ac->amount, paid_before);
		if (dunning_numeric_cmp(base, int64_to_numeric(0)) > 0)
		{
			/* base x (rate + margin) x days / (100 x year): one division */
			Numeric		part = num_mul(num_mul(base, num_add(DatumGetNumeric(ac->rates[r]), ac->margin)),
									   int64_to_numeric(e - s + 1));

			total = num_add(total, numeric_div_opt_error(part, int64_to_numeric(100 * (int64) year_len), NULL));
		}
		c = e;
	}
	return total;
}

PG_FUNCTION_INFO_V1(accrue_interest);
Datum
accrue_interest(PG_FUNCTION_ARGS)
{
	Accrual		ac = {0};
	DateADT		from_date;
	DateADT		to_date;
	int32		digits;
	Numeric		total;

	for (int i = 0; i < 8; i++)
		if (i != 6 && i != 7 && PG_ARGISNULL(i))
			PG_RETURN_NULL();
	ac.amount = PG_GETARG_NUMERIC(0);
	from_date = PG_GETARG_DATEADT(1);
	to_date = PG_GETARG_DATEADT(2);
	ac.margin = PG_GETARG_NUMERIC(3);
	ac.fixed_year = basis_year(text_to_cstring(PG_GETARG_TEXT_PP(4)));
	digits = PG_GETARG_INT32(5);
	if (DATE_NOT_FINITE(from_date) || DATE_NOT_FINITE(to_date))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("interest dates must be finite")));
	if (to_date <= from_date)
		PG_RETURN_NUMERIC(int64_to_numeric(0));
	read_rates(fcinfo, &ac);
	read_repayments(fcinfo, &ac);

	total = interest_between(&ac, from_date, to_date);
	if (total == NULL)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_round, NumericGetDatum(total), Int32GetDatum(digits)));
}
