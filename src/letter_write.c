/*
 * letter_write.c -- writing a batch of lettering decisions and proposals
 * (see letter_write.h).
 *
 * A batch is written with a few set-based statements whose arguments are
 * arrays (built with ArrayBuildState), never row by row: the letters of the
 * batch with their codes (one per customer and letter, counted in
 * dunning_internal.letter_counter), the allocations in invoice order so that index
 * entries and the totals' updates go page by page, the bank fees written
 * off, and the proposals.  Before writing, the rows are locked in the
 * writers' order and every decision is checked against what is open now:
 * another session may have lettered the same payment or items since the
 * store was loaded.
 */
#include "postgres.h"

#include "letter_write.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "money.h"
#include "scaleout.h"
#include "utils/builtins.h"
#include "utils/datum.h"

/* ------------------------------------------------------------------------
 * Locking and verifying
 * ------------------------------------------------------------------------ */

/* A row to lock on a distributed ledger: its customer and id. */
typedef struct CustomerRow
{
	int64		customer_id;
	int64		id;
} CustomerRow;

static int
customer_row_cmp(const void *a, const void *b)
{
	const CustomerRow *x = a;
	const CustomerRow *y = b;

	if (x->customer_id != y->customer_id)
		return x->customer_id < y->customer_id ? -1 : 1;
	return x->id < y->id ? -1 : (x->id > y->id ? 1 : 0);
}

/*
 * Runs sql (arguments: a customer id, an array of row ids) once per customer
 * of rows[0..n), in customer order: Citus routes a locking read only when it
 * names one value of the distribution column.  Calls take(row) for each row
 * returned.
 */
static void
lock_by_customer(const char *sql, CustomerRow *rows, int n, void (*take) (HeapTuple, TupleDesc, void *), void *arg)
{
	Oid			types[2] = {INT8OID, INT8ARRAYOID};
	SPIPlanPtr	plan = SPI_prepare(sql, 2, types);

	if (plan == NULL)
		elog(ERROR, "dunning lettering: could not prepare (%s): %s", SPI_result_code_string(SPI_result), sql);
	qsort(rows, n, sizeof(CustomerRow), customer_row_cmp);
	for (int from = 0, to; from < n; from = to)
	{
		ArrayBuildState *ids = dunning_array_new(INT8OID);
		Datum		values[2];
		int			ret;

		CHECK_FOR_INTERRUPTS();
		for (to = from; to < n && rows[to].customer_id == rows[from].customer_id; to++)
			dunning_array_push(ids, Int64GetDatum(rows[to].id));
		values[0] = Int64GetDatum(rows[from].customer_id);
		values[1] = dunning_array_datum(ids);
		if ((ret = SPI_execute_plan(plan, values, NULL, false, 0)) != SPI_OK_SELECT)
			elog(ERROR, "dunning lettering: statement failed (%s): %s", SPI_result_code_string(ret), sql);
		for (uint64 r = 0; r < SPI_processed; r++)
			take(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, arg);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_freeplan(plan);
}

static void
take_payment(HeapTuple tup, TupleDesc desc, void *arg)
{
	bool		found;

	dunning_idmap_insert((dunning_idmap_hash *) arg, dunning_spi_int8(tup, desc, 1, 0), &found)->value = 1;
}

/*
 * On a distributed ledger: the batch's unlettered payments locked customer
 * by customer (the customer each decision letters to), and those of unknown
 * payer in the suspense (a reference table).
 */
static dunning_idmap_hash *
lock_payments_by_customer(const Store *st, const Batch *b)
{
	CustomerRow *rows = palloc(sizeof(CustomerRow) * Max(1, b->n_dec));
	ArrayBuildState *pays = dunning_array_new(INT8OID);
	Oid			types[1] = {INT8ARRAYOID};
	Datum		values[1];
	dunning_idmap_hash *ok_pay = dunning_idmap_create(CurrentMemoryContext, b->n_dec, NULL);

	for (int k = 0; k < b->n_dec; k++)
	{
		rows[k].customer_id = st->customers[b->dec[k].a.customer].id;
		rows[k].id = b->dec[k].payment_id;
		dunning_array_push(pays, Int64GetDatum(b->dec[k].payment_id));
	}
	lock_by_customer("SELECT payment_id FROM dunning.payment WHERE customer_id = $1 AND payment_id = ANY ($2)"
					 " AND allocated_amount = 0 ORDER BY payment_id FOR NO KEY UPDATE",
					 rows, b->n_dec, take_payment, ok_pay);
	values[0] = dunning_array_datum(pays);
	dunning_spi_exec("SELECT payment_id FROM dunning.payment_suspense WHERE payment_id = ANY ($1)"
					 " ORDER BY payment_id FOR UPDATE",
					 1, types, values, SPI_OK_SELECT);
	for (uint64 r = 0; r < SPI_processed; r++)
		take_payment(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, ok_pay);
	return ok_pay;
}

/* Locks the batch's unlettered payments, in id order; the set of those still unlettered. */
static dunning_idmap_hash *
lock_payments(const Store *st, const Batch *b)
{
	ArrayBuildState *pays = dunning_array_new(INT8OID);
	Oid			types[1] = {INT8ARRAYOID};
	Datum		values[1];
	dunning_idmap_hash *ok_pay;

	if (dunning_ledger_distributed())
		return lock_payments_by_customer(st, b);
	for (int k = 0; k < b->n_dec; k++)
		dunning_array_push(pays, Int64GetDatum(b->dec[k].payment_id));
	ok_pay = dunning_idmap_create(CurrentMemoryContext, b->n_dec, NULL);
	values[0] = dunning_array_datum(pays);
	dunning_spi_exec("SELECT payment_id FROM dunning.payment WHERE payment_id = ANY ($1)"
					 " AND allocated_amount = 0 ORDER BY payment_id FOR NO KEY UPDATE",
					 1, types, values, SPI_OK_SELECT);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		found;

		dunning_idmap_insert(ok_pay, dunning_spi_int8(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, 0),
							 &found)->value = 1;
	}
	return ok_pay;
}

/* What lock_items reads into: the rows and what is open on each. */
typedef struct OpenItems
{
	dunning_idmap_hash *open_now;
	int64	   *opens;
	uint64		n;
} OpenItems;

static void
take_item(HeapTuple tup, TupleDesc desc, void *arg)
{
	OpenItems  *o = arg;
	bool		found;

	o->opens[o->n] = dunning_spi_int8(tup, desc, 2, 0);
	dunning_idmap_insert(o->open_now, dunning_spi_int8(tup, desc, 1, 0), &found)->value = (int32) o->n;
	o->n++;
}

/*
 * Locks the batch's items, in id order (on a distributed ledger: customer by
 * customer); maps each to its row in *opens, which receives what is open now
 * (units).
 */
static dunning_idmap_hash *
lock_items(const Store *st, const Batch *b, int64 **opens)
{
	ArrayBuildState *items = dunning_array_new(INT8OID);
	Oid			types[1] = {INT8ARRAYOID};
	Datum		values[1];
	dunning_idmap_hash *open_now;

	for (int k = 0; k < b->n_dec; k++)
		for (int i = 0; i < b->dec[k].a.n; i++)
			dunning_array_push(items, Int64GetDatum(st->items[b->dec[k].a.item[i]].id));
	open_now = dunning_idmap_create(CurrentMemoryContext, items->nelems, NULL);
	if (dunning_ledger_distributed())
	{
		CustomerRow *rows = palloc(sizeof(CustomerRow) * Max(1, items->nelems));
		OpenItems	o = {open_now, palloc(sizeof(int64) * Max(1, items->nelems)), 0};
		int			n = 0;

		for (int k = 0; k < b->n_dec; k++)
			for (int i = 0; i < b->dec[k].a.n; i++)
			{
				const OpenItem *it = &st->items[b->dec[k].a.item[i]];

				rows[n].customer_id = it->customer_id;
				rows[n++].id = it->id;
			}
		lock_by_customer("SELECT invoice_id, ((pg_catalog.abs(amount) - settled_amount) * 10000)::int8"
						 " FROM dunning.invoice WHERE customer_id = $1 AND invoice_id = ANY ($2)"
						 " ORDER BY invoice_id FOR NO KEY UPDATE",
						 rows, n, take_item, &o);
		*opens = o.opens;
		return open_now;
	}
	values[0] = dunning_array_datum(items);
	dunning_spi_exec("SELECT invoice_id, ((pg_catalog.abs(amount) - settled_amount) * 10000)::int8"
					 " FROM dunning.invoice WHERE invoice_id = ANY ($1) ORDER BY invoice_id FOR NO KEY UPDATE",
					 1, types, values, SPI_OK_SELECT);
	*opens = palloc(sizeof(int64) * Max(1, SPI_processed));
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		found;
		HeapTuple	tup = SPI_tuptable->vals[r];

		(*opens)[r] = dunning_spi_int8(tup, SPI_tuptable->tupdesc, 2, 0);
		dunning_idmap_insert(open_now, dunning_spi_int8(tup, SPI_tuptable->tupdesc, 1, 0), &found)->value = (int32) r;
	}
	return open_now;
}

/* The row of an item in what lock_items read, or -1. */
static int32
open_row(dunning_idmap_hash *open_now, int64 item_id)
{
	IdEntry    *e = dunning_idmap_lookup(open_now, item_id);

	return e != NULL ? e->value : -1;
}

/*
 * Locks the rows a batch touches, in the writers' order (payments, then
 * invoice rows by id), and drops the decisions that no longer fit: another
 * session allocated the payment or the items since the store was loaded.
 * Decisions are applied in order; each takes its settlements off what is
 * open.
 */
static void
lock_and_verify(Store *st, Batch *b)
{
	dunning_idmap_hash *ok_pay;
	dunning_idmap_hash *open_now;
	int64	   *opens;
	int			kept = 0;

	if (b->n_dec == 0)
		return;
	ok_pay = lock_payments(st, b);
	open_now = lock_items(st, b, &opens);
	for (int k = 0; k < b->n_dec; k++)
	{
		Decision   *d = &b->dec[k];
		bool		fits = dunning_idmap_lookup(ok_pay, d->payment_id) != NULL;

		for (int i = 0; i < d->a.n && fits; i++)
		{
			int32		at = open_row(open_now, st->items[d->a.item[i]].id);

			fits = at >= 0 && opens[at] >= d->a.settle[i];
		}
		if (!fits)
			continue;
		for (int i = 0; i < d->a.n; i++)
			opens[open_row(open_now, st->items[d->a.item[i]].id)] -= d->a.settle[i];
		b->dec[kept++] = *d;
	}
	b->n_dec = kept;
}

/* ------------------------------------------------------------------------
 * Letters, allocations, write-offs
 * ------------------------------------------------------------------------ */

/* The columns of the batch's letters. */
typedef struct LetterRows
{
	ArrayBuildState *id;
	ArrayBuildState *customer;
	ArrayBuildState *method;
	ArrayBuildState *confidence;
	ArrayBuildState *explanation;
} LetterRows;

/* The columns of the batch's allocations (code filled once the letters are written). */
typedef struct AllocationRows
{
	ArrayBuildState *customer;
	ArrayBuildState *payment;
	ArrayBuildState *credit_note;
	ArrayBuildState *invoice;
	ArrayBuildState *amount;
	ArrayBuildState *letter;
	ArrayBuildState *code;
	ArrayBuildState *method;
	ArrayBuildState *confidence;
} AllocationRows;

/* The columns of the batch's bank-fee write-offs. */
typedef struct WriteOffRows
{
	ArrayBuildState *customer;
	ArrayBuildState *invoice;
	ArrayBuildState *payment;
	ArrayBuildState *letter;
	ArrayBuildState *amount;
} WriteOffRows;

/* Draws one letter id per decision from the letter sequence. */
static void
draw_letter_ids(int n, ArrayBuildState *ids)
{
	Oid			t1[1] = {INT4OID};
	Datum		v1[1] = {Int32GetDatum(n)};

	dunning_spi_exec("SELECT pg_catalog.nextval('dunning.letter_letter_id_seq') FROM pg_catalog.generate_series(1, $1)",
					 1, t1, v1, SPI_OK_SELECT);
	if (SPI_processed != (uint64) n)
		elog(ERROR, "dunning lettering: could not draw letter ids");
	for (int k = 0; k < n; k++)
		dunning_array_push(ids, Int64GetDatum(dunning_spi_int8(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1, 0)));
}

/*
 * One allocation row of letter k on an invoice: from the payment, or from a
 * credit note (source_id), the other column NULL.
 */
static void
push_allocation(AllocationRows *ar, const LetterRows *lr, int k, bool from_credit_note, int64 source_id,
				int64 invoice_id, int64 units, const char *currency)
{
	dunning_array_push(ar->customer, lr->customer->dvalues[k]);
	dunning_array_push(from_credit_note ? ar->credit_note : ar->payment, Int64GetDatum(source_id));
	dunning_array_push_null(from_credit_note ? ar->payment : ar->credit_note);
	dunning_array_push(ar->invoice, Int64GetDatum(invoice_id));
	dunning_array_push(ar->amount, NumericGetDatum(dunning_units_to_numeric(units, currency)));
	dunning_array_push(ar->letter, lr->id->dvalues[k]);
	dunning_array_push(ar->method, lr->method->dvalues[k]);
	dunning_array_push(ar->confidence, lr->confidence->dvalues[k]);
}

/*
 * The allocations of decision k: credit notes first, against the invoices
 * in order, then the payment for what each invoice still needs (need[],
 * what it receives net of a write-off).
 */
static void
allocation_rows(const Store *st, const Decision *d, int k, int64 *need,
				const LetterRows *lr, AllocationRows *ar)
{
	const Answer *a = &d->a;

	for (int i = 0; i < a->n; i++)
	{
		int64		credit;

		if (st->items[a->item[i]].amount > 0)
			continue;
		credit = a->settle[i];
		for (int j = 0; j < a->n && credit > 0; j++)
		{
			int64		take = Min(credit, need[j]);

			if (take <= 0)
				continue;
			push_allocation(ar, lr, k, true, st->items[a->item[i]].id,
							st->items[a->item[j]].id, take, d->currency);
			need[j] -= take;
			credit -= take;
		}
	}
	for (int j = 0; j < a->n; j++)
		if (need[j] > 0)
			push_allocation(ar, lr, k, false, d->payment_id,
							st->items[a->item[j]].id, need[j], d->currency);
}

/* The letter, write-off and allocation rows of decision k. */
static void
decision_rows(const Store *st, const Decision *d, int k, LetterRows *lr, AllocationRows *ar,
			  WriteOffRows *wr, Totals *tot)
{
	const Answer *a = &d->a;
	int64		need[MAX_ANSWER_ITEMS];

	dunning_array_push(lr->customer, Int64GetDatum(st->customers[a->customer].id));
	dunning_array_push(lr->method, CStringGetTextDatum(dunning_method_names[a->method]));
	dunning_array_push(lr->confidence, Float4GetDatum(a->confidence));
	dunning_array_push(lr->explanation, CStringGetTextDatum(a->reason));
	for (int i = 0; i < a->n; i++)
		need[i] = st->items[a->item[i]].amount > 0 ? a->settle[i] : 0;
	if (a->write_off > 0)
	{
		need[a->n - 1] -= a->write_off;
		dunning_array_push(wr->customer, lr->customer->dvalues[k]);
		dunning_array_push(wr->invoice, Int64GetDatum(st->items[a->item[a->n - 1]].id));
		dunning_array_push(wr->payment, Int64GetDatum(d->payment_id));
		dunning_array_push(wr->letter, lr->id->dvalues[k]);
		dunning_array_push(wr->amount, NumericGetDatum(dunning_units_to_numeric(a->write_off, d->currency)));
		tot->write_offs++;
		tot->write_off_units += (int128) a->write_off;
	}
	allocation_rows(st, d, k, need, lr, ar);
	tot->lettered++;
	tot->amount_units += (int128) a->used;
}

/*
 * Inserts the letters with their codes (the customer's next numbers in
 * dunning_internal.letter_counter) and pushes each allocation's code, by letter id
 * (no join back to dunning.letter).
 */
static void
insert_letters(LetterRows *lr, AllocationRows *ar, int n_dec)
{
	Oid			lt[5] = {INT8ARRAYOID, INT8ARRAYOID, TEXTARRAYOID, FLOAT4ARRAYOID, TEXTARRAYOID};
	Datum		lv[5] = {dunning_array_datum(lr->id), dunning_array_datum(lr->customer),
		dunning_array_datum(lr->method), dunning_array_datum(lr->confidence),
	dunning_array_datum(lr->explanation)};
	dunning_idmap_hash *code_at;
	Datum	   *codes;

	dunning_spi_exec("WITH d AS (SELECT * FROM ROWS FROM (pg_catalog.unnest($1::int8[]), pg_catalog.unnest($2::int8[]), pg_catalog.unnest($3::text[]), pg_catalog.unnest($4::real[]), pg_catalog.unnest($5::text[]))"
					 "             AS u(letter_id, customer_id, method, confidence, explanation)),"
					 " n AS (SELECT d.*, pg_catalog.row_number() OVER (PARTITION BY d.customer_id ORDER BY d.letter_id) - 1 AS k,"
					 "              pg_catalog.count(*) OVER (PARTITION BY d.customer_id) AS cnt FROM d),"
					 " c AS (INSERT INTO dunning_internal.letter_counter AS lc (customer_id, last_number)"
					 "       SELECT n.customer_id, pg_catalog.max(n.cnt) - 1 FROM n GROUP BY n.customer_id"
					 "       ON CONFLICT (customer_id) DO UPDATE SET last_number = lc.last_number + excluded.last_number + 1"
					 "       RETURNING lc.customer_id, lc.last_number)"
					 " INSERT INTO dunning.letter (letter_id, customer_id, letter_code, method, confidence, explanation)"
					 " SELECT n.letter_id, n.customer_id, dunning.letter_code(c.last_number - n.cnt + 1 + n.k),"
					 "        n.method, n.confidence, n.explanation"
					 "   FROM n JOIN c ON c.customer_id = n.customer_id ORDER BY n.letter_id"
					 " RETURNING letter_id, letter_code",
					 5, lt, lv, SPI_OK_INSERT_RETURNING);
	if (SPI_processed != (uint64) n_dec)
		elog(ERROR, "dunning lettering: wrote " UINT64_FORMAT " letters for %d decisions",
			 SPI_processed, n_dec);
	code_at = dunning_idmap_create(CurrentMemoryContext, n_dec, NULL);
	codes = palloc(sizeof(Datum) * n_dec);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		found;
		bool		isnull;
		HeapTuple	tup = SPI_tuptable->vals[r];

		dunning_idmap_insert(code_at, dunning_spi_int8(tup, SPI_tuptable->tupdesc, 1, 0), &found)->value = (int32) r;
		codes[r] = datumCopy(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull), false, -1);
	}
	SPI_freetuptable(SPI_tuptable);
	for (int k = 0; k < ar->letter->nelems; k++)
	{
		IdEntry    *e = dunning_idmap_lookup(code_at, DatumGetInt64(ar->letter->dvalues[k]));

		if (e == NULL)
			elog(ERROR, "dunning lettering: letter " INT64_FORMAT " was not written",
				 DatumGetInt64(ar->letter->dvalues[k]));
		dunning_array_push(ar->code, codes[e->value]);
	}
}

/* Inserts the allocations, in invoice order: index entries and the totals' updates go page by page. */
static void
insert_allocations(AllocationRows *ar)
{
	Oid			at[9] = {INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, NUMERICARRAYOID, INT8ARRAYOID,
	TEXTARRAYOID, TEXTARRAYOID, FLOAT4ARRAYOID, INT8ARRAYOID};
	Datum		av[9] = {dunning_array_datum(ar->payment), dunning_array_datum(ar->credit_note),
		dunning_array_datum(ar->invoice), dunning_array_datum(ar->amount),
		dunning_array_datum(ar->letter), dunning_array_datum(ar->code),
		dunning_array_datum(ar->method), dunning_array_datum(ar->confidence),
	dunning_array_datum(ar->customer)};

	dunning_spi_exec("INSERT INTO dunning.allocation (customer_id, payment_id, credit_note_id, invoice_id, amount,"
					 "                                letter_id, letter_code, method, confidence)"
					 " SELECT u.customer_id, u.payment_id, u.credit_note_id, u.invoice_id, u.amount, u.letter_id,"
					 "        u.letter_code, u.method, u.confidence"
					 "   FROM ROWS FROM (pg_catalog.unnest($1::int8[]), pg_catalog.unnest($2::int8[]), pg_catalog.unnest($3::int8[]), pg_catalog.unnest($4::numeric[]),"
					 "                   pg_catalog.unnest($5::int8[]), pg_catalog.unnest($6::text[]), pg_catalog.unnest($7::text[]), pg_catalog.unnest($8::real[]),"
					 "                   pg_catalog.unnest($9::int8[]))"
					 "        AS u(payment_id, credit_note_id, invoice_id, amount, letter_id, letter_code, method, confidence,"
					 "             customer_id)"
					 "  ORDER BY u.invoice_id",
					 9, at, av, SPI_OK_INSERT);
}

/* Inserts the bank fees written off, if any. */
static void
insert_write_offs(WriteOffRows *wr)
{
	Oid			wt[5] = {INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, NUMERICARRAYOID, INT8ARRAYOID};
	Datum		wv[5];

	if (wr->invoice->nelems == 0)
		return;
	wv[0] = dunning_array_datum(wr->invoice);
	wv[1] = dunning_array_datum(wr->payment);
	wv[2] = dunning_array_datum(wr->letter);
	wv[3] = dunning_array_datum(wr->amount);
	wv[4] = dunning_array_datum(wr->customer);
	dunning_spi_exec("INSERT INTO dunning.write_off (customer_id, invoice_id, payment_id, letter_id, amount, reason)"
					 " SELECT u.customer_id, u.invoice_id, u.payment_id, u.letter_id, u.amount, 'bank_fee'"
					 "   FROM ROWS FROM (pg_catalog.unnest($1::int8[]), pg_catalog.unnest($2::int8[]), pg_catalog.unnest($3::int8[]), pg_catalog.unnest($4::numeric[]),"
					 "                   pg_catalog.unnest($5::int8[]))"
					 "        AS u(invoice_id, payment_id, letter_id, amount, customer_id)",
					 5, wt, wv, SPI_OK_INSERT);
}

/*
 * A payment of unknown payer becomes the customer of what it is lettered to
 * before its allocations are written (their foreign keys name the payment
 * with its customer), logged in dunning.payer_history so that unlettering
 * gives it back its unknown payer.
 */
static void
identify_payers(const Batch *b, const LetterRows *lr)
{
	ArrayBuildState *pays = dunning_array_new(INT8OID);
	Oid			types[2] = {INT8ARRAYOID, INT8ARRAYOID};
	Datum		values[2];

	for (int k = 0; k < b->n_dec; k++)
		dunning_array_push(pays, Int64GetDatum(b->dec[k].payment_id));
	values[0] = dunning_array_datum(pays);
	values[1] = dunning_array_datum(lr->customer);
	if (dunning_ledger_distributed())
	{
		/* those waiting in the suspense move to their customer's shard */
		dunning_spi_exec("SELECT dunning_internal.identify_payer(u.payment_id, u.customer_id)"
						 "  FROM ROWS FROM (pg_catalog.unnest($1::int8[]), pg_catalog.unnest($2::int8[]))"
						 "       AS u(payment_id, customer_id)"
						 " WHERE u.payment_id IN (SELECT s.payment_id FROM dunning.payment_suspense s)"
						 " ORDER BY u.payment_id",
						 2, types, values, SPI_OK_SELECT);
		return;
	}
	dunning_spi_exec("WITH p AS (UPDATE dunning.payment p SET customer_id = u.customer_id"
					 "             FROM ROWS FROM (pg_catalog.unnest($1::int8[]), pg_catalog.unnest($2::int8[]))"
					 "                  AS u(payment_id, customer_id)"
					 "            WHERE p.payment_id = u.payment_id AND p.customer_id IS NULL"
					 "           RETURNING p.customer_id, p.payment_id)"
					 " INSERT INTO dunning.payer_history (customer_id, payment_id)"
					 " SELECT p.customer_id, p.payment_id FROM p ORDER BY p.payment_id",
					 2, types, values, SPI_OK_INSERT);
}

/* Elapsed time since *t added to *acc; *t restarts. */
static void
lap(instr_time *acc, instr_time *t)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_ACCUM_DIFF(*acc, now, *t);
	*t = now;
}

/* The letters, allocations and write-offs of the batch's decisions. */
static void
write_decisions(Store *st, Batch *b, Totals *tot, instr_time *t)
{
	LetterRows	lr = {dunning_array_new(INT8OID), dunning_array_new(INT8OID), dunning_array_new(TEXTOID),
	dunning_array_new(FLOAT4OID), dunning_array_new(TEXTOID)};
	AllocationRows ar = {dunning_array_new(INT8OID), dunning_array_new(INT8OID), dunning_array_new(INT8OID),
		dunning_array_new(INT8OID), dunning_array_new(NUMERICOID), dunning_array_new(INT8OID),
	dunning_array_new(TEXTOID), dunning_array_new(TEXTOID), dunning_array_new(FLOAT4OID)};
	WriteOffRows wr = {dunning_array_new(INT8OID), dunning_array_new(INT8OID), dunning_array_new(INT8OID),
	dunning_array_new(INT8OID), dunning_array_new(NUMERICOID)};

	draw_letter_ids(b->n_dec, lr.id);
	for (int k = 0; k < b->n_dec; k++)
		decision_rows(st, &b->dec[k], k, &lr, &ar, &wr, tot);
	insert_letters(&lr, &ar, b->n_dec);
	lap(&tot->letters, t);
	identify_payers(b, &lr);
	insert_allocations(&ar);
	insert_write_offs(&wr);
}

/* ------------------------------------------------------------------------
 * Proposals
 * ------------------------------------------------------------------------ */

/* Pending proposals of the examined payments go: this run's replace them. */
static void
delete_pending_proposals(const Batch *b)
{
	ArrayBuildState *ex = dunning_array_new(INT8OID);
	Oid			t[1] = {INT8ARRAYOID};
	Datum		v[1];

	for (int k = 0; k < b->n_examined; k++)
		dunning_array_push(ex, Int64GetDatum(b->examined[k]));
	v[0] = dunning_array_datum(ex);
	dunning_spi_exec("DELETE FROM dunning.proposal WHERE payment_id = ANY ($1) AND status = 'pending'",
					 1, t, v, SPI_OK_DELETE);
}

/* The invoice ids and signed amounts of a proposal, as array literals. */
static void
proposal_arrays(const Store *st, const ProposalRow *pr, StringInfo ids, StringInfo amts)
{
	appendStringInfoChar(ids, '{');
	appendStringInfoChar(amts, '{');
	for (int i = 0; i < pr->a.n; i++)
	{
		const OpenItem *it = &st->items[pr->a.item[i]];

		if (i > 0)
		{
			appendStringInfoChar(ids, ',');
			appendStringInfoChar(amts, ',');
		}
		appendStringInfo(ids, INT64_FORMAT, it->id);
		dunning_append_units(amts, it->amount > 0 ? pr->a.settle[i] : -pr->a.settle[i], pr->currency);
	}
	appendStringInfoChar(ids, '}');
	appendStringInfoChar(amts, '}');
}

/* Inserts the batch's proposals. */
static void
insert_proposals(const Store *st, const Batch *b)
{
	static const Oid elem[9] = {INT8OID, INT4OID, INT8OID, TEXTOID, TEXTOID, NUMERICOID, FLOAT4OID, TEXTOID, TEXTOID};
	Oid			pt[9] = {INT8ARRAYOID, INT4ARRAYOID, INT8ARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
	NUMERICARRAYOID, FLOAT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID};
	ArrayBuildState *col[9];
	Datum		pv[9];

	for (int c = 0; c < 9; c++)
		col[c] = dunning_array_new(elem[c]);
	for (int k = 0; k < b->n_prop; k++)
	{
		const ProposalRow *pr = &b->prop[k];
		StringInfoData ids,
					amts;

		initStringInfo(&ids);
		initStringInfo(&amts);
		proposal_arrays(st, pr, &ids, &amts);
		dunning_array_push(col[0], Int64GetDatum(pr->payment_id));
		dunning_array_push(col[1], Int32GetDatum(pr->rank));
		dunning_array_push(col[2], Int64GetDatum(st->customers[pr->a.customer].id));
		dunning_array_push(col[3], CStringGetTextDatum(ids.data));
		dunning_array_push(col[4], CStringGetTextDatum(amts.data));
		dunning_array_push(col[5], NumericGetDatum(dunning_units_to_numeric(pr->a.write_off, pr->currency)));
		dunning_array_push(col[6], Float4GetDatum(pr->a.confidence));
		dunning_array_push(col[7], CStringGetTextDatum(dunning_method_names[pr->a.method]));
		dunning_array_push(col[8], CStringGetTextDatum(pr->a.reason));
	}
	for (int c = 0; c < 9; c++)
		pv[c] = dunning_array_datum(col[c]);
	dunning_spi_exec("INSERT INTO dunning.proposal (payment_id, rank, customer_id, invoice_ids, amounts, write_off,"
					 "                              confidence, method, reason)"
					 " SELECT u.payment_id, u.rank, u.customer_id, u.ids::int8[], u.amts::numeric[], u.write_off,"
					 "        u.confidence, u.method, u.reason"
					 "   FROM ROWS FROM (pg_catalog.unnest($1::int8[]), pg_catalog.unnest($2::int4[]), pg_catalog.unnest($3::int8[]), pg_catalog.unnest($4::text[]), pg_catalog.unnest($5::text[]), pg_catalog.unnest("
					 "                          $6::numeric[]), pg_catalog.unnest($7::real[]), pg_catalog.unnest($8::text[]), pg_catalog.unnest($9::text[]))"
					 "        AS u(payment_id, rank, customer_id, ids, amts, write_off, confidence, method, reason)",
					 9, pt, pv, SPI_OK_INSERT);
}

/* See letter_write.h. */
void
dunning_write_batch(Store *st, Batch *b, Totals *tot)
{
	instr_time	t;

	INSTR_TIME_SET_CURRENT(t);
	lock_and_verify(st, b);
	lap(&tot->lock, &t);
	if (b->n_dec > 0)
		write_decisions(st, b, tot, &t);
	lap(&tot->allocations, &t);
	if (b->n_examined > 0)
		delete_pending_proposals(b);
	if (b->n_prop > 0)
		insert_proposals(st, b);
	lap(&tot->proposals, &t);
}
