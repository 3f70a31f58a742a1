/*
 * risk_figures.c -- the per-customer figures of customer_risk in one pass.
 *
 *   dunning.risk_figures(amount, open_amount, cash_applied, due_on,
 *                                 issued_on, paid_on, as_of, paid_since)
 *       -> dunning.risk_figures
 *
 * customer_risk_as_of (src/sql/risk.sql) groups each customer's items (per
 * currency) and needs fourteen figures of them.  As fourteen SQL aggregates
 * with FILTER clauses every row was tested, converted and summed as numeric
 * up to fourteen times: most of the refresh of customer_risk.  This
 * aggregate reads each row once into exact scaled integers (money.h) and
 * gives what those aggregates gave, figure by figure (doc/kpi.md):
 *
 *   invoices            count of rows with amount > 0
 *   open_invoices       sum(open_amount), amount > 0 and open_amount <> 0
 *   open_credit_notes   sum(open_amount), amount < 0 and open_amount <> 0
 *   overdue             sum(open_amount), amount > 0, open, due_on < as_of
 *   max_days_past_due   max(greatest(as_of - due_on, 0)), amount > 0, open
 *   open_items          count of rows with open_amount <> 0
 *   cash_applied        sum(cash_applied)
 *   paid_12m            count of rows with paid_on > paid_since
 *   paid_amount_12m     sum(amount) of those rows
 *   weighted_days_late, days_beyond_terms, avg_days_to_pay, paydex
 *                       the scoring aggregates over those rows
 *   risk_score          payment_risk_score over the rows with amount > 0
 *
 * each NULL where its SQL aggregate is NULL (no row counted).  The scoring
 * figures go through the scoring aggregates' own states (payer_agg.h).  A
 * sum whose value is not a scaled int64 (a settlement with more than four
 * decimals) is carried on as numeric, so every input is summed exactly.
 *
 * Every figure is a sum, count, max or scoring state, so two partial states
 * add up to the state of their rows together: the aggregate has combine,
 * serialize and deserialize functions and runs in parallel plans (the
 * refresh of customer_risk reads every item of the ledger).
 */
#include "postgres.h"

#include "money.h"
#include "payer_agg.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/fmgrprotos.h"

/* A sum as sum(numeric) makes it: exact, NULL without rows, largest scale. */
typedef struct ExactSum
{
	int64		rows;			/* values summed */
	int128		units;			/* those that are scaled int64, 1/10000 */
	int			dscale;			/* largest display scale seen */
	Numeric		rest;			/* the others, as numeric; NULL if none */
} ExactSum;

typedef struct RiskFigures
{
	int64		invoices;
	int64		open_items;
	ExactSum	open_invoices;
	ExactSum	open_credit_notes;
	ExactSum	overdue;
	bool		has_max_dpd;
	int32		max_dpd;
	ExactSum	cash_applied;
	int64		paid_12m;
	ExactSum	paid_amount_12m;
	PayerState	late;			/* (due, paid, amount): weighted days late, PAYDEX */
	PayerState	beyond;			/* the same, early counting 0: days beyond terms */
	PayerState	to_pay;			/* (issued, paid, amount): days to pay */
	RiskState	risk;
} RiskFigures;

/* the five exact sums of a state, for combining and serializing */
static const size_t figure_sums[] = {
	offsetof(RiskFigures, open_invoices), offsetof(RiskFigures, open_credit_notes),
	offsetof(RiskFigures, overdue), offsetof(RiskFigures, cash_applied),
	offsetof(RiskFigures, paid_amount_12m)
};
#define FIGURE_SUMS lengthof(figure_sums)
#define SUM_OF(st, i) ((ExactSum *) ((char *) (st) + figure_sums[i]))

/* the aggregate's SSPACE (src/sql/risk.sql) tells the planner this size */
StaticAssertDecl(sizeof(RiskFigures) <= 512, "RiskFigures outgrew the SSPACE of dunning.risk_figures");

/* A numeric argument, converted once: its scaled units when it has some. */
typedef struct MoneyArg
{
	Datum		value;
	bool		scaled;			/* units and dscale hold it */
	int64		units;
	int			dscale;
	int			sign;			/* -1, 0 or 1 as numeric compares it with 0 */
} MoneyArg;

/* One row of the transition function, read once. */
typedef struct RiskRow
{
	bool		has_amount;
	MoneyArg	amount;
	bool		is_open;		/* open_amount known and not 0 */
	MoneyArg	open_amount;
	bool		has_cash;
	MoneyArg	cash_applied;
	bool		has_due;
	DateADT		due_on;
	bool		has_issued;
	DateADT		issued_on;
	bool		has_paid;
	DateADT		paid_on;
	bool		has_as_of;
	DateADT		as_of;
	bool		paid_recently;	/* paid_on > paid_since */
} RiskRow;

/* argument positions of the transition function (0 is the state) */
enum
{
	ARG_AMOUNT = 1, ARG_OPEN, ARG_CASH, ARG_DUE, ARG_ISSUED, ARG_PAID, ARG_AS_OF, ARG_PAID_SINCE
};

/* The argument at position argno, converted once (NaN compares above 0). */
static MoneyArg
read_money(FunctionCallInfo fcinfo, int argno)
{
	MoneyArg	m;

	m.value = PG_GETARG_DATUM(argno);
	m.scaled = dunning_numeric_try_scaled(m.value, &m.units, &m.dscale) == DUNNING_SCALED_OK;
	m.sign = m.scaled ? (m.units > 0) - (m.units < 0)
		: DatumGetInt32(DirectFunctionCall2(numeric_cmp, m.value, NumericGetDatum(int64_to_numeric(0))));
	return m;
}

static void
exact_sum_add(ExactSum *sum, const MoneyArg *m, MemoryContext aggctx)
{
	Datum		value = m->value;

	sum->rows++;
	if (m->scaled)
	{
		sum->units = dunning_add128(sum->units, m->units);
		sum->dscale = Max(sum->dscale, m->dscale);
	}
	else
	{
		/* rare (more than four decimals): the running numeric total, replaced */
		MemoryContext old = MemoryContextSwitchTo(aggctx);
		Numeric		previous = sum->rest;

		sum->rest = previous == NULL ? DatumGetNumericCopy(value)
			: numeric_add_opt_error(previous, DatumGetNumeric(value), NULL);
		if (previous != NULL)
			pfree(previous);
		MemoryContextSwitchTo(old);
	}
}

/* Adds another partial sum; its numeric rest, if any, is copied into aggctx. */
static void
exact_sum_combine(ExactSum *sum, const ExactSum *other, MemoryContext aggctx)
{
	sum->rows += other->rows;
	sum->units = dunning_add128(sum->units, other->units);
	sum->dscale = Max(sum->dscale, other->dscale);
	if (other->rest != NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(aggctx);
		Numeric		previous = sum->rest;

		sum->rest = previous == NULL ? DatumGetNumericCopy(NumericGetDatum(other->rest))
			: numeric_add_opt_error(previous, other->rest, NULL);
		if (previous != NULL)
			pfree(previous);
		MemoryContextSwitchTo(old);
	}
}

/* The sum as a numeric Datum; *isnull when nothing was summed. */
static Datum
exact_sum_result(const ExactSum *sum, bool *isnull)
{
	Numeric		total;

	*isnull = sum->rows == 0;
	if (*isnull)
		return (Datum) 0;
	total = dunning_scaled_to_numeric(sum->units, sum->dscale);
	if (sum->rest != NULL)
		total = numeric_add_opt_error(total, sum->rest, NULL);
	return NumericGetDatum(total);
}

static void
read_row(FunctionCallInfo fcinfo, RiskRow *row)
{
	memset(row, 0, sizeof(RiskRow));
	row->has_amount = !PG_ARGISNULL(ARG_AMOUNT);
	if (row->has_amount)
		row->amount = read_money(fcinfo, ARG_AMOUNT);
	if (!PG_ARGISNULL(ARG_OPEN))
	{
		row->open_amount = read_money(fcinfo, ARG_OPEN);
		row->is_open = row->open_amount.sign != 0;
	}
	row->has_cash = !PG_ARGISNULL(ARG_CASH);
	if (row->has_cash)
		row->cash_applied = read_money(fcinfo, ARG_CASH);
	row->has_due = !PG_ARGISNULL(ARG_DUE);
	row->due_on = row->has_due ? PG_GETARG_DATEADT(ARG_DUE) : 0;
	row->has_issued = !PG_ARGISNULL(ARG_ISSUED);
	row->issued_on = row->has_issued ? PG_GETARG_DATEADT(ARG_ISSUED) : 0;
	row->has_paid = !PG_ARGISNULL(ARG_PAID);
	row->paid_on = row->has_paid ? PG_GETARG_DATEADT(ARG_PAID) : 0;
	row->has_as_of = !PG_ARGISNULL(ARG_AS_OF);
	row->as_of = row->has_as_of ? PG_GETARG_DATEADT(ARG_AS_OF) : 0;
	row->paid_recently = row->has_paid && !PG_ARGISNULL(ARG_PAID_SINCE) &&
		row->paid_on > PG_GETARG_DATEADT(ARG_PAID_SINCE);
}

/* The amount in 1/10000 units, for the scoring states (22P02/22003 if not one). */
static int64
amount_units(const RiskRow *row)
{
	int			dscale;

	return row->amount.scaled ? row->amount.units
		: dunning_numeric_to_scaled(row->amount.value, "amount", &dscale);
}

/* An open row: counted among the open invoices or credit notes. */
static void
add_open_item(RiskFigures *st, const RiskRow *row, MemoryContext aggctx)
{
	int32		days_past_due;

	st->open_items++;
	if (row->amount.sign < 0)
		exact_sum_add(&st->open_credit_notes, &row->open_amount, aggctx);
	if (row->amount.sign <= 0)
		return;
	exact_sum_add(&st->open_invoices, &row->open_amount, aggctx);
	/* greatest(as_of - due_on, 0): greatest skips a NULL */
	days_past_due = row->has_due && row->has_as_of ? Max(dunning_days_between(row->as_of, row->due_on), 0) : 0;
	st->max_dpd = st->has_max_dpd ? Max(st->max_dpd, days_past_due) : days_past_due;
	st->has_max_dpd = true;
	if (row->has_due && row->has_as_of && row->due_on < row->as_of)
		exact_sum_add(&st->overdue, &row->open_amount, aggctx);
}

/* A row paid after paid_since: the paid figures and the scoring states. */
static void
add_paid_item(RiskFigures *st, const RiskRow *row, MemoryContext aggctx)
{
	int64		amount;

	st->paid_12m++;
	if (!row->has_amount)
		return;
	exact_sum_add(&st->paid_amount_12m, &row->amount, aggctx);
	/* the scoring aggregates skip a row with any NULL argument */
	if (!row->has_due && !row->has_issued)
		return;
	amount = amount_units(row);
	if (row->has_due)
	{
		int32		late = dunning_days_between(row->paid_on, row->due_on);

		dunning_payer_apply(&st->late, late, amount, 1);
		dunning_payer_apply(&st->beyond, Max(late, 0), amount, 1);
	}
	if (row->has_issued)
		dunning_payer_apply(&st->to_pay, dunning_days_between(row->paid_on, row->issued_on), amount, 1);
}

PG_FUNCTION_INFO_V1(risk_figures_sfunc);
/*
 * (state, amount, open_amount, cash_applied, due_on, issued_on, paid_on,
 * as_of, paid_since).  Not strict: NULLs count as the SQL aggregates count
 * them (a NULL comparison leaves the row out of that figure).
 */
Datum
risk_figures_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	RiskFigures *st;
	RiskRow		row;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "risk_figures_sfunc called in non-aggregate context");
	st = PG_ARGISNULL(0) ? MemoryContextAllocZero(aggctx, sizeof(RiskFigures))
		: (RiskFigures *) PG_GETARG_POINTER(0);
	read_row(fcinfo, &row);

	if (row.amount.sign > 0)
		st->invoices++;
	if (row.is_open)
		add_open_item(st, &row, aggctx);
	if (row.has_cash)
		exact_sum_add(&st->cash_applied, &row.cash_applied, aggctx);
	if (row.paid_recently)
		add_paid_item(st, &row, aggctx);
	if (row.amount.sign > 0 && row.has_due && row.has_as_of)
		dunning_risk_apply(&st->risk, row.due_on, row.has_paid, row.paid_on, amount_units(&row), row.as_of);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(risk_figures_final);
/* The fourteen figures as a dunning.risk_figures row. */
Datum
risk_figures_final(PG_FUNCTION_ARGS)
{
	RiskFigures *st = PG_ARGISNULL(0) ? NULL : (RiskFigures *) PG_GETARG_POINTER(0);
	RiskFigures empty = {0};
	TupleDesc	tupdesc;
	Datum		values[14];
	bool		nulls[14] = {0};
	Numeric		weighted;
	int32		score = 0;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "risk_figures_final must return a composite type");
	if (st == NULL)
		st = &empty;
	values[0] = Int64GetDatum(st->invoices);
	values[1] = exact_sum_result(&st->open_invoices, &nulls[1]);
	values[2] = exact_sum_result(&st->open_credit_notes, &nulls[2]);
	values[3] = exact_sum_result(&st->overdue, &nulls[3]);
	values[4] = Int32GetDatum(st->max_dpd);
	nulls[4] = !st->has_max_dpd;
	values[5] = Int64GetDatum(st->open_items);
	values[6] = exact_sum_result(&st->cash_applied, &nulls[6]);
	values[7] = Int64GetDatum(st->paid_12m);
	values[8] = exact_sum_result(&st->paid_amount_12m, &nulls[8]);
	weighted = dunning_payer_weighted(&st->late);
	values[9] = PointerGetDatum(weighted);
	nulls[9] = weighted == NULL;
	weighted = dunning_payer_weighted(&st->beyond);
	values[10] = PointerGetDatum(weighted);
	nulls[10] = weighted == NULL;
	weighted = dunning_payer_weighted(&st->to_pay);
	values[11] = PointerGetDatum(weighted);
	nulls[11] = weighted == NULL;
	nulls[12] = !dunning_payer_paydex(&st->late, &score);
	values[12] = Int32GetDatum(score);
	nulls[13] = !dunning_risk_score(&st->risk, &score);
	values[13] = Int32GetDatum(score);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

PG_FUNCTION_INFO_V1(risk_figures_combine);
/*
 * (state, state): the second partial state added to the first.  Not strict:
 * a first state still NULL becomes a copy of the second, made in the
 * aggregate context (the second may live in a shorter one).
 */
Datum
risk_figures_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	RiskFigures *st;
	const RiskFigures *other;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "risk_figures_combine called in non-aggregate context");
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0));
	st = PG_ARGISNULL(0) ? MemoryContextAllocZero(aggctx, sizeof(RiskFigures))
		: (RiskFigures *) PG_GETARG_POINTER(0);
	other = (const RiskFigures *) PG_GETARG_POINTER(1);

	st->invoices += other->invoices;
	st->open_items += other->open_items;
	st->paid_12m += other->paid_12m;
	for (int i = 0; i < FIGURE_SUMS; i++)
		exact_sum_combine(SUM_OF(st, i), SUM_OF(other, i), aggctx);
	if (other->has_max_dpd)
	{
		st->max_dpd = st->has_max_dpd ? Max(st->max_dpd, other->max_dpd) : other->max_dpd;
		st->has_max_dpd = true;
	}
	dunning_payer_combine(&st->late, &other->late);
	dunning_payer_combine(&st->beyond, &other->beyond);
	dunning_payer_combine(&st->to_pay, &other->to_pay);
	dunning_risk_combine(&st->risk, &other->risk);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(risk_figures_serialize);
/*
 * The state as bytea, for a parallel worker to hand to the leader: the
 * fixed struct (pointers cleared), then each sum's numeric rest as a length
 * (0: none) and its bytes.  Read back only by risk_figures_deserialize, in
 * the same server.
 */
Datum
risk_figures_serialize(PG_FUNCTION_ARGS)
{
	const RiskFigures *st = (const RiskFigures *) PG_GETARG_POINTER(0);
	RiskFigures fixed = *st;
	StringInfoData buf;

	for (int i = 0; i < FIGURE_SUMS; i++)
		SUM_OF(&fixed, i)->rest = NULL;
	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) &fixed, sizeof(RiskFigures));
	for (int i = 0; i < FIGURE_SUMS; i++)
	{
		Numeric		rest = SUM_OF(st, i)->rest;

		pq_sendint32(&buf, rest == NULL ? 0 : VARSIZE(rest));
		if (rest != NULL)
			pq_sendbytes(&buf, (const char *) rest, VARSIZE(rest));
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static pg_attribute_noreturn() void
invalid_state(uint32 size)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid risk_figures state: a numeric of %u bytes", size)));
}

PG_FUNCTION_INFO_V1(risk_figures_deserialize);
/* (bytea, internal): a state written by risk_figures_serialize. */
Datum
risk_figures_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	RiskFigures *st;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "risk_figures_deserialize called in non-aggregate context");
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes));
	st = palloc(sizeof(RiskFigures));
	pq_copymsgbytes(&buf, (char *) st, sizeof(RiskFigures));
	for (int i = 0; i < FIGURE_SUMS; i++)
	{
		uint32		size = pq_getmsgint(&buf, 4);
		Numeric		rest = NULL;

		/*
		 * A length past the bytes left, or one its own header contradicts,
		 * is refused (before it is allocated, for the first).
		 */
		if (size > (uint32) (buf.len - buf.cursor) || (size > 0 && size < VARHDRSZ + sizeof(uint16)))
			invalid_state(size);
		if (size > 0)
		{
			rest = palloc(size);
			pq_copymsgbytes(&buf, (char *) rest, size);
			if (!VARATT_IS_4B_U(rest) || VARSIZE(rest) != size)
				invalid_state(size);
		}
		SUM_OF(st, i)->rest = rest;
	}
	pq_getmsgend(&buf);
	pfree(buf.data);
	PG_RETURN_POINTER(st);
}
