/*
 * dso_agg.c -- DSO over a run of periods: countback and rolling simple DSO.
 *
 *   dso_countback(ar_end numeric, sales numeric, days integer [, periods integer])
 *   rolling_dso(ar_end numeric, sales numeric, days integer [, periods integer])
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
 * The 4-argument forms keep only the newest `periods` periods: adding one
 * to a full queue drops the oldest.  Over a running frame (ROWS UNBOUNDED
 * PRECEDING) that is a rolling window of `periods` rows computed by the
 * plain transition function alone: the window never calls the inverse
 * function nor re-reads the row leaving the frame.  Over a sliding frame
 * the queue holds the newest min(periods, frame rows); the state counts the
 * frame's rows apart from the queue, and the inverse function drops the
 * queue's oldest period only when the frame gets shorter than the queue.
 * The 3-argument forms are the same code without a limit.
 *
 * Amounts are exact scaled integers (money.h); the results are numeric.
 * A window calls the final function once per row, so the finals divide in
 * 128-bit integers (dunning_int128_div) and build one numeric, the exact
 * value and scale numeric division gives, instead of four intermediate
 * numerics and a numeric division per row.
 */
#include "postgres.h"

#include "money.h"

#include "miscadmin.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
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
	int			count;			/* periods queued: min(limit, frame) */
	int			limit;			/* most periods kept; 0: no limit */
	int64		frame;			/* rows in the frame (added - removed) */
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

/* Doubles the ring buffer, the queued periods moved to its start. */
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

/*
 * The 4-argument forms: periods (argument 4) must be the same positive
 * number, at most DSO_MAX_PERIODS, in every row; the first row sets it.
 */
#define DSO_MAX_PERIODS 10000

/* Reads and checks the periods argument of the 4-argument forms (see above). */
static void
queue_set_limit(FunctionCallInfo fcinfo, PeriodQueue *q)
{
	int32		periods;

	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("periods must not be NULL"),
				 errhint("Pass the number of newest periods to keep, e.g. 12 for a 12-month DSO, or use the 3-argument form to keep them all.")));
	periods = PG_GETARG_INT32(4);
	if (periods < 1 || periods > DSO_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("periods must be between 1 and %d, got %d",
						DSO_MAX_PERIODS, periods),
				 errhint("Pass the number of newest periods to keep, e.g. 12 for a 12-month DSO.")));
	if (q->limit == 0)
		q->limit = periods;
	else if (periods != q->limit)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("periods must be the same in every row, got %d after %d",
						periods, q->limit),
				 errhint("Pass a constant, e.g. 12.")));
}

/* Drop the oldest queued period and take it off the sums. */
static void
queue_pop_oldest(PeriodQueue *q)
{
	Period	   *p = &QUEUE_SLOT(q, 0);

	if (p->sales_null)
		q->unknown--;
	else
	{
		q->sum_sales -= p->sales;
		q->sum_days -= p->days;
	}
	q->head = (q->head + 1) & (q->cap - 1);
	q->count--;
}

PG_FUNCTION_INFO_V1(dso_period_sfunc);
/*
 * (internal, ar_end, sales, days [, periods]): append the period as the
 * newest; with a limit, a full queue first drops its oldest period.
 */
Datum
dso_period_sfunc(PG_FUNCTION_ARGS)
{
	PeriodQueue *q = queue_get(fcinfo);
	Period		p;

	if (PG_NARGS() > 4)
		queue_set_limit(fcinfo, q);
	period_read(fcinfo, &p);
	if (q->limit > 0 && q->count == q->limit)
		queue_pop_oldest(q);
	else if (q->count == q->cap)
		queue_grow(q);
	QUEUE_SLOT(q, q->count) = p;
	q->count++;
	q->frame++;
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
 * (internal, ar_end, sales, days [, periods]): the frame's oldest row
 * leaves.  The queue holds the newest min(limit, frame) rows, so the row
 * leaving is queued only when the frame gets shorter than the queue (always
 * without a limit); then it is the queue's oldest period.  Its values are
 * taken from the queue (they are what was added), which restores the sums
 * exactly.
 */
Datum
dso_period_invfunc(PG_FUNCTION_ARGS)
{
	PeriodQueue *q = queue_get(fcinfo);

	if (q->frame == 0)
		elog(ERROR, "dso_period_invfunc called on an empty frame");
	q->frame--;
	if (q->frame < q->count)
		queue_pop_oldest(q);
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
