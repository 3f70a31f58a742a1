/*
 * action_summary.c -- the aggregate dunning_internal.summarize_action_items
 * (...): what the items of one action add up to, in one pass over them.
 *
 * Phase 2 of the runner (runner.sql) lists about a million items at a
 * go-live.  Per action it needs the items as the payload's jsonb array,
 * oldest first, and per currency what is overdue, what comes due and the
 * charges.  In SQL that was an aggregate per action over the items sorted
 * by action and due date, a second aggregate per action and currency
 * under a third per action, and a join of the two results: the million
 * item rows sorted once and hashed once, the per-currency rows sorted
 * again.  Here the items of an action are kept as they come, sorted by
 * (due_on, number) when the action is complete, and added up per currency
 * as they come (an action has one to three currencies).
 *
 * The result (type dunning_internal.action_items_summary) is what the SQL
 * formulation wrote, value for value (test/sql/templates.sql compares them):
 *   invoice_count        the items in the totals (in_total)
 *   invoice_ids          the items' ids, oldest first
 *   max_days_overdue     the largest positive days_overdue, else NULL
 *   oldest_due_on        the earliest due date
 *   last_currency        max(currency)
 *   invoices             [{invoice_id, number, due_on, days_overdue,
 *                        open_amount, currency, interest, compensation}],
 *                        a confirmation's items also {settled_amount
 *                        (the open amount it settled), paid_on}
 *   token_amount         'EUR 12.50 + GBP 3.00': each currency's total,
 *                        by currency (what a payment link's token claims)
 *   totals               {currency: sum of open_amount in the totals}
 *   charges              {currency: {interest, compensation, fee}}; the
 *                        interest and compensation only where charged
 *   totals_with_charges  {currency: total + charges + fee}, when some
 *                        currency is charged or has a fee
 *   coming_totals        {currency: sum of open_amount not in the totals}
 * The objects list the currencies that have a total (coming_totals those
 * that have items coming due); NULL when none has.  A sum of numerics is
 * exact and takes the largest scale of its terms, as sum() does.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "compat.h"
#include "fmgr.h"
#include "money.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/varlena.h"

/*
 * The arguments of summarize_action_items_add past the state: first the
 * members of an item (1 to 8 as item_members lists them), then these.
 */
#define ARG_CURRENCY 6
#define ARG_CONFIRMATION 9
#define ARG_PAID_ON 10
#define ARG_IN_TOTAL 11
#define ARG_CHARGED 12
#define ARG_FEE 13
/* what an item keeps: arguments 1 to ITEM_ARGS */
#define ITEM_ARGS ARG_PAID_ON

/* A member of an item in the payload: its key, the argument that holds its value. */
typedef struct ItemMember
{
	const char *key;
	int			argno;
	Oid			type;
} ItemMember;

static const ItemMember item_members[] =
{
	{"invoice_id", 1, INT8OID},
	{"number", 2, TEXTOID},
	{"due_on", 3, DATEOID},
	{"days_overdue", 4, INT4OID},
	{"open_amount", 5, NUMERICOID},
	{"currency", ARG_CURRENCY, TEXTOID},
	{"interest", 7, NUMERICOID},
	{"compensation", 8, NUMERICOID},
};

/* a confirmation's item also names what it settled, and when */
static const ItemMember confirmation_members[] =
{
	{"settled_amount", 5, NUMERICOID},
	{"paid_on", ARG_PAID_ON, DATEOID},
};

/* the type of each argument an item keeps (index: argument number) */
static const Oid item_arg_types[ITEM_ARGS + 1] =
{
	InvalidOid, INT8OID, TEXTOID, DATEOID, INT4OID, NUMERICOID, TEXTOID,
	NUMERICOID, NUMERICOID, BOOLOID, DATEOID
};

/* One item: its arguments as they came (copies in the aggregate's memory). */
typedef struct SummaryItem
{
	Datum		arg[ITEM_ARGS + 1];
	bool		isnull[ITEM_ARGS + 1];
} SummaryItem;

/* What the items of one currency add up to (a NULL pointer: SQL NULL). */
typedef struct CurrencySum
{
	text	   *currency;
	Numeric		total;			/* the items in the totals */
	Numeric		coming;			/* the items coming due */
	Numeric		interest;		/* NULL: no item had any (0) */
	Numeric		compensation;	/* NULL: no item had any (0) */
	int			charged;		/* bool_or: -1 NULL, 0 false, 1 true */
	Numeric		fee;			/* max */
} CurrencySum;

/* The state: the items so far and their sums per currency. */
typedef struct ActionSummary
{
	MemoryContext context;		/* the aggregate's: everything below lives there */
	Oid			collation;		/* of the inputs: number and currency order by it */
	SummaryItem *items;
	int			nitems;
	int			items_allocated;
	CurrencySum *sums;
	int			nsums;
	int			sums_allocated;
	int64		invoice_count;
	int32		max_days_overdue;	/* 0: none positive */
	bool		has_oldest_due_on;
	DateADT		oldest_due_on;
	text	   *last_currency;
} ActionSummary;

/* The fields of dunning_internal.action_items_summary, in order. */
enum
{
	F_INVOICE_COUNT, F_INVOICE_IDS, F_MAX_DAYS_OVERDUE, F_OLDEST_DUE_ON, F_LAST_CURRENCY,
	F_INVOICES, F_TOKEN_AMOUNT, F_TOTALS, F_CHARGES, F_TOTALS_WITH_CHARGES, F_COMING_TOTALS,
	SUMMARY_FIELDS
};

/* ---------------------------------------------------------------------- */
/* small helpers                                                          */
/* ---------------------------------------------------------------------- */

/* Compares two texts in COLLATION, as ORDER BY does. */
static int
text_order(text *a, text *b, Oid collation)
{
	return varstr_cmp(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a),
					  VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), collation);
}

static bool
text_equal(text *a, text *b)
{
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b)
		&& memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/* A copy of the varlena D in the state's context (expanded if packed or toasted). */
static Pointer
keep_copy(ActionSummary *state, Datum d)
{
	MemoryContext caller = MemoryContextSwitchTo(state->context);
	Pointer		copy = (Pointer) PG_DETOAST_DATUM_COPY(d);

	MemoryContextSwitchTo(caller);
	return copy;
}

/*
 * SUM + ADDEND, kept in the state's context; SUM's old value is freed (the
 * state of a hashed aggregate lives as long as the whole aggregation: a
 * million additions must not leave a million dead numerics behind).  SUM
 * NULL: ADDEND.  Computed in the caller's (per-call) context.
 */
static Numeric
add_numeric(ActionSummary *state, Numeric sum, Numeric addend)
{
	Numeric		result;

	if (sum == NULL)
		return (Numeric) keep_copy(state, NumericGetDatum(addend));
	result = (Numeric) keep_copy(state, DirectFunctionCall2(numeric_add, NumericGetDatum(sum),
															NumericGetDatum(addend)));
	pfree(sum);
	return result;
}

/* ---------------------------------------------------------------------- */
/* the transition: keep the item, add it up                               */
/* ---------------------------------------------------------------------- */

/* The sums of CURRENCY, a new (zero) entry the first time it comes. */
static CurrencySum *
currency_sum(ActionSummary *state, text *currency)
{
	CurrencySum *s;

	for (int i = 0; i < state->nsums; i++)
		if (text_equal(state->sums[i].currency, currency))
			return &state->sums[i];
	if (state->nsums == state->sums_allocated)
	{
		state->sums_allocated *= 2;
		state->sums = repalloc(state->sums, state->sums_allocated * sizeof(CurrencySum));
	}
	s = &state->sums[state->nsums++];
	memset(s, 0, sizeof(CurrencySum));
	s->currency = (text *) keep_copy(state, PointerGetDatum(currency));
	s->charged = -1;
	return s;
}

/* Adds the item of this call to the sums of its currency. */
static void
add_to_currency(ActionSummary *state, FunctionCallInfo fcinfo, text *currency)
{
	CurrencySum *s = currency_sum(state, currency);
	Numeric		open_amount = PG_ARGISNULL(5) ? NULL : PG_GETARG_NUMERIC(5);

	if (!PG_ARGISNULL(ARG_IN_TOTAL) && open_amount != NULL)
	{
		if (PG_GETARG_BOOL(ARG_IN_TOTAL))
			s->total = add_numeric(state, s->total, open_amount);
		else
			s->coming = add_numeric(state, s->coming, open_amount);
	}
	if (!PG_ARGISNULL(7))
		s->interest = add_numeric(state, s->interest, PG_GETARG_NUMERIC(7));
	if (!PG_ARGISNULL(8))
		s->compensation = add_numeric(state, s->compensation, PG_GETARG_NUMERIC(8));
	if (!PG_ARGISNULL(ARG_CHARGED))
		s->charged = (s->charged == 1 || PG_GETARG_BOOL(ARG_CHARGED)) ? 1 : 0;
	if (!PG_ARGISNULL(ARG_FEE))
	{
		Numeric		fee = PG_GETARG_NUMERIC(ARG_FEE);

		/* max(): numeric_larger keeps the later of two equal values */
		if (s->fee == NULL || dunning_numeric_cmp(fee, s->fee) >= 0)
		{
			if (s->fee != NULL)
				pfree(s->fee);
			s->fee = (Numeric) keep_copy(state, NumericGetDatum(fee));
		}
	}
}

/* Adds the item of this call to the action's counts and extremes. */
static void
add_to_action(ActionSummary *state, FunctionCallInfo fcinfo)
{
	if (!PG_ARGISNULL(ARG_IN_TOTAL) && PG_GETARG_BOOL(ARG_IN_TOTAL))
		state->invoice_count++;
	if (!PG_ARGISNULL(4) && PG_GETARG_INT32(4) > state->max_days_overdue)
		state->max_days_overdue = PG_GETARG_INT32(4);
	if (!PG_ARGISNULL(3) && (!state->has_oldest_due_on || PG_GETARG_DATEADT(3) < state->oldest_due_on))
	{
		state->has_oldest_due_on = true;
		state->oldest_due_on = PG_GETARG_DATEADT(3);
	}
	if (!PG_ARGISNULL(ARG_CURRENCY))
	{
		text	   *currency = PG_GETARG_TEXT_PP(ARG_CURRENCY);

		if (state->last_currency == NULL || text_order(currency, state->last_currency, state->collation) > 0)
		{
			if (state->last_currency != NULL)
				pfree(state->last_currency);
			state->last_currency = (text *) keep_copy(state, PointerGetDatum(currency));
		}
		add_to_currency(state, fcinfo, currency);
	}
}

/* Keeps the arguments of this call as an item of the action. */
static void
keep_item(ActionSummary *state, FunctionCallInfo fcinfo)
{
	SummaryItem *item;

	if (state->nitems == state->items_allocated)
	{
		/* (repalloc keeps the block in the state's context) */
		state->items_allocated *= 2;
		state->items = repalloc_huge(state->items, (Size) state->items_allocated * sizeof(SummaryItem));
	}
	item = &state->items[state->nitems++];
	for (int a = 1; a <= ITEM_ARGS; a++)
	{
		Oid			type = item_arg_types[a];

		item->isnull[a] = PG_ARGISNULL(a);
		if (item->isnull[a])
			item->arg[a] = (Datum) 0;
		else if (type == TEXTOID || type == NUMERICOID)
			item->arg[a] = PointerGetDatum(keep_copy(state, PG_GETARG_DATUM(a)));
		else
			item->arg[a] = PG_GETARG_DATUM(a);	/* by value: int8, int4, date, bool */
	}
}

static ActionSummary *
new_summary(MemoryContext context, Oid collation)
{
	ActionSummary *state = MemoryContextAllocZero(context, sizeof(ActionSummary));

	state->context = context;
	state->collation = collation;
	state->items_allocated = 16;
	state->items = MemoryContextAlloc(context, state->items_allocated * sizeof(SummaryItem));
	state->sums_allocated = 4;
	state->sums = MemoryContextAlloc(context, state->sums_allocated * sizeof(CurrencySum));
	return state;
}

PG_FUNCTION_INFO_V1(summarize_action_items_add);

/*
 * summarize_action_items_add(internal, invoice_id bigint, number text,
 * due_on date, days_overdue integer, open_amount numeric, currency text,
 * interest numeric, compensation numeric, confirmation boolean, paid_on
 * date, in_total boolean, charged boolean, fee numeric)
 */
Datum
summarize_action_items_add(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	ActionSummary *state;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("summarize_action_items_add called outside an aggregate")));
	/* (runs in the per-call context: what is kept is copied to aggcontext) */
	state = PG_ARGISNULL(0) ? new_summary(aggcontext, PG_GET_COLLATION())
		: (ActionSummary *) PG_GETARG_POINTER(0);
	keep_item(state, fcinfo);
	add_to_action(state, fcinfo);
	PG_RETURN_POINTER(state);
}

/* ---------------------------------------------------------------------- */
/* the final function: sort the items, write the summary                  */
/* ---------------------------------------------------------------------- */

/* ORDER BY due_on, number (ascending, NULLs last) */
static int
item_order(const void *a, const void *b, void *collation)
{
	const SummaryItem *x = a;
	const SummaryItem *y = b;

	if (x->isnull[3] != y->isnull[3])
		return x->isnull[3] ? 1 : -1;
	if (!x->isnull[3] && DatumGetDateADT(x->arg[3]) != DatumGetDateADT(y->arg[3]))
		return DatumGetDateADT(x->arg[3]) < DatumGetDateADT(y->arg[3]) ? -1 : 1;
	if (x->isnull[2] != y->isnull[2])
		return x->isnull[2] ? 1 : -1;
	if (x->isnull[2])
		return 0;
	return text_order(DatumGetTextPP(x->arg[2]), DatumGetTextPP(y->arg[2]), *(Oid *) collation);
}

/* by currency, in the inputs' collation (token_amount lists them so) */
static int
currency_order(const void *a, const void *b, void *collation)
{
	return text_order(((const CurrencySum *) a)->currency, ((const CurrencySum *) b)->currency,
					  *(Oid *) collation);
}

/* A value of TYPE as a JSON scalar, as datum_to_jsonb writes it. */
static JsonbValue
json_scalar(Datum d, bool isnull, Oid type)
{
	JsonbValue	v;

	if (isnull)
	{
		v.type = jbvNull;
		return v;
	}
	switch (type)
	{
		case INT8OID:
			v.type = jbvNumeric;
			v.val.numeric = DUNNING_INT64_NUMERIC(DatumGetInt64(d));
			break;
		case INT4OID:
			v.type = jbvNumeric;
			v.val.numeric = DUNNING_INT64_NUMERIC(DatumGetInt32(d));
			break;
		case NUMERICOID:
			v.type = jbvNumeric;
			v.val.numeric = DatumGetNumeric(d);
			break;
		case DATEOID:
			v.type = jbvString;
			v.val.string.val = JsonEncodeDateTime(NULL, d, DATEOID, NULL);
			v.val.string.len = strlen(v.val.string.val);
			break;
		default:				/* TEXTOID */
			{
				text	   *t = DatumGetTextPP(d);

				v.type = jbvString;
				v.val.string.len = VARSIZE_ANY_EXHDR(t);
				v.val.string.val = VARDATA_ANY(t);
			}
			break;
	}
	return v;
}

/* Adds KEY with VALUE to the object being built. */
static void
push_member(JsonbParseState **parse, const char *key, JsonbValue value)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(parse, WJB_KEY, &k);
	pushJsonbValue(parse, WJB_VALUE, &value);
}

static void
push_item_members(JsonbParseState **parse, const SummaryItem *item, const ItemMember *members, int n)
{
	for (int i = 0; i < n; i++)
		push_member(parse, members[i].key,
					json_scalar(item->arg[members[i].argno], item->isnull[members[i].argno], members[i].type));
}

/* The items, in the order they are sorted, as the payload's array. */
static Jsonb *
items_json(ActionSummary *state)
{
	JsonbParseState *parse = NULL;

	pushJsonbValue(&parse, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < state->nitems; i++)
	{
		const SummaryItem *item = &state->items[i];

		pushJsonbValue(&parse, WJB_BEGIN_OBJECT, NULL);
		push_item_members(&parse, item, item_members, lengthof(item_members));
		if (!item->isnull[ARG_CONFIRMATION] && DatumGetBool(item->arg[ARG_CONFIRMATION]))
			push_item_members(&parse, item, confirmation_members, lengthof(confirmation_members));
		/* (sorts the keys and drops duplicates, as for any jsonb object) */
		pushJsonbValue(&parse, WJB_END_OBJECT, NULL);
	}
	return JsonbValueToJsonb(pushJsonbValue(&parse, WJB_END_ARRAY, NULL));
}

/* The items' ids, in the order they are sorted. */
static ArrayType *
items_ids(ActionSummary *state)
{
	Datum	   *ids = palloc(state->nitems * sizeof(Datum));
	bool	   *nulls = palloc(state->nitems * sizeof(bool));
	int			dims[1] = {state->nitems};
	int			lbs[1] = {1};

	for (int i = 0; i < state->nitems; i++)
	{
		ids[i] = state->items[i].arg[1];
		nulls[i] = state->items[i].isnull[1];
	}
	return construct_md_array(ids, nulls, 1, dims, lbs, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

static JsonbValue
numeric_json(Numeric n)
{
	return json_scalar(NumericGetDatum(n), n == NULL, NUMERICOID);
}

/* total + (interest + compensation where charged) + fee */
static Numeric
total_with_charges(const CurrencySum *s)
{
	Datum		v = NumericGetDatum(s->total);

	if (s->charged == 1)
	{
		if (s->interest != NULL)
			v = DirectFunctionCall2(numeric_add, v, NumericGetDatum(s->interest));
		if (s->compensation != NULL)
			v = DirectFunctionCall2(numeric_add, v, NumericGetDatum(s->compensation));
	}
	if (s->fee != NULL)
		v = DirectFunctionCall2(numeric_add, v, NumericGetDatum(s->fee));
	return DatumGetNumeric(v);
}

/* {interest, compensation, fee} of one currency */
static JsonbValue *
push_charges(JsonbParseState **parse, const CurrencySum *s)
{
	Numeric		zero = DUNNING_INT64_NUMERIC(0);

	pushJsonbValue(parse, WJB_BEGIN_OBJECT, NULL);
	push_member(parse, "interest",
				numeric_json(s->charged == 1 ? (s->interest ? s->interest : zero) : NULL));
	push_member(parse, "compensation",
				numeric_json(s->charged == 1 ? (s->compensation ? s->compensation : zero) : NULL));
	push_member(parse, "fee", numeric_json(s->fee));
	return pushJsonbValue(parse, WJB_END_OBJECT, NULL);
}

/* The kinds of per-currency object the summary holds. */
typedef enum
{
	BY_CURRENCY_TOTALS, BY_CURRENCY_CHARGES, BY_CURRENCY_TOTALS_WITH_CHARGES, BY_CURRENCY_COMING
} ByCurrency;

/*
 * {currency: value} over the currencies that have a total (the items
 * coming due: that have such items); NULL when there is none.
 */
static Datum
by_currency(ActionSummary *state, ByCurrency kind, bool *isnull)
{
	JsonbParseState *parse = NULL;
	bool		any = false;

	pushJsonbValue(&parse, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < state->nsums; i++)
	{
		const CurrencySum *s = &state->sums[i];
		JsonbValue	key;

		if ((kind == BY_CURRENCY_COMING ? s->coming : s->total) == NULL)
			continue;
		any = true;
		key.type = jbvString;
		key.val.string.len = VARSIZE_ANY_EXHDR(s->currency);
		key.val.string.val = VARDATA_ANY(s->currency);
		pushJsonbValue(&parse, WJB_KEY, &key);
		if (kind == BY_CURRENCY_CHARGES)
			push_charges(&parse, s);
		else
		{
			JsonbValue	v = numeric_json(kind == BY_CURRENCY_TOTALS ? s->total
										 : kind == BY_CURRENCY_COMING ? s->coming
										 : total_with_charges(s));

			pushJsonbValue(&parse, WJB_VALUE, &v);
		}
	}
	*isnull = !any;
	if (!any)
		return (Datum) 0;
	return JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&parse, WJB_END_OBJECT, NULL)));
}

/* 'EUR 12.50 + GBP 3.00': the currencies' totals, by currency */
static Datum
token_amount(ActionSummary *state, bool *isnull)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < state->nsums; i++)
	{
		const CurrencySum *s = &state->sums[i];

		if (s->total == NULL)
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, " + ");
		appendBinaryStringInfo(&buf, VARDATA_ANY(s->currency), VARSIZE_ANY_EXHDR(s->currency));
		appendStringInfoChar(&buf, ' ');
		appendStringInfoString(&buf, DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(s->total))));
	}
	*isnull = buf.len == 0;
	return *isnull ? (Datum) 0 : PointerGetDatum(cstring_to_text_with_len(buf.data, buf.len));
}

/* whether some currency is charged or has a fee (then totals_with_charges) */
static bool
any_charge(ActionSummary *state)
{
	for (int i = 0; i < state->nsums; i++)
		if (state->sums[i].charged == 1 || state->sums[i].fee != NULL)
			return true;
	return false;
}

/* The row type of the result, looked up once per aggregate. */
static TupleDesc
summary_tupdesc(FunctionCallInfo fcinfo)
{
	TupleDesc	tupdesc = (TupleDesc) fcinfo->flinfo->fn_extra;

	if (tupdesc == NULL)
	{
		MemoryContext caller = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("summarize_action_items must return a composite type")));
		if (tupdesc->natts != SUMMARY_FIELDS)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("action_items_summary has %d fields, expected %d", tupdesc->natts, SUMMARY_FIELDS)));
		tupdesc = BlessTupleDesc(tupdesc);
		MemoryContextSwitchTo(caller);
		fcinfo->flinfo->fn_extra = tupdesc;
	}
	return tupdesc;
}

PG_FUNCTION_INFO_V1(summarize_action_items_final);

/* summarize_action_items_final(internal) RETURNS action_items_summary (NULL: no item) */
Datum
summarize_action_items_final(PG_FUNCTION_ARGS)
{
	ActionSummary *state;
	Datum		values[SUMMARY_FIELDS];
	bool		nulls[SUMMARY_FIELDS] = {0};
	TupleDesc	tupdesc;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("summarize_action_items_final called outside an aggregate")));
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = (ActionSummary *) PG_GETARG_POINTER(0);
	tupdesc = summary_tupdesc(fcinfo);

	/* sorts the state in place: FINALFUNC_MODIFY = READ_WRITE */
	qsort_arg(state->items, state->nitems, sizeof(SummaryItem), item_order, &state->collation);
	qsort_arg(state->sums, state->nsums, sizeof(CurrencySum), currency_order, &state->collation);

	values[F_INVOICE_COUNT] = Int64GetDatum(state->invoice_count);
	values[F_INVOICE_IDS] = PointerGetDatum(items_ids(state));
	values[F_MAX_DAYS_OVERDUE] = Int32GetDatum(state->max_days_overdue);
	nulls[F_MAX_DAYS_OVERDUE] = state->max_days_overdue <= 0;
	values[F_OLDEST_DUE_ON] = DateADTGetDatum(state->oldest_due_on);
	nulls[F_OLDEST_DUE_ON] = !state->has_oldest_due_on;
	values[F_LAST_CURRENCY] = PointerGetDatum(state->last_currency);
	nulls[F_LAST_CURRENCY] = state->last_currency == NULL;
	values[F_INVOICES] = JsonbPGetDatum(items_json(state));
	values[F_TOKEN_AMOUNT] = token_amount(state, &nulls[F_TOKEN_AMOUNT]);
	values[F_TOTALS] = by_currency(state, BY_CURRENCY_TOTALS, &nulls[F_TOTALS]);
	values[F_CHARGES] = by_currency(state, BY_CURRENCY_CHARGES, &nulls[F_CHARGES]);
	if (any_charge(state))
		values[F_TOTALS_WITH_CHARGES] = by_currency(state, BY_CURRENCY_TOTALS_WITH_CHARGES,
													&nulls[F_TOTALS_WITH_CHARGES]);
	else
		nulls[F_TOTALS_WITH_CHARGES] = true;
	values[F_COMING_TOTALS] = by_currency(state, BY_CURRENCY_COMING, &nulls[F_COMING_TOTALS]);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
