/*
 * action_notify.c -- the new queued actions of a statement, per channel,
 * for its NOTIFY (outbox.sql: triggers action_queued and action_notify).
 *
 * Every INSERT into dunning.action sends one NOTIFY per channel naming
 * the queued actions it created.  A statement trigger with a transition
 * table (REFERENCING NEW TABLE) would see them, but PostgreSQL then keeps
 * a copy of every inserted row, whole, till the statement ends (a first
 * run: 100,000 actions of about 4 kB, 450 MB written to a temporary file
 * and read back), and keeps it even when the trigger is not fired.  Here
 * a row trigger (AFTER INSERT, WHEN the action is queued) notes the
 * action's channel and id, and the statement trigger takes the notes.
 *
 * The notes live in a memory context of the transaction; a (sub)
 * transaction that aborts drops those taken inside it (its statement
 * failed, or was rolled back to a savepoint: nothing was inserted).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "compat.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "action_notify.h"

/* The ids noted for one channel, each with the subtransaction it came in. */
typedef struct ChannelNotes
{
	char	   *channel;
	int64	   *action_ids;
	SubTransactionId *subids;
	int			n;
	int			allocated;
} ChannelNotes;

/* The notes of the statement being written (NULL context: none). */
static MemoryContext notes_context = NULL;
static ChannelNotes *notes = NULL;
static int	nnotes = 0;
static int	notes_allocated = 0;

/* The relation the trigger fired on last, and what it is. */
static Oid	known_relid = InvalidOid;
static bool known_is_action = false;
static AttrNumber channel_attno = InvalidAttrNumber;
static AttrNumber action_id_attno = InvalidAttrNumber;

static void
forget_notes(void)
{
	if (notes_context != NULL)
		MemoryContextDelete(notes_context);
	notes_context = NULL;
	notes = NULL;
	nnotes = 0;
	notes_allocated = 0;
}

/* the end of the transaction deletes the context (a child of its own) */
static void
notes_at_transaction_end(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			notes_context = NULL;
			forget_notes();
			break;
		default:
			break;
	}
}

/*
 * A subtransaction that aborts drops the notes taken inside it or inside
 * its children: those of a subtransaction id not below its own (ids grow,
 * and subtransactions nest).
 */
static void
notes_at_subtransaction_end(SubXactEvent event, SubTransactionId mySubid,
							SubTransactionId parentSubid, void *arg)
{
	if (event != SUBXACT_EVENT_ABORT_SUB || notes_context == NULL)
		return;
	for (int i = 0; i < nnotes; i++)
	{
		ChannelNotes *c = &notes[i];
		int			kept = 0;

		for (int k = 0; k < c->n; k++)
			if (c->subids[k] < mySubid)
			{
				c->action_ids[kept] = c->action_ids[k];
				c->subids[kept++] = c->subids[k];
			}
		c->n = kept;
	}
}

void
dunning_action_notify_init(void)
{
	RegisterXactCallback(notes_at_transaction_end, NULL);
	RegisterSubXactCallback(notes_at_subtransaction_end, NULL);
}

/*
 * Whether REL is dunning.action itself (not a shard of it on a Citus
 * worker, whose NOTIFY would go out where no sender listens), and where
 * its two columns are.  Looked up once per relation.
 */
static bool
is_action_table(Relation rel)
{
	if (RelationGetRelid(rel) != known_relid)
	{
		char	   *schema = get_namespace_name(RelationGetNamespace(rel));

		known_is_action = schema != NULL && strcmp(schema, "dunning") == 0
			&& strcmp(RelationGetRelationName(rel), "action") == 0;
		channel_attno = SPI_fnumber(RelationGetDescr(rel), "channel");
		action_id_attno = SPI_fnumber(RelationGetDescr(rel), "action_id");
		if (known_is_action && (channel_attno <= 0 || action_id_attno <= 0))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("dunning.action has no column channel or action_id")));
		known_relid = RelationGetRelid(rel);
	}
	return known_is_action;
}

/* The notes of CHANNEL, a new entry the first time it comes. */
static ChannelNotes *
channel_notes(const char *channel)
{
	ChannelNotes *c;

	if (notes_context == NULL)
	{
		notes_context = AllocSetContextCreate(TopTransactionContext, "dunning action notes",
											  ALLOCSET_DEFAULT_SIZES);
		notes_allocated = 8;
		notes = MemoryContextAlloc(notes_context, notes_allocated * sizeof(ChannelNotes));
	}
	for (int i = 0; i < nnotes; i++)
		if (strcmp(notes[i].channel, channel) == 0)
			return &notes[i];
	if (nnotes == notes_allocated)
	{
		notes_allocated *= 2;
		notes = repalloc(notes, notes_allocated * sizeof(ChannelNotes));
	}
	c = &notes[nnotes++];
	c->channel = MemoryContextStrdup(notes_context, channel);
	c->allocated = 64;
	c->n = 0;
	c->action_ids = MemoryContextAlloc(notes_context, c->allocated * sizeof(int64));
	c->subids = MemoryContextAlloc(notes_context, c->allocated * sizeof(SubTransactionId));
	return c;
}

PG_FUNCTION_INFO_V1(action_queued);

/* action_queued() RETURNS trigger: AFTER INSERT FOR EACH ROW, notes the action */
Datum
action_queued(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	tupdesc;
	Datum		channel;
	Datum		action_id;
	bool		channel_null;
	bool		action_id_null;
	ChannelNotes *c;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event)
		|| !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || !TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("action_queued must be fired AFTER INSERT FOR EACH ROW")));
	if (!is_action_table(trigdata->tg_relation))
		return PointerGetDatum(NULL);
	tupdesc = RelationGetDescr(trigdata->tg_relation);
	channel = heap_getattr(trigdata->tg_trigtuple, channel_attno, tupdesc, &channel_null);
	action_id = heap_getattr(trigdata->tg_trigtuple, action_id_attno, tupdesc, &action_id_null);
	if (channel_null || action_id_null)
		return PointerGetDatum(NULL);	/* (both are NOT NULL) */
	c = channel_notes(TextDatumGetCString(channel));
	if (c->n == c->allocated)
	{
		c->allocated *= 2;
		c->action_ids = repalloc_huge(c->action_ids, (Size) c->allocated * sizeof(int64));
		c->subids = repalloc_huge(c->subids, (Size) c->allocated * sizeof(SubTransactionId));
	}
	c->action_ids[c->n] = DatumGetInt64(action_id);
	c->subids[c->n++] = GetCurrentSubTransactionId();
	return PointerGetDatum(NULL);
}

static int
channel_order(const void *a, const void *b)
{
	return strcmp(((const ChannelNotes *) a)->channel, ((const ChannelNotes *) b)->channel);
}

static int
id_order(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

PG_FUNCTION_INFO_V1(take_queued_actions);

/*
 * take_queued_actions() RETURNS TABLE (channel text, action_ids bigint[]):
 * the actions noted since the last call, by channel, ids in order; and
 * forgets them.
 */
Datum
take_queued_actions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	DUNNING_INIT_SRF(fcinfo);
	qsort(notes, nnotes, sizeof(ChannelNotes), channel_order);
	for (int i = 0; i < nnotes; i++)
	{
		ChannelNotes *c = &notes[i];
		Datum		values[2];
		bool		nulls[2] = {false, false};
		Datum	   *ids;

		if (c->n == 0)
			continue;			/* (all dropped with a subtransaction) */
		ids = palloc(c->n * sizeof(Datum));
		qsort(c->action_ids, c->n, sizeof(int64), id_order);
		for (int k = 0; k < c->n; k++)
			ids[k] = Int64GetDatum(c->action_ids[k]);
		values[0] = CStringGetTextDatum(c->channel);
		values[1] = PointerGetDatum(construct_array(ids, c->n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL,
													TYPALIGN_DOUBLE));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	forget_notes();
	return (Datum) 0;
}
