/*
 * letter.c -- the lettering engine's SQL entry points: match incoming
 * payments to the open items they settle.
 *
 * Every signal a remittance carries is weighed together rather than tried
 * rule after rule: structured references (check digits verified), invoice
 * numbers in the text (exact after normalisation, or with typing errors),
 * the payer (given, known by IBAN from lettered history, or by name), the
 * amount (exact, short by a bank fee, one payment for several items found by
 * a bounded subset-sum, partial, over), and dates as a weak signal.  Each
 * candidate answer gets a confidence in [0, 1] with a human-readable reason;
 * auto_letter() letters the best answer when it reaches the threshold and is
 * not ambiguous, and stores the others as proposals.  See doc/lettering.md
 * for the exact confidences.
 *
 * auto_letter() loads every open item once into an in-memory store
 * (letter_store.c), then streams the unlettered payments in batches: it
 * reads each payment's signals (letter_signals.c), finds its answers
 * (letter_match.c, letter_answer.c, letter_subset.c) and writes each batch
 * with a few set-based statements (letter_write.c).  suggest() builds the
 * same store for one payment from indexed look-ups and runs the same
 * matcher, writing nothing.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "company_name.h"
#include "compat.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "iban.h"
#include "letter_match.h"
#include "letter_write.h"
#include "lock_keys.h"
#include "miscadmin.h"
#include "money.h"
#include "scaleout.h"
#include "srf.h"
#include "textmatch.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#define BATCH_PAYMENTS	5000	/* payments decided and written together */
/* Lettering passes before the proposing one. */
#define MAX_LETTER_PASSES 3
#define N_ANSWER_COLUMNS 8		/* of suggest() */
/* Answers below this confidence are not worth a human's time. */
#define PROPOSAL_FLOOR	0.30f
#define PROPOSALS_KEPT	3

PG_FUNCTION_INFO_V1(company_name_words);
/*
 * company_name_words(name text) -> text[]: the words of the name's normal
 * form (dunning.normalize_company_name) that can identify a customer: two
 * bytes or more, each once, in order.  The matcher finds payers by these
 * words; the GIN index customer_name_words_idx finds them for suggest().
 */
Datum
company_name_words(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char		norm[512];
	int			len = dunning_normalize_name(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), norm, sizeof(norm));
	int			start[DUNNING_NAME_WORDS_MAX],
				wlen[DUNNING_NAME_WORDS_MAX];
	int			n = dunning_name_words(norm, len, start, wlen);
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));

	for (int w = 0; w < n; w++)
		elems[w] = PointerGetDatum(cstring_to_text_with_len(norm + start[w], wlen[w]));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(customer_ref_key);
/*
 * customer_ref_key(external_ref text) -> text: the customer number as the
 * matcher compares it with the tokens of remittance text (the invoice
 * number normal form); NULL when shorter than four characters, too short
 * to name a customer.
 */
Datum
customer_ref_key(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char		buf[DUNNING_INV_MAX];
	int			l = dunning_customer_ref_norm(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), buf);

	if (l < 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf, l));
}

PG_FUNCTION_INFO_V1(letter_code);

/*
 * letter_code(n bigint) -> text: the code of the n-th letter group of an
 * account, n from 0: AA..ZZ are 0..675, then AAA..ZZZ, and so on.
 */
Datum
letter_code(PG_FUNCTION_ARGS)
{
	int64		n = PG_GETARG_INT64(0);
	uint64		rest;
	uint64		span = 676;
	int			width = 2;
	char		code[32];

	if (n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("letter number must be >= 0, got " INT64_FORMAT, n)));
	rest = (uint64) n;
	while (rest >= span)
	{
		rest -= span;
		width++;
		/* past this, span * 26 exceeds any int64: the loop would end anyway */
		if (span > PG_UINT64_MAX / 26)
			break;
		span *= 26;
	}
	Assert(width < (int) sizeof(code));
	for (int i = width - 1; i >= 0; i--)
	{
		code[i] = (char) ('A' + rest % 26);
		rest /= 26;
	}
	PG_RETURN_TEXT_P(cstring_to_text_with_len(code, width));
}

/* ------------------------------------------------------------------------
 * auto_letter
 * ------------------------------------------------------------------------ */

/* One auto_letter run: what it decides with, and what it did so far. */
typedef struct LetterRun
{
	Store	   *st;
	Tolerances	tol;
	float4		min_conf;
	bool		timing;			/* the per-payment clock runs (DEBUG1 is seen) */
	Totals		tot;
	MemoryContext batch_cxt;
	instr_time	start;
	const char *unreturned;		/* "" under 0.2.0, which has no payment.returned_on */
} LetterRun;

/* Milliseconds since the run started, for the DEBUG1 report. */
static long
run_ms(const LetterRun *run)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, run->start);
	return (long) INSTR_TIME_GET_MILLISEC(now);
}

/* Every customer, open item, payer IBAN and rejection, into the run's store. */
static void
load_store(LetterRun *run)
{
	char		query[1024];

	INSTR_TIME_SET_CURRENT(run->start);
	run->st = dunning_store_create();
	dunning_store_load_customers(run->st, (Datum) 0);
	elog(DEBUG1, "auto_letter: loaded %d customers in %ld ms", run->st->n_customers, run_ms(run));
	snprintf(query, sizeof(query), "%s ORDER BY i.customer_id, i.due_on, i.invoice_id", dunning_items_select);
	dunning_store_load_items(run->st, query, 0, NULL, NULL);
	elog(DEBUG1, "auto_letter: loaded %d open items at %ld ms", run->st->n_items, run_ms(run));
	dunning_store_load_ibans(run->st);
	dunning_store_load_rejected(run->st, 0);
	elog(DEBUG1, "auto_letter: loaded payer accounts and rejections at %ld ms; the store holds %zu kB",
		 run_ms(run), MemoryContextMemAllocated(run->st->cxt, true) / 1024);
}

/* The ids of the unlettered payments (not returned), oldest first (*n of them). */
static int64 *
unlettered_payments(const LetterRun *run, uint64 *n)
{
	int64	   *ids;
	char		query[1024];

	snprintf(query, sizeof(query), "SELECT p.payment_id FROM %s WHERE p.allocated_amount = 0%s"
			 " ORDER BY p.received_on, p.payment_id", dunning_payments_from(), run->unreturned);
	dunning_spi_exec(query, 0, NULL, NULL, SPI_OK_SELECT);
	*n = SPI_processed;
	ids = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(1, *n));
	for (uint64 r = 0; r < *n; r++)
		ids[r] = dunning_spi_int8(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, 0);
	SPI_freetuptable(SPI_tuptable);
	return ids;
}

/* The payment's answers up to PROPOSALS_KEPT, while worth a human's time. */
static void
propose(Batch *b, const Payment *p, const MatchCtx *cx)
{
	for (int k = 0; k < Min(cx->n, PROPOSALS_KEPT); k++)
	{
		ProposalRow *pr;

		if (cx->ans[k].confidence < PROPOSAL_FLOOR)
			break;
		pr = &b->prop[b->n_prop++];
		pr->payment_id = p->id;
		memcpy(pr->currency, p->currency_code, sizeof(pr->currency));
		pr->rank = k + 1;
		pr->a = cx->ans[k];
	}
}

/*
 * Decides one payment: letters its best answer when sure enough (and not
 * proposing), and later payments of the run see what it settled; else
 * keeps it for the next pass (when it has an answer at all) and, when
 * proposing, proposes its answers.
 */
static void
decide_payment(LetterRun *run, Batch *b, const Payment *p, bool proposing, int64 *ids, uint64 *kept)
{
	Signals		sig;
	MatchCtx	cx;
	instr_time	t0,
				t1;

	if (run->timing)
		INSTR_TIME_SET_CURRENT(t0);
	dunning_text_signals(p, &sig);
	dunning_find_payer(run->st, p, &sig);
	cx.st = run->st;
	cx.p = p;
	cx.sig = &sig;
	cx.tol = &run->tol;
	dunning_match_payment(&cx);
	if (run->timing)
	{
		INSTR_TIME_SET_CURRENT(t1);
		INSTR_TIME_ACCUM_DIFF(run->tot.match, t1, t0);
	}
	if (!proposing && cx.n > 0 && cx.ans[0].confidence >= run->min_conf)
	{
		Decision   *d = &b->dec[b->n_dec++];

		d->payment_id = p->id;
		memcpy(d->currency, p->currency_code, sizeof(d->currency));
		d->a = cx.ans[0];
		for (int i = 0; i < d->a.n; i++)
			run->st->items[d->a.item[i]].open -= d->a.settle[i];
		return;
	}
	/* a payment without any answer cannot gain one from others' lettering */
	if (cx.n == 0)
		return;
	ids[(*kept)++] = p->id;
	if (proposing && cx.ans[0].confidence >= PROPOSAL_FLOOR)
	{
		propose(b, p, &cx);
		run->tot.proposed++;
	}
}

/*
 * Decides and writes the payments ids[from .. from + BATCH_PAYMENTS - 1]
 * that are still unlettered, in the batch memory context.
 */
static void
run_batch(LetterRun *run, int pass, bool proposing, int64 *ids, uint64 from, uint64 n_ids, uint64 *kept)
{
	MemoryContext old;
	Batch		b = {0};
	ArrayBuildState *chunk;
	Oid			t[1] = {INT8ARRAYOID};
	Datum		v[1];
	char		query[1024];
	uint64		n;
	SPITupleTable *tt;

	MemoryContextReset(run->batch_cxt);
	old = MemoryContextSwitchTo(run->batch_cxt);
	chunk = dunning_array_new(INT8OID);
	for (uint64 r = from; r < Min(from + BATCH_PAYMENTS, n_ids); r++)
		dunning_array_push(chunk, Int64GetDatum(ids[r]));
	v[0] = dunning_array_datum(chunk);
	snprintf(query, sizeof(query), "%s%s WHERE p.payment_id = ANY ($1) AND p.allocated_amount = 0%s"
			 " ORDER BY p.received_on, p.payment_id", dunning_payments_select, dunning_payments_from(),
			 run->unreturned);
	dunning_spi_exec(query, 1, t, v, SPI_OK_SELECT);
	tt = SPI_tuptable;
	n = SPI_processed;
	b.dec = palloc(sizeof(Decision) * Max(1, n));
	b.prop = palloc(sizeof(ProposalRow) * Max(1, n) * PROPOSALS_KEPT);
	b.examined = palloc(sizeof(int64) * Max(1, n));
	for (uint64 r = 0; r < n; r++)
	{
		Payment		p;

		CHECK_FOR_INTERRUPTS();
		dunning_read_payment(tt->vals[r], tt->tupdesc, &p, false);
		b.examined[b.n_examined++] = p.id;
		decide_payment(run, &b, &p, proposing, ids, kept);
	}
	SPI_freetuptable(tt);
	/* stale proposals go in the first pass, new ones come in the last */
	if (pass > 1 && !proposing)
		b.n_examined = 0;
	dunning_write_batch(run->st, &b, &run->tot);
	MemoryContextSwitchTo(old);
}

/*
 * One pass over the payments ids[0..n_ids-1]; those kept for the next pass
 * are moved to the front of ids.  Returns how many are kept.
 */
static uint64
run_pass(LetterRun *run, int pass, bool proposing, int64 *ids, uint64 n_ids)
{
	uint64		kept = 0;
	int64		before = run->tot.lettered;

	for (uint64 from = 0; from < n_ids; from += BATCH_PAYMENTS)
		run_batch(run, pass, proposing, ids, from, n_ids, &kept);
	elog(DEBUG1, "auto_letter: pass %d (%s) over " UINT64_FORMAT " payments: " INT64_FORMAT " lettered, at %ld ms;"
		 " so far matching %ld ms, locking %ld ms, letters %ld ms, allocations %ld ms, proposals %ld ms",
		 pass, proposing ? "proposing" : "lettering", n_ids, run->tot.lettered - before, run_ms(run),
		 (long) INSTR_TIME_GET_MILLISEC(run->tot.match), (long) INSTR_TIME_GET_MILLISEC(run->tot.lock),
		 (long) INSTR_TIME_GET_MILLISEC(run->tot.letters), (long) INSTR_TIME_GET_MILLISEC(run->tot.allocations),
		 (long) INSTR_TIME_GET_MILLISEC(run->tot.proposals));
	return kept;
}

/*
 * Letters in passes: a payment left unsure may become sure once later
 * payments have settled the items that competed with its answer.  Then
 * one pass proposes, against the final state, for what is left.
 */
static void
letter_all(LetterRun *run)
{
	uint64		n_ids;
	int64	   *ids = unlettered_payments(run, &n_ids);
	int64		lettered_last = 0;

	run->tot.examined = n_ids;
	for (int pass = 1; pass <= MAX_LETTER_PASSES + 1; pass++)
	{
		bool		proposing = (pass > MAX_LETTER_PASSES || (pass > 1 && lettered_last == 0));
		int64		before = run->tot.lettered;

		n_ids = run_pass(run, pass, proposing, ids, n_ids);
		lettered_last = run->tot.lettered - before;
		if (proposing)
			break;
	}
}

/* The result row of auto_letter, built in the caller's context. */
static Datum
totals_datum(TupleDesc tupdesc, const Totals *tot)
{
	Datum		values[7];
	bool		nulls[7] = {false};

	values[0] = Int64GetDatum(tot->examined);
	values[1] = Int64GetDatum(tot->lettered);
	values[2] = Int64GetDatum(tot->proposed);
	values[3] = Int64GetDatum(tot->examined - tot->lettered - tot->proposed);
	values[4] = DirectFunctionCall1(numeric_trim_scale,
									NumericGetDatum(dunning_scaled_to_numeric(tot->amount_units, DUNNING_AMOUNT_SCALE)));
	values[5] = Int64GetDatum(tot->write_offs);
	values[6] = DirectFunctionCall1(numeric_trim_scale,
									NumericGetDatum(dunning_scaled_to_numeric(tot->write_off_units, DUNNING_AMOUNT_SCALE)));
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/*
 * auto_letter(min_confidence real) -> (examined, lettered, proposed,
 * left_unmatched, amount_lettered, write_offs, write_off_amount).
 * unreturned: the condition that leaves out the payments the bank returned.
 */
static Datum
letter_entry(FunctionCallInfo fcinfo, const char *unreturned)
{
	LetterRun	run = {0};
	TupleDesc	tupdesc;
	Oid			lock_type[1] = {INT8OID};
	Datum		lock_value[1] = {Int64GetDatum(dunning_lock_key("auto_letter"))};
	int			ret;

	run.unreturned = unreturned;
	run.min_conf = PG_ARGISNULL(0) ? 0.9f : PG_GETARG_FLOAT4(0);
	if (isnan(run.min_conf) || run.min_conf <= 0.0f || run.min_conf > 1.0f)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_confidence must be in (0, 1], got %g", run.min_conf),
				 errhint("0.9 letters what is certain; lower values letter more and risk more.")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "auto_letter must return a composite");
	tupdesc = BlessTupleDesc(tupdesc);
	run.timing = message_level_is_interesting(DEBUG1);

	if ((ret = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(ret));
	/* one auto_letter at a time; the second waits, then sees the first's work */
	dunning_spi_exec("SELECT pg_catalog.pg_advisory_xact_lock($1)", 1, lock_type, lock_value, SPI_OK_SELECT);
	dunning_load_tolerances(&run.tol);
	load_store(&run);
	run.batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "dunning lettering batch", ALLOCSET_DEFAULT_SIZES);
	letter_all(&run);
	SPI_finish();
	PG_RETURN_DATUM(totals_datum(tupdesc, &run.tot));
}

/*
 * The SQL auto_letter of 0.3.0 (returned payments are not lettered), and
 * 0.2.0's symbol, which the frozen 0.2.0 scripts bind and whose payment
 * table has no returned_on (contrib's pattern: a new symbol per signature).
 */
PG_FUNCTION_INFO_V1(auto_letter_0_3);
PG_FUNCTION_INFO_V1(auto_letter);

Datum
auto_letter_0_3(PG_FUNCTION_ARGS)
{
	return letter_entry(fcinfo, " AND p.returned_on IS NULL");
}

Datum
auto_letter(PG_FUNCTION_ARGS)
{
	return letter_entry(fcinfo, "");
}

/* ------------------------------------------------------------------------
 * suggest
 * ------------------------------------------------------------------------ */

/* One answer of suggest(), kept past SPI_finish. */
typedef struct OutRow
{
	int64		customer_id;
	int			n;
	int64		ids[MAX_ANSWER_ITEMS];
	int64		signed_units[MAX_ANSWER_ITEMS];
	int64		write_off;
	float4		confidence;
	Method		method;
	char		reason[480];
} OutRow;

/* The ids of the last statement's rows (first column, int8) onto an array. */
static void
push_ids(ArrayBuildState *a)
{
	for (uint64 r = 0; r < SPI_processed; r++)
		dunning_array_push(a, Int64GetDatum(dunning_spi_int8(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, 0)));
}

/*
 * The payer-name words that can name a customer ("rare"); those borne by
 * more than COMMON_WORD customers, counted over all customers, are marked
 * in st->common_words so that the matcher scores exactly the candidates it
 * scores with every customer loaded.
 */
static ArrayBuildState *
rare_name_words(Store *st, const Payment *p)
{
	ArrayBuildState *words = dunning_array_new(TEXTOID);
	ArrayBuildState *rare = dunning_array_new(TEXTOID);
	char		norm[512];
	int			len,
				n_w,
				start[DUNNING_NAME_WORDS_MAX],
				wlen[DUNNING_NAME_WORDS_MAX];
	Oid			t2[2] = {TEXTARRAYOID, INT4OID};
	Datum		v2[2];

	if (p->payer_name == NULL)
		return rare;
	len = dunning_normalize_name(p->payer_name, Min((int) strlen(p->payer_name), 1024), norm, sizeof(norm));
	n_w = dunning_name_words(norm, len, start, wlen);
	for (int w = 0; w < n_w; w++)
		dunning_array_push(words, PointerGetDatum(cstring_to_text_with_len(norm + start[w], wlen[w])));
	if (words->nelems == 0)
		return rare;
	if (dunning_ledger_distributed())
	{
		/* Citus plans no correlated subquery: one count per word */
		for (int w = 0; w < words->nelems; w++)
		{
			Oid			t[2] = {TEXTOID, INT4OID};
			Datum		v[2] = {words->dvalues[w], Int32GetDatum(COMMON_WORD)};
			bool		isnull;

			dunning_spi_exec("SELECT pg_catalog.count(*) > $2 FROM (SELECT 1 FROM dunning.customer c"
							 " WHERE dunning.company_name_words(c.name) @> ARRAY[$1] LIMIT $2 + 1) x",
							 2, t, v, SPI_OK_SELECT);
			if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
				dunning_store_mark_common_word(st, TextDatumGetCString(words->dvalues[w]));
			else
				dunning_array_push(rare, words->dvalues[w]);
		}
		return rare;
	}
	v2[0] = dunning_array_datum(words);
	v2[1] = Int32GetDatum(COMMON_WORD);
	/* each word's customers, counted up to one past the limit */
	dunning_spi_exec("SELECT w.word, (SELECT pg_catalog.count(*) FROM (SELECT 1 FROM dunning.customer c"
					 "                 WHERE dunning.company_name_words(c.name) @> ARRAY[w.word] LIMIT $2 + 1) x) > $2"
					 "  FROM pg_catalog.unnest($1) AS w(word)",
					 2, t2, v2, SPI_OK_SELECT);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		bool		isnull;
		char	   *w = dunning_spi_text(tup, SPI_tuptable->tupdesc, 1);

		if (DatumGetBool(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull)))
			dunning_store_mark_common_word(st, w);
		else
			dunning_array_push(rare, CStringGetTextDatum(w));
	}
	return rare;
}

/* The payers of lettered payments from this account (payment_payer_iban_idx). */
static ArrayBuildState *
iban_payers(const char *iban)
{
	ArrayBuildState *custs = dunning_array_new(INT8OID);
	Oid			t1[1] = {TEXTOID};
	Datum		v1[1];

	if (iban == NULL)
		return custs;
	v1[0] = CStringGetTextDatum(iban);
	dunning_spi_exec("SELECT DISTINCT p.customer_id FROM dunning.payment p"
					 " WHERE p.payer_iban IS NOT NULL AND p.customer_id IS NOT NULL AND p.allocated_amount > 0"
					 "   AND pg_catalog.upper(pg_catalog.replace(p.payer_iban, ' ', '')) = $1",
					 1, t1, v1, SPI_OK_SELECT);
	push_ids(custs);
	return custs;
}

/*
 * The customers one payment can concern, loaded into st, instead of every
 * customer (auto_letter's store): the given payer, the payers of lettered
 * payments from the same IBAN, customers whose number is quoted in the text,
 * customers sharing a name word with the payer name (the GIN index on
 * dunning.company_name_words), and those of the open items already found
 * (custs).
 */
static void
suggest_load_customers(Store *st, const Payment *p, const char *iban, ArrayBuildState *custs, Datum tokens)
{
	ArrayBuildState *rare = rare_name_words(st, p);
	ArrayBuildState *iban_custs = iban_payers(iban);
	ArrayBuildState *ids = dunning_array_new(INT8OID);
	Oid			t3[3] = {INT8OID, TEXTARRAYOID, TEXTARRAYOID};
	Datum		v3[3] = {Int64GetDatum(p->customer_id), tokens, dunning_array_datum(rare)};
	char		nulls[3] = {p->customer_id == 0 ? 'n' : ' ', ' ', ' '};

	if (SPI_execute_with_args("SELECT $1 WHERE $1 IS NOT NULL"
							  " UNION SELECT c.customer_id FROM dunning.customer c"
							  "  WHERE dunning.customer_ref_key(c.external_ref) = ANY ($2)"
							  " UNION SELECT c.customer_id FROM dunning.customer c"
							  "  WHERE dunning.company_name_words(c.name) && $3",
							  3, t3, v3, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "dunning lettering: could not find the candidate customers");
	push_ids(ids);
	for (int k = 0; k < custs->nelems; k++)
		dunning_array_push(ids, custs->dvalues[k]);
	for (int k = 0; k < iban_custs->nelems; k++)
		dunning_array_push(ids, iban_custs->dvalues[k]);
	dunning_store_load_customers(st, dunning_array_datum(ids));
	/* the account names its payer when only one customer paid from it (as store_load_ibans) */
	if (iban_custs->nelems > 0)
		dunning_store_set_iban(st, iban, iban_custs->nelems == 1 ?
							   dunning_store_customer(st, DatumGetInt64(iban_custs->dvalues[0])) : -1);
}

/* Customers whose open items the text or the amount points at (in the payment's currency). */
static ArrayBuildState *
item_customers(const Payment *p, Datum tokens, Datum refs)
{
	ArrayBuildState *custs = dunning_array_new(INT8OID);
	Oid			t4[4] = {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, INT8OID};
	Datum		v4[4] = {CStringGetTextDatum(p->currency_code), tokens, refs, Int64GetDatum(p->amount)};

	dunning_spi_exec("SELECT DISTINCT i.customer_id FROM dunning.invoice i"
					 " WHERE i.settled_amount < pg_catalog.abs(i.amount) AND i.currency = $1::bpchar"
					 "   AND (dunning.normalize_invoice_number(i.invoice_number) = ANY ($2)"
					 "        OR (i.reference IS NOT NULL AND dunning.reference_normalize(i.reference) = ANY ($3))"
					 "        OR pg_catalog.abs(i.amount) * 10000 = $4)",
					 4, t4, v4, SPI_OK_SELECT);
	push_ids(custs);
	return custs;
}

/*
 * The store of one payment: the customers it can concern and their open
 * items, its rejected answers; sig gets its signals, payer included.
 */
static Store *
suggest_store(const Payment *p, Signals *sig)
{
	Store	   *st = dunning_store_create();
	ArrayBuildState *tokens = dunning_array_new(TEXTOID);
	ArrayBuildState *refs = dunning_array_new(TEXTOID);
	ArrayBuildState *custs;
	Oid			tc[1] = {INT8ARRAYOID};
	Datum		vc[1];
	Datum		token_array;
	char		iban[DUNNING_IBAN_MAX + 1];
	bool		have_iban;
	char		query[1024];

	/* the text's tokens and references need no customer */
	dunning_text_signals(p, sig);
	for (int t = 0; t < sig->n_tokens; t++)
		dunning_array_push(tokens, PointerGetDatum(cstring_to_text_with_len(sig->tokens[t].norm, sig->tokens[t].len)));
	for (int r = 0; r < sig->n_refs; r++)
		dunning_array_push(refs, CStringGetTextDatum(sig->refs[r].norm));
	token_array = dunning_array_datum(tokens);
	custs = item_customers(p, token_array, dunning_array_datum(refs));
	have_iban = p->payer_iban != NULL &&
		dunning_iban_normalize(p->payer_iban, Min((int) strlen(p->payer_iban), 64), iban);
	suggest_load_customers(st, p, have_iban ? iban : NULL, custs, token_array);
	dunning_store_load_rejected(st, p->id);
	dunning_find_payer(st, p, sig);
	if (sig->payer >= 0)
		dunning_array_push(custs, Int64GetDatum(st->customers[sig->payer].id));
	vc[0] = dunning_array_datum(custs);
	snprintf(query, sizeof(query), "%s AND i.customer_id = ANY ($1) ORDER BY i.customer_id, i.due_on, i.invoice_id",
			 dunning_items_select);
	dunning_store_load_items(st, query, 1, tc, vc);
	return st;
}

/* The matcher's answers for p, at most max_results, into rows; how many. */
static int
suggest_answers(const Payment *p, int max_results, OutRow *rows)
{
	Tolerances	tol;
	Signals		sig;
	MatchCtx	cx;
	Store	   *st;
	int			n_rows = 0;

	dunning_load_tolerances(&tol);
	st = suggest_store(p, &sig);
	cx.st = st;
	cx.p = p;
	cx.sig = &sig;
	cx.tol = &tol;
	dunning_match_payment(&cx);
	for (int k = 0; k < Min(cx.n, max_results); k++)
	{
		OutRow	   *o = &rows[n_rows++];
		const Answer *a = &cx.ans[k];

		o->customer_id = st->customers[a->customer].id;
		o->n = a->n;
		for (int i = 0; i < a->n; i++)
		{
			const OpenItem *it = &st->items[a->item[i]];

			o->ids[i] = it->id;
			o->signed_units[i] = it->amount > 0 ? a->settle[i] : -a->settle[i];
		}
		o->write_off = a->write_off;
		o->confidence = a->confidence;
		o->method = a->method;
		memcpy(o->reason, a->reason, sizeof(o->reason));
	}
	return n_rows;
}

/* One result row of suggest(). */
static void
put_answer(ReturnSetInfo *rsinfo, int rank, const OutRow *o, const char *currency)
{
	Datum		vals[N_ANSWER_COLUMNS];
	bool		nulls[N_ANSWER_COLUMNS] = {false};
	Datum		ids[MAX_ANSWER_ITEMS];
	Datum		amts[MAX_ANSWER_ITEMS];

	for (int i = 0; i < o->n; i++)
	{
		ids[i] = Int64GetDatum(o->ids[i]);
		amts[i] = NumericGetDatum(dunning_units_to_numeric(o->signed_units[i], currency));
	}
	vals[0] = Int32GetDatum(rank);
	vals[1] = Int64GetDatum(o->customer_id);
	vals[2] = PointerGetDatum(construct_array(ids, o->n, INT8OID, 8, true, TYPALIGN_DOUBLE));
	vals[3] = PointerGetDatum(construct_array(amts, o->n, NUMERICOID, -1, false, TYPALIGN_INT));
	vals[4] = NumericGetDatum(dunning_units_to_numeric(o->write_off, currency));
	vals[5] = Float4GetDatum(o->confidence);
	vals[6] = CStringGetTextDatum(dunning_method_names[o->method]);
	vals[7] = CStringGetTextDatum(o->reason);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
}

PG_FUNCTION_INFO_V1(suggest);

/*
 * suggest(payment_id bigint, max_results int) -> SETOF (rank, customer_id,
 * invoice_ids, amounts, write_off, confidence, method, reason): the
 * matcher's answers for one payment (for what of it is not yet allocated),
 * best first; writes nothing.
 */
Datum
suggest(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		payment_id = PG_GETARG_INT64(0);
	int32		max_results = PG_ARGISNULL(1) ? 5 : PG_GETARG_INT32(1);
	Oid			t1[1] = {INT8OID};
	Datum		v1[1] = {Int64GetDatum(payment_id)};
	char		query[1024];
	Payment		p;
	OutRow	   *rows;
	int			n_rows = 0;
	int			ret;

	if (max_results < 1 || max_results > MAX_ANSWERS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_results must be between 1 and %d, got %d", MAX_ANSWERS, max_results)));
	dunning_init_srf(fcinfo, N_ANSWER_COLUMNS);
	rows = palloc(sizeof(OutRow) * MAX_ANSWERS);

	if ((ret = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(ret));
	snprintf(query, sizeof(query), "%s%s WHERE p.payment_id = $1", dunning_payments_select, dunning_payments_from());
	dunning_spi_exec(query, 1, t1, v1, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("payment " INT64_FORMAT " does not exist", payment_id)));
	dunning_read_payment(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, &p, true);
	if (p.amount > 0)
		n_rows = suggest_answers(&p, max_results, rows);
	SPI_finish();

	for (int k = 0; k < n_rows; k++)
		put_answer(rsinfo, k + 1, &rows[k], p.currency_code);
	return (Datum) 0;
}
