/*
 * notice_items.c -- the aggregate dunning_internal.notice_items(...): the
 * items of a notice as the jsonb array of its payload ("invoices"), built
 * in one pass.
 *
 * It writes what jsonb_agg(jsonb_build_object(...)) writes (the same text
 * and value: test/sql/templates.sql), without its per-item costs: that
 * pair builds each item as a jsonb of its own, turning every number into
 * text and back (datum_to_jsonb runs the type's output function, then
 * numeric_in), and the aggregate then reads each item back token by token.
 * Here each value goes into the array being built as it is: a numeric as
 * it is, an integer as a numeric, a date in JSON's ISO form.  A first run
 * lists about a million items (runner.sql, phase 2).
 *
 * An item: {invoice_id, number, due_on, days_overdue, open_amount,
 * currency, interest, compensation}; a payment confirmation's item also
 * {settled_amount (the open amount it settled), paid_on}.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "compat.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

/* The array being built, in the aggregate's memory context. */
typedef struct NoticeItems
{
	JsonbParseState *parse;
} NoticeItems;

/* Adds KEY with the scalar VALUE to the object being built. */
static void
push_member(NoticeItems *items, const char *key, JsonbValue *value)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(&items->parse, WJB_KEY, &k);
	pushJsonbValue(&items->parse, WJB_VALUE, value);
}

/* The argument ARGNO as a JSON value (a copy in the current context). */
static JsonbValue
argument_value(FunctionCallInfo fcinfo, int argno, Oid type)
{
	JsonbValue	v;
	Datum		d = PG_GETARG_DATUM(argno);

	if (PG_ARGISNULL(argno))
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
			v.val.numeric = DatumGetNumericCopy(d);
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
				v.val.string.val = pnstrdup(VARDATA_ANY(t), v.val.string.len);
			}
			break;
	}
	return v;
}

/* The arguments of notice_items_add past the state (1 to 8: item_members). */
#define ARG_CONFIRMATION 9
#define ARG_PAID_ON 10

/* A member of an item: its key, and the argument that holds its value. */
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
	{"currency", 6, TEXTOID},
	{"interest", 7, NUMERICOID},
	{"compensation", 8, NUMERICOID},
};

/* a confirmation's item also names what it settled, and when */
static const ItemMember confirmation_members[] =
{
	{"settled_amount", 5, NUMERICOID},
	{"paid_on", ARG_PAID_ON, DATEOID},
};

/* Adds the member M, its value the call's argument, to the object being built. */
static void
push_argument(NoticeItems *items, FunctionCallInfo fcinfo, const ItemMember *m)
{
	JsonbValue	v = argument_value(fcinfo, m->argno, m->type);

	push_member(items, m->key, &v);
}

PG_FUNCTION_INFO_V1(notice_items_add);

/*
 * notice_items_add(internal, invoice_id bigint, number text, due_on date,
 * days_overdue integer, open_amount numeric, currency text, interest
 * numeric, compensation numeric, confirmation boolean, paid_on date)
 */
Datum
notice_items_add(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext;
	MemoryContext caller;
	NoticeItems *items;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("notice_items_add called outside an aggregate")));
	caller = MemoryContextSwitchTo(aggcontext);
	if (PG_ARGISNULL(0))
	{
		items = palloc0(sizeof(NoticeItems));
		pushJsonbValue(&items->parse, WJB_BEGIN_ARRAY, NULL);
	}
	else
		items = (NoticeItems *) PG_GETARG_POINTER(0);

	pushJsonbValue(&items->parse, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < lengthof(item_members); i++)
		push_argument(items, fcinfo, &item_members[i]);
	if (!PG_ARGISNULL(ARG_CONFIRMATION) && PG_GETARG_BOOL(ARG_CONFIRMATION))
		for (int i = 0; i < lengthof(confirmation_members); i++)
			push_argument(items, fcinfo, &confirmation_members[i]);
	/* (sorts the keys and drops duplicates, as for any jsonb object) */
	pushJsonbValue(&items->parse, WJB_END_OBJECT, NULL);

	MemoryContextSwitchTo(caller);
	PG_RETURN_POINTER(items);
}

PG_FUNCTION_INFO_V1(notice_items_final);

/* notice_items_final(internal) RETURNS jsonb: the array (NULL: no item) */
Datum
notice_items_final(PG_FUNCTION_ARGS)
{
	NoticeItems *items;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("notice_items_final called outside an aggregate")));
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	items = (NoticeItems *) PG_GETARG_POINTER(0);
	/* ends the array in place: FINALFUNC_MODIFY = READ_WRITE */
	PG_RETURN_JSONB_P(JsonbValueToJsonb(pushJsonbValue(&items->parse, WJB_END_ARRAY, NULL)));
}
