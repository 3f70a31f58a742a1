/*
 * payment_route.c -- an INSERT of unidentified cash into dunning.payment on
 * Citus (see payment_route.h, doc/scale-out.md).
 *
 * A table distributed by customer_id cannot hold a row without one, and
 * Citus refuses such an INSERT while planning it, before any trigger or
 * rule of the table could move the row.  So, on a distributed ledger, an
 * INSERT INTO dunning.payment that leaves the customer out or gives it as
 * NULL is turned, right after parse analysis, into the same INSERT into the
 * view dunning_internal.payment_entry (src/sql/scaleout.sql): its INSTEAD OF
 * trigger writes each row where the cluster can hold it, into
 * dunning.payment when it names a customer and into
 * dunning.payment_suspense when it does not.  The view has the table's
 * columns in the table's order, so the statement's column numbers stay
 * valid; RETURNING and the command tag are those of an INSERT.
 *
 * A customer given as a parameter is turned too (its value is bound only
 * at execution; the trigger routes each row by its value).  Every other
 * statement is left alone: a customer given by an expression or a SELECT
 * is routed by Citus as before (and the trigger's own INSERT, whose
 * customer comes from a subquery, is never turned back to the view).
 */
#include "postgres.h"

#include "payment_route.h"
#include "compat.h"
#include "scaleout.h"

#include "access/attnum.h"
#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "nodes/primnodes.h"
#include "parser/analyze.h"
#include "parser/parsetree.h"
#include "storage/lmgr.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

static post_parse_analyze_hook_type previous_post_parse_analyze_hook = NULL;

/* The relation schema.name, or InvalidOid (schema or relation missing). */
static Oid
relation_named(const char *schema, const char *name)
{
	Oid			namespace_oid = get_namespace_oid(schema, true);

	if (!OidIsValid(namespace_oid))
		return InvalidOid;
	return get_relname_relid(name, namespace_oid);
}

/*
 * Can the expression give NULL for a row: a NULL constant, or a parameter
 * whose value comes only at execution (a driver's bound value, a PL/pgSQL
 * variable), through a cast or coercion?
 */
static bool
may_be_null(Node *expr)
{
	expr = strip_implicit_coercions(expr);
	while (expr && IsA(expr, RelabelType))
		expr = (Node *) ((RelabelType *) expr)->arg;
	if (expr != NULL && IsA(expr, Param))
		return ((Param *) expr)->paramkind == PARAM_EXTERN;
	return expr != NULL && IsA(expr, Const) && ((Const *) expr)->constisnull;
}

/*
 * May the INSERT leave the customer unknown in some row: the column not
 * given, or given as NULL or as a parameter, in a row of its VALUES list
 * too?
 */
static bool
customer_left_unknown(Query *query, AttrNumber customer_attnum)
{
	ListCell   *lc;

	foreach(lc, query->targetList)
	{
		TargetEntry *te = lfirst_node(TargetEntry, lc);
		RangeTblEntry *values_rte;
		ListCell   *row;

		if (te->resjunk || te->resno != customer_attnum)
			continue;
		if (may_be_null((Node *) te->expr))
			return true;
		if (!IsA(te->expr, Var))
			return false;
		/* several rows: the column of the VALUES list this entry reads */
		values_rte = rt_fetch(((Var *) te->expr)->varno, query->rtable);
		if (values_rte->rtekind != RTE_VALUES)
			return false;
		foreach(row, values_rte->values_lists)
		{
			List	   *values = (List *) lfirst(row);
			AttrNumber	column = ((Var *) te->expr)->varattno;

			if (column >= 1 && column <= list_length(values)
				&& may_be_null((Node *) list_nth(values, column - 1)))
				return true;
		}
		return false;
	}
	return true;				/* not given: its default is NULL */
}

/*
 * Has the view every column of the table under the same number?  Both are
 * locked already (the table by parse analysis, the view by the caller).
 */
static bool
same_columns(Oid table_oid, Oid view_oid)
{
	Relation	table = relation_open(table_oid, NoLock);
	Relation	view = relation_open(view_oid, NoLock);
	TupleDesc	t = RelationGetDescr(table);
	TupleDesc	v = RelationGetDescr(view);
	bool		same = t->natts == v->natts;

	for (int i = 0; same && i < t->natts; i++)
		same = !TupleDescAttr(t, i)->attisdropped
			&& TupleDescAttr(t, i)->atttypid == TupleDescAttr(v, i)->atttypid
			&& strcmp(NameStr(TupleDescAttr(t, i)->attname), NameStr(TupleDescAttr(v, i)->attname)) == 0;
	relation_close(view, NoLock);
	relation_close(table, NoLock);
	return same;
}

static void
route_payment_insert(DUNNING_POST_PARSE_ANALYZE_ARGS)
{
	RangeTblEntry *target;
	Oid			payment_oid;
	Oid			entry_oid;

	if (previous_post_parse_analyze_hook)
		previous_post_parse_analyze_hook(DUNNING_POST_PARSE_ANALYZE_CALL);
	if (query->commandType != CMD_INSERT || query->resultRelation <= 0 || query->onConflict != NULL)
		return;
	target = rt_fetch(query->resultRelation, query->rtable);
	payment_oid = relation_named("dunning", "payment");
	if (!OidIsValid(payment_oid) || target->relid != payment_oid)
		return;
	if (!customer_left_unknown(query, get_attnum(payment_oid, "customer_id")))
		return;
	entry_oid = relation_named("dunning_internal", "payment_entry");
	if (!OidIsValid(entry_oid) || !dunning_ledger_distributed())
		return;
	/* the lock the statement holds on its target, as parse analysis took it on the table's */
	LockRelationOid(entry_oid, RowExclusiveLock);
	if (!same_columns(payment_oid, entry_oid))
		return;
	DUNNING_RETARGET_RTE(query, target, entry_oid);
	target->relkind = RELKIND_VIEW;
}

/* See payment_route.h. */
void
dunning_payment_route_init(void)
{
	previous_post_parse_analyze_hook = post_parse_analyze_hook;
	post_parse_analyze_hook = route_payment_insert;
}
