/*
 * money.h -- exact money as scaled integers (money.c): numeric <-> a signed
 * count of 1/10000 of the currency unit, 128-bit accumulators, exact
 * division and rounding.  Used by the KPI aggregates (payer_agg.c,
 * dso_agg.c), the charges (charges.c), the runner and the lettering engine.
 *
 * Money is held as a signed integer count of 1/10000 of the currency unit
 * (DUNNING_AMOUNT_SCALE decimals, enough for every ISO 4217 minor unit, CLF
 * and UYW have 4).  Converting a numeric to that integer is exact or raises
 * an error: a value with a non-zero fifth decimal is rejected, never
 * rounded.  Sums are int128 so that no realistic ledger can overflow them;
 * every addition is still checked.
 */
#ifndef DUNNING_MONEY_H
#define DUNNING_MONEY_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/numeric.h"

#ifndef HAVE_INT128
#error "dunning's aggregates need a compiler with a 128-bit integer type"
#endif

/* decimals of the scaled-integer money unit */
#define DUNNING_AMOUNT_SCALE	4
/* 10^DUNNING_AMOUNT_SCALE: exactly one base-10000 numeric digit */
#define DUNNING_AMOUNT_FACTOR	10000

/* Why a numeric is not a scaled int64 (dunning_numeric_try_scaled). */
typedef enum DunningScaled
{
	DUNNING_SCALED_OK,
	DUNNING_SCALED_SPECIAL,		/* NaN or +-Infinity */
	DUNNING_SCALED_SCALE,		/* a non-zero digit below 1/10000 */
	DUNNING_SCALED_RANGE		/* beyond int64 units */
} DunningScaled;

/*
 * A numeric Datum as a scaled int64 (units of 1/10000), exactly, into *out;
 * or why it cannot be one.  *dscale receives the numeric's display scale
 * (which may exceed 4 when the extra decimals are zeros), so that
 * money-valued results can show the decimals their input showed, as sum()
 * does.
 */
static inline DunningScaled dunning_numeric_try_scaled(Datum num, int64 *out, int *dscale);

/*
 * The same, raising 22P02 or 22003 for what is not a scaled int64: `what`
 * names the argument in error messages.
 */
static inline int64 dunning_numeric_to_scaled(Datum num, const char *what,
											  int *dscale);

/* error reporters for the converter below (out of line: cold paths) */
extern void dunning_amount_error_special(const char *what) pg_attribute_noreturn();
extern void dunning_amount_error_scale(Datum num, const char *what) pg_attribute_noreturn();
extern void dunning_amount_error_range(Datum num, const char *what) pg_attribute_noreturn();

/*
 * The converter reads the numeric's varlena directly, without detoasting a
 * short (1-byte header) datum into a palloc'd copy the way
 * PG_GETARG_NUMERIC would: this is the per-row hot path of every aggregate.
 * The layout it reads is numeric's on-disk format (src/backend/utils/adt/
 * numeric.c: a 2-byte header, short or long form, then base-10000 digits),
 * which pg_upgrade requires to stay the same across major versions.
 * Special values (NaN, +-Infinity) are rejected.
 */
static inline DunningScaled
dunning_numeric_try_scaled(Datum num, int64 *out, int *dscale)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(num);
	const char *p = VARDATA_ANY(v);
	int			len = VARSIZE_ANY_EXHDR(v);
	uint16		header;
	int			weight;
	int			ndigits;
	bool		neg;
	int128		acc = 0;
	int			i;

	memcpy(&header, p, sizeof(uint16));
	if ((header & 0xC000) == 0xC000)	/* NUMERIC_SPECIAL */
		return DUNNING_SCALED_SPECIAL;
	if (header & 0x8000)		/* NUMERIC_SHORT */
	{
		neg = (header & 0x2000) != 0;
		*dscale = (header & 0x1F80) >> 7;
		weight = (header & 0x0040) ? (int) (~0x003F | (header & 0x003F))
			: (int) (header & 0x003F);
		p += sizeof(uint16);
		len -= sizeof(uint16);
	}
	else
	{
		int16		w;

		neg = (header & 0xC000) == 0x4000;
		*dscale = header & 0x3FFF;
		memcpy(&w, p + sizeof(uint16), sizeof(int16));
		weight = w;
		p += 2 * sizeof(uint16);
		len -= 2 * sizeof(uint16);
	}
	ndigits = len / (int) sizeof(int16);
	*out = 0;
	if (ndigits == 0)
		return DUNNING_SCALED_OK;
	/* 10000^5 units already exceed int64: reject before any arithmetic */
	if (weight > 3)
		return DUNNING_SCALED_RANGE;
	for (i = 0; i < ndigits; i++)
	{
		int16		d;

		memcpy(&d, p + i * sizeof(int16), sizeof(int16));
		if (weight + 1 - i < 0)
		{
			/* a digit below 1/10000: allowed only if it is zero */
			if (d != 0)
				return DUNNING_SCALED_SCALE;
			continue;
		}
		acc = acc * 10000 + d;
	}
	/* digits stopped above the 1/10000 place: shift the rest in */
	for (i = weight + 1 - (ndigits - 1); i > 0; i--)
		acc *= 10000;
	if (neg)
		acc = -acc;
	if (acc > PG_INT64_MAX || acc < -PG_INT64_MAX)
		return DUNNING_SCALED_RANGE;
	*out = (int64) acc;
	return DUNNING_SCALED_OK;
}

static inline int64
dunning_numeric_to_scaled(Datum num, const char *what, int *dscale)
{
	int64		units;

	switch (dunning_numeric_try_scaled(num, &units, dscale))
	{
		case DUNNING_SCALED_OK:
			break;
		case DUNNING_SCALED_SPECIAL:
			dunning_amount_error_special(what);
		case DUNNING_SCALED_SCALE:
			dunning_amount_error_scale(num, what);
		case DUNNING_SCALED_RANGE:
			dunning_amount_error_range(num, what);
	}
	return units;
}

/* int128 <-> numeric and text */
extern Numeric dunning_int128_to_numeric(int128 v);
extern Numeric dunning_scaled_to_numeric(int128 v, int dscale);
extern char *dunning_int128_to_cstring(int128 v, char *buf);

/* Checked int128 arithmetic: raises 22003 on overflow. */
extern int128 dunning_add128(int128 a, int128 b);
extern int128 dunning_mul128(int128 a, int128 b);

/*
 * num / den as a numeric, exactly what numeric division of the two integers
 * (dscale 0) returns: same value, same display scale.  Computed in integer
 * arithmetic when it fits, else through numeric.  den must not be 0.
 */
extern Numeric dunning_int128_div(int128 num, int128 den);

/* floor(num / den) rounded half up: floor((2 num + den) / (2 den)), den > 0 */
extern Numeric dunning_round_half_up(Numeric num, Numeric den);
/* numeric comparison (-1, 0, 1) */
extern int	dunning_numeric_cmp(Numeric a, Numeric b);

/*
 * Lettering money: units (1/10000) of a currency back to a numeric with the
 * currency's own number of decimals (4 for an unknown code), and its text
 * appended to buf.  Amounts of the lettering engine are whole minor units.
 */
extern Numeric dunning_units_to_numeric(int64 units, const char *currency);
extern void dunning_append_units(StringInfo buf, int64 units, const char *currency);

#endif							/* DUNNING_MONEY_H */
