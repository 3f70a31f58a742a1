/*
 * runner.c -- the step a dunning run of 0.2.0 gave each open item.  Since
 * 0.3.0 the run decides per customer (src/sql/runner.sql: one rung at a
 * time, dunning.scenario_rung) and no SQL object calls this; the symbol stays
 * because the frozen 0.2.0 scripts of src/updates/ create the function, and
 * CREATE FUNCTION needs the symbol (an install of version 0.2.0, the upgrade
 * test).  The charges the items accrue are charges.c's.
 *
 * SQL interface of 0.2.0 (src/updates/dunning--0.1.0--0.2.0.sql):
 *   dunning.pick_step(scenario_id, days_overdue, last_offset, local_time,
 *                     overdue_total) -> bigint
 *       the step an item takes now: the step of the scenario with the
 *       highest offset that the item reached and has not had (see
 *       doc/dunning.md, "How a run decides", 5).  The scenario steps are read
 *       once per query (SPI, cached in fn_extra), never per item.
 */
#include "postgres.h"

#include "money.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/numeric.h"

/* One step of a scenario, as pick_step compares an item with it. */
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

/* The steps of every scenario, read once per query (fn_extra). */
typedef struct StepCache
{
	int			n;
	StepRule   *rules;			/* by scenario_id, then offset_days descending */
	int			last_first;		/* slice of the scenario looked up last */
	int			last_end;
	int64		last_scenario;
} StepCache;

/* Reads dunning.scenario_step into a cache in the function's memory context. */
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
