/*
 * dso_agg.c -- DSO over a run of periods: countback and rolling simple DSO.
 *
 *   dso_countback(ar_end numeric, sales numeric, days integer)
 *   rolling_dso(ar_end numeric, sales numeric, days integer)
 *
 * Both read periods oldest first (ORDER BY inside the call, or a window
 * ordered by period) and take the receivable at the end from the LAST row.
 * They are order-dependent, so they have no combine function; they are
 * meant for sliding frames such as OVER (ORDER BY month ROWS 11 PRECEDING),
 * and support moving-aggregate mode: the state is a queue of the frame's
 * periods (a ring buffer in the aggregate context) with running sums, so
 * adding the next period and dropping the oldest are O(1), rolling_dso's
 * final is O(1) and dso_countback's final walks back only as many periods
 * as it takes to exhaust the receivable.
 *
 * Amounts are exact scaled integers (agg_common.h); the results are numeric.
 * A window calls the final function once per row, so the finals divide in
 * 128-bit integers (dunning_int128_div) and build one numeric, the exact
 * value and scale numeric division gives, instead of four intermediate
 * numerics and a numeric division per row.
 */
#include "postgres.h"

#include "agg_common.h"

#include "miscadmin.h"
#include "utils/lsyscache.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

typedef struct Period
{
	int64		ar_end;			/* 1/10000 units */
	int64		sales;			/* 1/10000 units */
	int32		days;
	bool		ar_null;
	bool		sales_null;		/* sales or days unknown */
} Period;

typedef struct PeriodQueue
{
	int			cap;			/* allocated slots (a power of two) */
	int			head;			/* slot of the oldest period */
	int			count;			/* periods in the frame */
	int			unknown;		/* periods with sales_null */
	int128		sum_sales;		/* over periods with known sales */
	int64		sum_days;
	Period	   *items;
} PeriodQueue;

#define QUEUE_SLOT(q, i) ((q)->items[((q)->head + (i)) & ((q)->cap - 1)])

/*
 * The transition functions are not strict: the first call allocates the
 * queue in the aggregate context, so the state is never NULL afterwards (a
 * moving-aggregate transition must not return NULL).
 */
static PeriodQueue *
queue_get(FunctionCallInfo fcinfo)
{
	MemoryContext aggctx;
	PeriodQueue *q;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called outside an aggregate",
						get_func_name(fcinfo->flinfo->fn_oid))));
	if (!PG_ARGISNULL(0))
		return (PeriodQueue *) PG_GETARG_POINTER(0);
	q = MemoryContextAllocZero(aggctx, sizeof(PeriodQueue));
	q->cap = 16;
	q->items = MemoryContextAlloc(aggctx, q->cap * sizeof(Period));
	return q;
}

static void
queue_grow(PeriodQueue *q)
{
	Period	   *items;
	int			i;

	if (q->cap >= (int) (MaxAllocSize / sizeof(Period) / 2))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many periods in one DSO frame: %d", q->count)));
	items = MemoryContextAlloc(GetMemoryChunkContext(q->items),
							   2 * q->cap * sizeof(Period));
	for (i = 0; i < q->count; i++)
		items[i] = QUEUE_SLOT(q, i);
	pfree(q->items);
	q->items = items;
	q->head = 0;
	q->cap *= 2;
}

/* Read (ar_end, sales, days) of the current row into *p. */
static void
period_read(FunctionCallInfo fcinfo, Period *p)
{
	int			dscale;

	p->ar_null = PG_ARGISNULL(1);
	p->ar_end = p->ar_null ? 0
		: dunning_numeric_to_scaled(PG_GETARG_DATUM(1), "ar_end", &dscale);
	p->sales_null = PG_ARGISNULL(2) || PG_ARGISNULL(3);
	p->sales = PG_ARGISNULL(2) ? 0
		: dunning_numeric_to_scaled(PG_GETARG_DATUM(2), "sales", &dscale);
	p->days = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3);
	if (!PG_ARGISNULL(3) && p->days <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("days of a period must be positive, got %d", p->days),
				 errhint("Pass the number of days the period covers, e.g. 30 or the days of the month.")));
}

PG_FUNCTION_INFO_V1(dso_period_sfunc);
/* (internal, ar_end, sales, days): append the period as the newest */
Datum
dso_period_sfunc(PG_FUNCTION_ARGS)
{
	PeriodQueue *q = queue_get(fcinfo);
	Period		p;

	period_read(fcinfo, &p);
	if (q->count == q->cap)
		queue_grow(q);
	QUEUE_SLOT(q, q->count) = p;
	q->count++;
	if (p.sales_null)
		q->unknown++;
	else
	{
		q->sum_sales += p.sales;
		q->sum_days += p.days;
	}
	PG_RETURN_POINTER(q);
}

PG_FUNCTION_INFO_V1(dso_period_invfunc);
/*
 * (internal, ar_end, sales, days): drop the oldest period.  The frame
 * removes rows in the order it added them, so the oldest queued period is
 * the row passed in; its values are taken from the queue (they are what
 * was added), which restores the sums exactly.
 */
Datum
dso_period_invfunc(PG_FUNCTION_ARGS)
{
	PeriodQueue *q = queue_get(fcinfo);
	Period	   *p;

	if (q->count == 0)
		elog(ERROR, "dso_period_invfunc called on an empty frame");
	p = &QUEUE_SLOT(q, 0);
	if (p->sales_null)
		q->unknown--;
	else
	{
		q->sum_sales -= p->sales;
		q->sum_days -= p->days;
	}
	q->head = (q->head + 1) & (q->cap - 1);
	q->count--;
	PG_RETURN_POINTER(q);
}

/*
 * (a + b x c) / d for int128 values, as numeric: exactly what numeric
 * arithmetic on the same integers gives (dunning_int128_div), without
 * building the intermediate numerics.  This runs once per row of a
 * window, so it is the hot path of a rolling DSO.
 */
static Numeric
ratio_numeric(int128 a, int128 b, int128 c, int128 d)
{
	return dunning_int128_div(dunning_add128(a, dunning_mul128(b, c)), d);
}

PG_FUNCTION_INFO_V1(dso_countback_final);
/*
 * Countback (exhaustion) DSO of the frame.  remaining = ar_end of the newest
 * period; walking back from the newest, a period with sales > 0 and
 * remaining <= sales ends the walk with remaining / sales x days; any other
 * period counts all its days and takes its sales off remaining (zero or
 * negative sales take nothing off).
 *   ar_end <= 0: 0.  ar_end of the newest period NULL: NULL.
 *   a period with unknown sales or days reached before exhaustion: NULL.
 *   receivable left after the oldest period: the excess is counted at the
 *   oldest period's rate (remaining / its sales x its days); NULL when the
 *   oldest period's sales are not positive.
 */
Datum
dso_countback_final(PG_FUNCTION_ARGS)
{
	PeriodQueue *q;
	Period	   *p = NULL;
	int128		remaining;
	int64		full_days = 0;
	int			i;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	q = (PeriodQueue *) PG_GETARG_POINTER(0);
	if (q->count == 0 || QUEUE_SLOT(q, q->count - 1).ar_null)
		PG_RETURN_NULL();
	remaining = QUEUE_SLOT(q, q->count - 1).ar_end;
	if (remaining <= 0)
		PG_RETURN_NUMERIC(int64_to_numeric(0));
	for (i = q->count - 1; i >= 0; i--)
	{
		p = &QUEUE_SLOT(q, i);
		CHECK_FOR_INTERRUPTS();
		if (p->sales_null)
			PG_RETURN_NULL();
		if (p->sales > 0 && remaining <= p->sales)
			PG_RETURN_NUMERIC(ratio_numeric((int128) full_days * p->sales,
											remaining, p->days, p->sales));
		remaining -= p->sales;
		full_days += p->days;
	}
	/* AR exceeds the frame's sales: extrapolate at the oldest period's rate */
	if (p->sales <= 0)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(ratio_numeric((int128) full_days * p->sales,
									remaining, p->days, p->sales));
}

PG_FUNCTION_INFO_V1(rolling_dso_final);
/*
 * Simple DSO of the frame: ar_end of the newest period x sum(days) /
 * sum(sales).  NULL when the newest ar_end is NULL, a period's sales or days
 * are unknown, or the frame's sales are not positive.
 */
Datum
rolling_dso_final(PG_FUNCTION_ARGS)
{
	PeriodQueue *q;
	Period	   *last;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	q = (PeriodQueue *) PG_GETARG_POINTER(0);
	if (q->count == 0 || q->unknown > 0 || q->sum_sales <= 0)
		PG_RETURN_NULL();
	last = &QUEUE_SLOT(q, q->count - 1);
	if (last->ar_null)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(ratio_numeric(0, last->ar_end, q->sum_days, q->sum_sales));
}
