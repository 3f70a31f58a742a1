/*
 * money.c -- exact money as scaled integers (see money.h): the cold error
 * paths of the converter, checked int128 arithmetic, int128 <-> numeric,
 * the exact quotient numeric division would give, half-up rounding, and the
 * lettering engine's units in a currency's own decimals.
 */
#include "postgres.h"

#include "money.h"

#include "currency.h"
#include "quote.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"


/* A numeric as an error message quotes it: a numeric may have 131,072 digits. */
static char *
numeric_clip(Datum num)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, num));

	return dunning_clip(s, strlen(s), DUNNING_QUOTE_MAX);
}

void
dunning_amount_error_special(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s must be a finite number, not NaN or infinity", what)));
}

void
dunning_amount_error_scale(Datum num, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s %s has more than %d decimal places", what, numeric_clip(num),
					DUNNING_AMOUNT_SCALE),
			 errhint("Round the value first, e.g. round(%s, %d).", what,
					 DUNNING_AMOUNT_SCALE)));
}

void
dunning_amount_error_range(Datum num, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s %s is out of range for the KPI aggregates", what, numeric_clip(num)),
			 errdetail("Amounts must lie strictly between -922337203685477.5807 and 922337203685477.5807.")));
}

int128
dunning_add128(int128 a, int128 b)
{
	int128		r;

	if (unlikely(__builtin_add_overflow(a, b, &r)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("aggregate accumulator out of range")));
	return r;
}

int128
dunning_mul128(int128 a, int128 b)
{
	int128		r;

	if (unlikely(__builtin_mul_overflow(a, b, &r)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("aggregate accumulator out of range")));
	return r;
}

/*
 * Decimal text of an int128 (snprintf cannot print one).  buf needs 41
 * bytes; the returned pointer points into it.
 */
char *
dunning_int128_to_cstring(int128 v, char *buf)
{
	char	   *p = buf + 40;
	bool		neg = v < 0;
	uint128		u = neg ? -(uint128) v : (uint128) v;

	*p = '\0';
	do
	{
		*--p = '0' + (int) (u % 10);
		u /= 10;
	} while (u != 0);
	if (neg)
		*--p = '-';
	return p;
}

Numeric
dunning_int128_to_numeric(int128 v)
{
	char		buf[41];

	if (v >= PG_INT64_MIN && v <= PG_INT64_MAX)
		return int64_to_numeric((int64) v);
	return DatumGetNumeric(DirectFunctionCall3(numeric_in,
											   CStringGetDatum(dunning_int128_to_cstring(v, buf)),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

/*
 * A scaled amount (units of 1/10000) back to a numeric with dscale decimals
 * (exact when dscale >= 4, and when every input had at most dscale
 * decimals).
 */
Numeric
dunning_scaled_to_numeric(int128 v, int dscale)
{
	Numeric		n;

	if (v >= PG_INT64_MIN && v <= PG_INT64_MAX)
		n = int64_div_fast_to_numeric((int64) v, DUNNING_AMOUNT_SCALE);
	else						/* x 0.0001: exact (a division rounds past 16 digits) */
		n = numeric_mul_opt_error(dunning_int128_to_numeric(v),
								  int64_div_fast_to_numeric(1, DUNNING_AMOUNT_SCALE), NULL);
	return DatumGetNumeric(DirectFunctionCall2(numeric_round,
											   NumericGetDatum(n),
											   Int32GetDatum(dscale)));
}

/* Normalized base-10000 weight and leading digit of u > 0, as numeric sees them. */
static void
nbase_lead(uint128 u, int *weight, int *first)
{
	int			w = 0;

	while (u >= 10000)
	{
		/* 64-bit divisions once the value fits: much cheaper than 128-bit */
		if (u <= PG_UINT64_MAX)
		{
			uint64		v = (uint64) u;

			while (v >= 10000)
			{
				v /= 10000;
				w++;
			}
			u = v;
			break;
		}
		u /= 10000;
		w++;
	}
	*weight = w;
	*first = (int) u;
}

/*
 * The numeric +-q / 10^rscale (rscale a multiple of 4), built directly in
 * numeric's short on-disk format exactly as make_result() in numeric.c
 * builds it (leading and trailing zero base-10000 digits stripped, zero
 * with weight 0 and a positive sign), so it is the same datum
 * int64_div_fast_to_numeric() returns, for one palloc instead of three.
 * NULL when the short format cannot hold it (the caller then takes the
 * general path).  The layout is the one dunning_numeric_to_scaled() reads.
 */
static Numeric
short_numeric(uint64 q, bool neg, int rscale)
{
	int16		buf[5];			/* 2^64 < 10000^5; least significant first */
	int			nd = 0,
				lo = 0,
				n,
				weight,
				i;
	Size		len;
	uint16		header;
	Numeric		result;
	char	   *p;

	if (rscale % 4 != 0 || rscale > 63)
		return NULL;
	while (q != 0)
	{
		buf[nd++] = (int16) (q % 10000);
		q /= 10000;
	}
	while (lo < nd && buf[lo] == 0)
		lo++;
	n = nd - lo;
	weight = nd - 1 - rscale / 4;
	if (n == 0)
	{
		weight = 0;
		neg = false;
	}
	if (weight < -64 || weight > 63)
		return NULL;
	header = 0x8000				/* NUMERIC_SHORT */
		| (neg ? 0x2000 : 0)	/* NUMERIC_SHORT_SIGN_MASK */
		| (rscale << 7)			/* NUMERIC_SHORT_DSCALE_SHIFT */
		| (weight < 0 ? 0x0040 : 0) /* NUMERIC_SHORT_WEIGHT_SIGN_MASK */
		| (weight & 0x003F);	/* NUMERIC_SHORT_WEIGHT_MASK */
	len = VARHDRSZ + sizeof(uint16) + n * sizeof(int16);
	result = (Numeric) palloc(len);
	SET_VARSIZE(result, len);
	p = VARDATA(result);
	memcpy(p, &header, sizeof(uint16));
	p += sizeof(uint16);
	for (i = nd - 1; i >= lo; i--)
	{
		memcpy(p, &buf[i], sizeof(int16));
		p += sizeof(int16);
	}
	return result;
}

/*
 * numeric_div of two integer numerics (dscale 0), without building them.
 * numeric_div (PostgreSQL 13-17) picks the result scale with
 * select_div_scale(): rscale = 16 - 4 x qweight (at least 0: both display
 * scales are 0), where qweight = weight(num) - weight(den) in base 10000,
 * minus one when the leading base-10000 digit of num is <= that of den
 * (num = 0 counts as weight 0, digit 0); then div_var() returns the exact
 * quotient rounded half away from zero at rscale decimals.  With
 * q = round(|num| x 10^rscale / den) in 128-bit integers that is
 * +-q / 10^rscale: the same value and scale, so the same numeric (built by
 * short_numeric, else int64_div_fast_to_numeric).  Cases where the product
 * or q would not fit go through numeric (the tests compare both on random
 * and edge values).
 */
Numeric
dunning_int128_div(int128 num, int128 den)
{
	static const int128 pow10_tab[] = {
		1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
		1000000000, INT64CONST(10000000000), INT64CONST(100000000000),
		INT64CONST(1000000000000), INT64CONST(10000000000000),
		INT64CONST(100000000000000), INT64CONST(1000000000000000),
		INT64CONST(10000000000000000), INT64CONST(100000000000000000),
		INT64CONST(1000000000000000000)
	};
	uint128		unum;
	int			w1 = 0,
				f1 = 0,
				w2,
				f2,
				qweight,
				rscale;

	if (den > 0 && num > -((int128) PG_INT64_MAX * PG_INT64_MAX)
		&& num < (int128) PG_INT64_MAX * PG_INT64_MAX)
	{
		unum = num < 0 ? -(uint128) num : (uint128) num;
		if (unum != 0)
			nbase_lead(unum, &w1, &f1);
		nbase_lead((uint128) den, &w2, &f2);
		qweight = w1 - w2 - (f1 <= f2 ? 1 : 0);
		rscale = Max(16 - 4 * qweight, 0);
		/* |num| < 2^126 here; 10^rscale must keep the product below 2^127 */
		if (rscale <= 36)
		{
			int128		scale_hi = rscale > 18 ? pow10_tab[rscale - 18] : 1;
			int128		scale_lo = pow10_tab[Min(rscale, 18)];
			int128		prod;

			if (!__builtin_mul_overflow((int128) unum, scale_lo, &prod) &&
				!__builtin_mul_overflow(prod, scale_hi, &prod))
			{
				int128		q = prod / den;
				int128		r = prod - q * den;

				if (r >= den - r)	/* remainder >= den / 2: round up */
					q++;
				if (q <= PG_INT64_MAX)
				{
					Numeric		res = short_numeric((uint64) q, num < 0, rscale);

					if (res != NULL)
						return res;
					return int64_div_fast_to_numeric(num < 0 ? -(int64) q : (int64) q,
													 rscale);
				}
			}
		}
	}
	return numeric_div_opt_error(dunning_int128_to_numeric(num),
								 dunning_int128_to_numeric(den), NULL);
}

int
dunning_numeric_cmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp,
											 NumericGetDatum(a),
											 NumericGetDatum(b)));
}

/*
 * Round num / den half up to an integer, exactly: floor((2 num + den) /
 * (2 den)).  den must be positive.  numeric's div() truncates toward zero,
 * which is the floor for a non-negative dividend; a negative one is
 * corrected by one when the division is not exact.
 */
Numeric
dunning_round_half_up(Numeric num, Numeric den)
{
	Numeric		two = int64_to_numeric(2);
	Numeric		a = numeric_add_opt_error(numeric_mul_opt_error(num, two, NULL),
										  den, NULL);
	Numeric		b = numeric_mul_opt_error(den, two, NULL);
	Numeric		q = DatumGetNumeric(DirectFunctionCall2(numeric_div_trunc,
														NumericGetDatum(a),
														NumericGetDatum(b)));
	Numeric		zero = int64_to_numeric(0);

	if (dunning_numeric_cmp(a, zero) < 0 &&
		dunning_numeric_cmp(numeric_mul_opt_error(q, b, NULL), a) != 0)
		q = numeric_sub_opt_error(q, int64_to_numeric(1), NULL);
	return q;
}

/*
 * Lettering amounts are whole minor units: dropping the unused decimals of
 * the 1/10000 scale is exact, and the numeric then shows the currency's own
 * number of decimals (2.50 EUR, 1000 JPY) as the ledger stores them.
 */
Numeric
dunning_units_to_numeric(int64 units, const char *currency)
{
	int			minor = dunning_currency_minor_unit(currency);

	if (minor < 0 || minor > DUNNING_AMOUNT_SCALE)
		minor = DUNNING_AMOUNT_SCALE;
	for (int k = minor; k < DUNNING_AMOUNT_SCALE; k++)
		units /= 10;			/* exact: amounts are in minor units */
	return int64_div_fast_to_numeric(units, minor);
}

/* The text of an amount, as reasons and proposal arrays show it. */
void
dunning_append_units(StringInfo buf, int64 units, const char *currency)
{
	Numeric		n = dunning_units_to_numeric(units, currency);

	appendStringInfoString(buf, DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n))));
}
