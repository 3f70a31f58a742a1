/*
 * letter_store.c -- the lettering engine's in-memory store (see
 * letter_store.h).
 *
 * auto_letter() loads every open item once (about 120 bytes per open item
 * plus its strings), every customer and the word index of their names, the
 * IBANs seen on lettered payments and the rejected answers; suggest() loads
 * the same for the few customers one payment can concern.  The matcher then
 * never queries the database while it decides.  Items are loaded ordered by
 * customer, so a customer's items are contiguous; items sharing a key are
 * chained newest first, as they were loaded.
 */
#include "postgres.h"

#include "letter_store.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "company_name.h"
#include "executor/spi.h"
#include "iban.h"
#include "money.h"
#include "miscadmin.h"
#include "reference.h"
#include "textmatch.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/* ------------------------------------------------------------------------
 * The hash tables (lib/simplehash.h), keyed on real keys
 * ------------------------------------------------------------------------ */

/* Hash of a 64-bit key. */
static inline uint32
hash_int64(int64 k)
{
	return hash_combine(murmurhash32((uint32) k), murmurhash32((uint32) ((uint64) k >> 32)));
}

/* Hash and equality of string keys: the bytes, not a terminator. */
static inline uint32
hash_strkey(StrKey k)
{
	return hash_bytes((const unsigned char *) k.str, k.len);
}

static inline bool
strkey_equal(StrKey a, StrKey b)
{
	return a.len == b.len && memcmp(a.str, b.str, a.len) == 0;
}

#define SH_PREFIX		dunning_strmap
#define SH_ELEMENT_TYPE StrEntry
#define SH_KEY_TYPE		StrKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, k) hash_strkey(k)
#define SH_EQUAL(tb, a, b) strkey_equal(a, b)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) a->hash
#define SH_SCOPE		extern
#define SH_DEFINE
#include "lib/simplehash.h"

#define SH_PREFIX		dunning_wordmap
#define SH_ELEMENT_TYPE WordEntry
#define SH_KEY_TYPE		StrKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, k) hash_strkey(k)
#define SH_EQUAL(tb, a, b) strkey_equal(a, b)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) a->hash
#define SH_SCOPE		extern
#define SH_DEFINE
#include "lib/simplehash.h"

#define SH_PREFIX		dunning_idmap
#define SH_ELEMENT_TYPE IdEntry
#define SH_KEY_TYPE		int64
#define SH_KEY			key
#define SH_HASH_KEY(tb, k) hash_int64(k)
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE		extern
#define SH_DEFINE
#include "lib/simplehash.h"

#define SH_PREFIX		dunning_amtmap
#define SH_ELEMENT_TYPE AmountEntry
#define SH_KEY_TYPE		AmountKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, k) hash_combine(hash_int64((k).units), murmurhash32((k).currency))
#define SH_EQUAL(tb, a, b) ((a).units == (b).units && (a).currency == (b).currency)
#define SH_SCOPE		extern
#define SH_DEFINE
#include "lib/simplehash.h"

/* Hash of an answer: the payment and its items, in ascending id order. */
static inline uint32
hash_answer(const AnswerKey *k)
{
	uint32		h = hash_int64(k->payment_id);

	for (int i = 0; i < k->n; i++)
		h = hash_combine(h, hash_int64(k->ids[i]));
	return h;
}

/* Equality of answer keys: same payment, same sorted items. */
static inline bool
answer_equal(const AnswerKey *a, const AnswerKey *b)
{
	return a->payment_id == b->payment_id && a->n == b->n &&
		memcmp(a->ids, b->ids, sizeof(int64) * a->n) == 0;
}

#define SH_PREFIX		dunning_answerset
#define SH_ELEMENT_TYPE AnswerEntry
#define SH_KEY_TYPE		AnswerKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, k) hash_answer(&(k))
#define SH_EQUAL(tb, a, b) answer_equal(&(a), &(b))
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) a->hash
#define SH_SCOPE		extern
#define SH_DEFINE
#include "lib/simplehash.h"

/* ------------------------------------------------------------------------
 * Small utilities
 * ------------------------------------------------------------------------ */

/* See letter_store.h. */
uint32
dunning_pack_currency(const char *c)
{
	uint32		v = 0;

	for (int i = 0; i < 3; i++)
	{
		v = (v << 8) | (unsigned char) c[i];
		if (c[i] == '\0')
		{
			v <<= 8 * (2 - i);
			break;
		}
	}
	return v;
}

/* A NUL-terminated copy of s[0..len-1] in the current memory context. */
static char *
store_strdup(const char *s, int len)
{
	char	   *p = palloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Text of a SPI column as a fresh C string in CurrentMemoryContext, or NULL. */
char *
dunning_spi_text(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	if (isnull)
		return NULL;
	return text_to_cstring(DatumGetTextPP(d));
}

/* See letter_store.h. */
int64
dunning_spi_int8(HeapTuple tup, TupleDesc desc, int col, int64 missing)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? missing : DatumGetInt64(d);
}

/* See letter_store.h. */
void
dunning_spi_exec(const char *sql, int nargs, Oid *types, Datum *values, int expect)
{
	int			ret = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0);

	if (ret != expect)
		elog(ERROR, "dunning lettering: statement failed (%s): %s", SPI_result_code_string(ret), sql);
}

/* See letter_store.h. */
int64
dunning_tolerance_for(const Tolerances *tol, uint32 currency, int64 open)
{
	const Tolerance *t = &tol->fallback;

	for (int i = 0; i < tol->n; i++)
		if (tol->t[i].currency == currency)
			t = &tol->t[i];
	return Min(t->amount, open * t->percent_x100 / 10000);
}

/* The fee tolerances of dunning.lettering_setting; '*' is the fallback. */
void
dunning_load_tolerances(Tolerances *tol)
{
	int			ret = SPI_execute("SELECT currency::text, (fee_tolerance_amount * 10000)::int8,"
								  " (fee_tolerance_percent * 100)::int8 FROM dunning.lettering_setting"
								  " ORDER BY currency LIMIT 64", true, 0);

	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read dunning.lettering_setting: %s", SPI_result_code_string(ret));
	tol->n = 0;
	tol->fallback.currency = 0;
	tol->fallback.amount = 15 * DUNNING_AMOUNT_FACTOR;
	tol->fallback.percent_x100 = 200;
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *c = dunning_spi_text(tup, desc, 1);
		Tolerance	t;

		t.currency = dunning_pack_currency(c);
		t.amount = dunning_spi_int8(tup, desc, 2, 0);
		t.percent_x100 = dunning_spi_int8(tup, desc, 3, 0);
		if (strcmp(c, "*") == 0)
			tol->fallback = t;
		else
			tol->t[tol->n++] = t;
	}
}

/* ------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------ */

/* See letter_store.h. */
Store *
dunning_store_create(void)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "dunning lettering store",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Store	   *st = palloc0(sizeof(Store));

	st->cxt = cxt;
	st->cap_items = 1024;
	st->items = palloc_extended(sizeof(OpenItem) * st->cap_items, MCXT_ALLOC_HUGE);
	st->cap_customers = 1024;
	st->customers = palloc_extended(sizeof(Customer) * st->cap_customers, MCXT_ALLOC_HUGE);
	st->cap_postings = 4096;
	st->postings = palloc_extended(sizeof(NamePosting) * st->cap_postings, MCXT_ALLOC_HUGE);
	/* small at first: suggest's store stays small, auto_letter's grows */
	st->by_ref = dunning_strmap_create(cxt, 64, NULL);
	st->by_num = dunning_strmap_create(cxt, 64, NULL);
	st->by_amt = dunning_amtmap_create(cxt, 64, NULL);
	st->by_customer = dunning_idmap_create(cxt, 64, NULL);
	st->by_iban = dunning_strmap_create(cxt, 64, NULL);
	st->by_ext_ref = dunning_strmap_create(cxt, 64, NULL);
	st->words = dunning_wordmap_create(cxt, 64, NULL);
	st->common_words = dunning_strmap_create(cxt, 16, NULL);
	st->rejected = dunning_answerset_create(cxt, 16, NULL);
	MemoryContextSwitchTo(old);
	return st;
}

/* What a loader does with one row of its cursor. */
typedef void (*RowLoader) (Store *st, HeapTuple tup, TupleDesc desc);

/* Feeds every row of an open cursor to load, 10,000 at a time, and closes it. */
static void
load_rows(Store *st, Portal portal, RowLoader load)
{
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 r = 0; r < SPI_processed; r++)
			load(st, SPI_tuptable->vals[r], SPI_tuptable->tupdesc);
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
}

/*
 * The customer's number, as debtors quote it in remittances, names it;
 * a key two customers share names nobody (-1).
 */
static void
index_customer_number(Store *st, const char *ext, int32 customer)
{
	char		buf[DUNNING_INV_MAX];
	int			l = dunning_customer_ref_norm(ext, strlen(ext), buf);
	StrKey		key = {buf, l};
	StrEntry   *e;
	bool		found;

	if (l <= 0)
		return;
	e = dunning_strmap_insert(st->by_ext_ref, key, &found);
	if (!found)
		e->key.str = pnstrdup(buf, l);
	e->value = found && e->value != customer ? -1 : customer;
}

/*
 * The words of the customer's name that can identify it, each posted once
 * (customers are loaded in customer_id order, so each word's customers
 * are in that order too, whether every customer is loaded or only some).
 */
static void
index_name_words(Store *st, const char *name, int32 customer)
{
	char		norm[512];
	int			len = dunning_normalize_name(name, strlen(name), norm, sizeof(norm));
	int			start[DUNNING_NAME_WORDS_MAX],
				wlen[DUNNING_NAME_WORDS_MAX];
	int			n_w = dunning_name_words(norm, len, start, wlen);

	for (int w = 0; w < n_w; w++)
	{
		StrKey		key = {norm + start[w], wlen[w]};
		bool		found;
		WordEntry  *e = dunning_wordmap_insert(st->words, key, &found);

		if (st->n_postings == st->cap_postings)
		{
			st->cap_postings *= 2;
			st->postings = repalloc_huge(st->postings, sizeof(NamePosting) * st->cap_postings);
		}
		st->postings[st->n_postings].customer = customer;
		st->postings[st->n_postings].next = -1;
		if (!found)
		{
			e->key.str = pnstrdup(key.str, key.len);
			e->first = st->n_postings;
			e->count = 0;
		}
		else
			st->postings[e->last].next = st->n_postings;
		e->last = st->n_postings++;
		e->count++;
	}
}

/* One customer row: id, name, external_ref. */
static void
load_customer(Store *st, HeapTuple tup, TupleDesc desc)
{
	MemoryContext old = MemoryContextSwitchTo(st->cxt);
	int32		idx = st->n_customers;
	Customer   *c;
	char	   *ext;
	bool		found;

	if (st->n_customers == st->cap_customers)
	{
		st->cap_customers *= 2;
		st->customers = repalloc_huge(st->customers, sizeof(Customer) * st->cap_customers);
	}
	c = &st->customers[idx];
	c->id = dunning_spi_int8(tup, desc, 1, 0);
	c->name = dunning_spi_text(tup, desc, 2);
	c->first_item = 0;
	c->n_items = 0;
	dunning_idmap_insert(st->by_customer, c->id, &found)->value = idx;
	ext = dunning_spi_text(tup, desc, 3);
	if (ext != NULL)
	{
		index_customer_number(st, ext, idx);
		pfree(ext);
	}
	index_name_words(st, c->name, idx);
	st->n_customers++;
	MemoryContextSwitchTo(old);
}

/* See letter_store.h. */
void
dunning_store_load_customers(Store *st, Datum ids)
{
	Portal		portal;
	Oid			types[1] = {INT8ARRAYOID};
	Datum		values[1] = {ids};

	if (ids == (Datum) 0)
		portal = SPI_cursor_open_with_args(NULL,
										   "SELECT customer_id, name, external_ref FROM dunning.customer ORDER BY customer_id",
										   0, NULL, NULL, NULL, true, 0);
	else
		portal = SPI_cursor_open_with_args(NULL,
										   "SELECT customer_id, name, external_ref FROM dunning.customer"
										   " WHERE customer_id = ANY ($1) ORDER BY customer_id",
										   1, types, values, NULL, true, 0);
	load_rows(st, portal, load_customer);
}

const char	dunning_items_select[] =
"SELECT i.invoice_id, i.customer_id, i.invoice_number, i.reference, i.currency::text,"
" (i.amount * 10000)::int8, ((pg_catalog.abs(i.amount) - i.settled_amount) * 10000)::int8,"
" i.issued_on, i.due_on"
" FROM dunning.invoice i WHERE i.settled_amount < pg_catalog.abs(i.amount)";

/* The item's columns (dunning_items_select) into *it, strings in the store. */
static void
read_item(HeapTuple tup, TupleDesc desc, OpenItem *it)
{
	bool		isnull;
	char		buf[DUNNING_INV_MAX];
	char	   *s;

	it->id = dunning_spi_int8(tup, desc, 1, 0);
	it->customer_id = dunning_spi_int8(tup, desc, 2, 0);
	it->number = dunning_spi_text(tup, desc, 3);
	it->number_len = dunning_normalize_invoice(it->number, strlen(it->number), buf, DUNNING_INV_MAX);
	it->number_norm = store_strdup(buf, it->number_len);
	s = dunning_spi_text(tup, desc, 4);
	it->reference = NULL;
	if (s != NULL)
	{
		char		ref[DUNNING_REF_MAX + 1];

		if (dunning_reference_normalize(s, strlen(s), ref))
			it->reference = pstrdup(ref);
		pfree(s);
	}
	s = dunning_spi_text(tup, desc, 5);
	it->currency = dunning_pack_currency(s);
	pfree(s);
	it->amount = dunning_spi_int8(tup, desc, 6, 0);
	it->open = dunning_spi_int8(tup, desc, 7, 0);
	it->issued = DatumGetDateADT(SPI_getbinval(tup, desc, 8, &isnull));
	it->due = DatumGetDateADT(SPI_getbinval(tup, desc, 9, &isnull));
	it->next_ref = it->next_num = it->next_amt = -1;
}

/* Puts item idx at the head of its chains: reference, number, amount. */
static void
chain_item(Store *st, int32 idx)
{
	OpenItem   *it = &st->items[idx];
	bool		found;

	if (it->reference != NULL)
	{
		StrKey		key = {it->reference, strlen(it->reference)};
		StrEntry   *e = dunning_strmap_insert(st->by_ref, key, &found);

		it->next_ref = found ? e->value : -1;
		e->value = idx;
	}
	if (it->number_len > 0)
	{
		StrKey		key = {it->number_norm, it->number_len};
		StrEntry   *e = dunning_strmap_insert(st->by_num, key, &found);

		it->next_num = found ? e->value : -1;
		e->value = idx;
	}
	{
		AmountKey	key = {it->open, it->currency};
		AmountEntry *e = dunning_amtmap_insert(st->by_amt, key, &found);

		it->next_amt = found ? e->value : -1;
		e->value = idx;
	}
}

/* One open item row; items of a customer created after the customers were loaded are skipped. */
static void
load_item(Store *st, HeapTuple tup, TupleDesc desc)
{
	int32		cust = dunning_store_customer(st, dunning_spi_int8(tup, desc, 2, 0));
	int32		idx = st->n_items;
	MemoryContext old;

	if (cust < 0)
		return;
	old = MemoryContextSwitchTo(st->cxt);
	if (st->n_items == st->cap_items)
	{
		st->cap_items *= 2;
		st->items = repalloc_huge(st->items, sizeof(OpenItem) * st->cap_items);
	}
	read_item(tup, desc, &st->items[idx]);
	st->items[idx].customer = cust;
	chain_item(st, idx);
	/* items come ordered by customer: a customer's items are contiguous */
	if (idx == 0 || st->items[idx - 1].customer != cust)
	{
		st->customers[cust].first_item = idx;
		st->customers[cust].n_items = 0;
	}
	st->customers[cust].n_items++;
	st->n_items++;
	MemoryContextSwitchTo(old);
}

/* See letter_store.h. */
void
dunning_store_load_items(Store *st, const char *query, int nargs, Oid *types, Datum *values)
{
	load_rows(st, SPI_cursor_open_with_args(NULL, query, nargs, types, values, NULL, true, 0), load_item);
}

/* See letter_store.h. */
void
dunning_store_set_iban(Store *st, const char *iban, int32 customer)
{
	StrKey		key = {iban, strlen(iban)};
	bool		found;
	StrEntry   *e = dunning_strmap_insert(st->by_iban, key, &found);

	if (!found)
	{
		e->key.str = MemoryContextStrdup(st->cxt, iban);
		e->value = customer;
	}
	else if (e->value != customer)
		e->value = -1;
}

/* One (IBAN, customer) pair of the lettered payments. */
static void
load_iban(Store *st, HeapTuple tup, TupleDesc desc)
{
	char	   *iban = dunning_spi_text(tup, desc, 1);
	int32		cust = dunning_store_customer(st, dunning_spi_int8(tup, desc, 2, 0));
	char		norm[DUNNING_IBAN_MAX + 1];

	if (iban == NULL || cust < 0 || !dunning_iban_normalize(iban, strlen(iban), norm))
		return;
	dunning_store_set_iban(st, norm, cust);
}

/* IBANs seen on lettered payments: IBAN -> customer, -1 when several. */
void
dunning_store_load_ibans(Store *st)
{
	Portal		portal;

	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT p.payer_iban, p.customer_id FROM dunning.payment p"
									   " WHERE p.customer_id IS NOT NULL AND p.allocated_amount > 0"
									   " AND p.payer_iban IS NOT NULL GROUP BY 1, 2",
									   0, NULL, NULL, NULL, true, 0);
	load_rows(st, portal, load_iban);
}

/* The key of an answer: its item ids sorted (an answer is a set of items). */
static void
answer_key(AnswerKey *k, int64 payment_id, int n, const int64 *ids)
{
	memset(k, 0, sizeof(AnswerKey));
	k->payment_id = payment_id;
	k->n = n;
	memcpy(k->ids, ids, sizeof(int64) * n);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && k->ids[j - 1] > k->ids[j]; j--)
		{
			int64		t = k->ids[j];

			k->ids[j] = k->ids[j - 1];
			k->ids[j - 1] = t;
		}
}

/* One rejected proposal: payment_id, invoice_ids. */
static void
load_rejected(Store *st, HeapTuple tup, TupleDesc desc)
{
	bool		isnull;
	ArrayType  *arr = DatumGetArrayTypeP(SPI_getbinval(tup, desc, 2, &isnull));
	Datum	   *elems;
	int			n;
	int64		ids[MAX_ANSWER_ITEMS];
	AnswerKey	key;
	bool		found;

	deconstruct_array(arr, INT8OID, 8, true, TYPALIGN_DOUBLE, &elems, NULL, &n);
	if (n > MAX_ANSWER_ITEMS)
		return;
	for (int i = 0; i < n; i++)
		ids[i] = DatumGetInt64(elems[i]);
	answer_key(&key, dunning_spi_int8(tup, desc, 1, 0), n, ids);
	dunning_answerset_insert(st->rejected, key, &found);
}

/* Answers a human rejected are not proposed again. */
void
dunning_store_load_rejected(Store *st, int64 only_payment)
{
	Portal		portal;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(only_payment)};

	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT payment_id, invoice_ids FROM dunning.proposal"
									   " WHERE status = 'rejected' AND ($1 = 0 OR payment_id = $1)",
									   1, types, values, NULL, true, 0);
	load_rows(st, portal, load_rejected);
}

/* See letter_store.h. */
void
dunning_store_mark_common_word(Store *st, const char *word)
{
	StrKey		key = {word, strlen(word)};
	bool		found;
	StrEntry   *e = dunning_strmap_insert(st->common_words, key, &found);

	if (!found)
		e->key.str = MemoryContextStrdup(st->cxt, word);
	e->value = 1;
}

/* ------------------------------------------------------------------------
 * Lookups
 * ------------------------------------------------------------------------ */

/* The value of a string key, or missing. */
static int32
strmap_get(dunning_strmap_hash *map, const char *s, int len, int32 missing)
{
	StrKey		key = {s, len};
	StrEntry   *e = dunning_strmap_lookup(map, key);

	return e != NULL ? e->value : missing;
}

int32
dunning_store_customer(const Store *st, int64 customer_id)
{
	IdEntry    *e = dunning_idmap_lookup(st->by_customer, customer_id);

	return e != NULL ? e->value : -1;
}

int32
dunning_store_iban_customer(const Store *st, const char *iban)
{
	return strmap_get(st->by_iban, iban, strlen(iban), -1);
}

int32
dunning_store_ext_ref_customer(const Store *st, const char *key, int len)
{
	return strmap_get(st->by_ext_ref, key, len, -2);
}

int32
dunning_store_first_ref(const Store *st, const char *ref)
{
	return strmap_get(st->by_ref, ref, strlen(ref), -1);
}

int32
dunning_store_first_num(const Store *st, const char *norm, int len)
{
	return strmap_get(st->by_num, norm, len, -1);
}

int32
dunning_store_first_amount(const Store *st, int64 units, uint32 currency)
{
	AmountKey	key = {units, currency};
	AmountEntry *e = dunning_amtmap_lookup(st->by_amt, key);

	return e != NULL ? e->value : -1;
}

const WordEntry *
dunning_store_word(const Store *st, const char *word, int len)
{
	StrKey		key = {word, len};

	return dunning_wordmap_lookup(st->words, key);
}

bool
dunning_store_common_word(const Store *st, const char *word, int len)
{
	return strmap_get(st->common_words, word, len, 0) == 1;
}

bool
dunning_store_rejected(const Store *st, int64 payment_id, int n, const int64 *ids)
{
	AnswerKey	key;

	answer_key(&key, payment_id, n, ids);
	return dunning_answerset_lookup(st->rejected, key) != NULL;
}
