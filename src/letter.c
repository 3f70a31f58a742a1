/*
 * letter.c -- the lettering engine: match incoming payments to the open
 * items they settle.
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
 * auto_letter() loads every open item once into an in-memory store (hash
 * tables by reference, invoice number, amount and customer; about 120 bytes
 * per open item plus its strings), then streams the unlettered payments in
 * batches, deciding and writing each batch with a few set-based statements.
 * suggest() builds the same store for one payment from indexed look-ups and
 * runs the same matcher, writing nothing.
 *
 * Money is handled as int64 in units of 1/10000 of the currency (exact for
 * every currency's minor unit: 4 decimals at most); numeric values cross the
 * SQL boundary as (amount * 10000)::int8 and back as numeric.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "compat.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "company_name.h"
#include "iban.h"
#include "reference_scan.h"
#include "textmatch.h"
#include "money.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#define UNITS_PER_ONE	10000	/* int64 money units per currency unit */
#define MAX_ANSWER_ITEMS 8		/* items in one answer */
#define MAX_ANSWERS		12		/* candidate answers kept per payment */
#define MAX_REFS		16		/* references taken from one payment */
#define MAX_TOKENS		64		/* tokens taken from one payment */
#define TEXT_CAP		8192	/* bytes of remittance text examined */
#define SUBSET_ITEMS	40		/* open items a subset-sum looks at */
#define SUBSET_NODES	1000000 /* search nodes of one subset-sum */
#define SUBSET_MAX		5		/* items in one subset */
#define SUBSET_WINDOW	20		/* currency units around the amount sampled */
#define NAME_CANDIDATES 300		/* customers scored for one payer name */
#define COMMON_WORD		2000	/* a name word this frequent finds nobody */
#define BATCH_PAYMENTS	5000	/* payments decided and written together */

/* Methods, as stored in letter.method / proposal.method. */
typedef enum Method
{
	M_REFERENCE,
	M_NUMBER,
	M_AMOUNT,
	M_COMBINATION
} Method;

static const char *const method_names[] = {"reference", "invoice_number", "amount", "combination"};

/* How the payer was found. */
typedef enum PayerHow
{
	PAYER_NONE,
	PAYER_GIVEN,
	PAYER_IBAN,
	PAYER_REF,
	PAYER_NAME
} PayerHow;

/* An open invoice or credit note. */
typedef struct OpenItem
{
	int64		id;
	int64		customer_id;
	int64		open;			/* open amount, units, > 0 (absolute) */
	int64		amount;			/* gross amount, units, signed */
	uint32		currency;		/* three letters packed */
	DateADT		issued;
	DateADT		due;
	char	   *number;			/* invoice_number as loaded */
	char	   *number_norm;	/* its normal form */
	int16		number_len;		/* length of the normal form */
	char	   *reference;		/* normalised structured reference or NULL */
	int32		next_ref;		/* chains of the hash tables */
	int32		next_num;
	int32		next_amt;
	int32		customer;		/* index into the customer array */
} OpenItem;

typedef struct Customer
{
	int64		id;
	char	   *name;
	int32		first_item;		/* items of the customer are contiguous */
	int32		n_items;
} Customer;

/* Open-addressing map uint64 -> int32, for hash chains and ids. */
typedef struct U64Map
{
	uint64	   *keys;
	int32	   *vals;
	uint32		mask;
	uint32		used;
} U64Map;

typedef struct NameWord
{
	uint64		hash;
	int32		customer;
} NameWord;

typedef struct Store
{
	MemoryContext cxt;
	OpenItem	   *items;
	int32		n_items;
	int32		cap_items;
	Customer   *customers;
	int32		n_customers;
	int32		cap_customers;
	U64Map		by_ref;			/* hash(reference) -> first item */
	U64Map		by_num;			/* hash(number_norm) -> first item */
	U64Map		by_amt;			/* hash(open, currency) -> first item */
	U64Map		by_customer;	/* customer id -> customer index */
	U64Map		by_iban;		/* hash(iban) -> customer index, -1 ambiguous */
	U64Map		by_ext_ref;		/* hash(normalised external_ref) -> customer, -1 ambiguous */
	NameWord   *words;			/* sorted by hash, then customer */
	int32		n_words;
	U64Map		common_words;	/* hash(word) of words too common to name anybody,
								 * when only some customers are loaded (suggest) */
	U64Map		rejected;		/* hash(payment, answer) of rejected proposals */
} Store;

typedef struct Payment
{
	int64		id;
	int64		amount;
	uint32		currency;
	char		currency_code[4];
	DateADT		received;
	int64		customer_id;	/* 0 = unknown */
	char	   *payer_name;
	char	   *payer_iban;
	char	   *remittance;
	char	   *reference;
} Payment;

typedef struct Answer
{
	int32		customer;		/* customer index */
	int			n;
	int32		item[MAX_ANSWER_ITEMS];
	int64		settle[MAX_ANSWER_ITEMS];	/* units settled on each item */
	int64		write_off;		/* part of the last invoice written off */
	int64		used;			/* units of the payment used */
	float4		confidence;
	Method		method;
	char		reason[480];
} Answer;

/* What the matcher knows about one payment while deciding. */
typedef struct Signals
{
	DunningRef		refs[MAX_REFS];
	int			n_refs;
	DunningToken		tokens[MAX_TOKENS];
	int			n_tokens;
	const char *text;			/* remittance text examined (capped) */
	int			text_len;
	int32		payer;			/* customer index or -1 */
	PayerHow	payer_how;
	float4		payer_score;	/* name similarity when by name */
	int32		payer_alt;		/* second-best name candidate or -1 */
} Signals;

/* ------------------------------------------------------------------------
 * Small utilities
 * ------------------------------------------------------------------------ */

static uint32
pack_currency(const char *c)
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

static uint64
hash_str(const char *s, int len)
{
	uint64		h = hash_bytes_extended((const unsigned char *) s, len, 0x64756e6eULL);

	return h ? h : 1;
}

static uint64
hash_amount(int64 units, uint32 currency)
{
	uint64		h = hash_bytes_uint32_extended(currency, (uint64) units);

	return h ? h : 1;
}

static void
map_init(U64Map *m, uint32 expected)
{
	uint32		cap = 16;

	while (cap < expected * 2)
		cap <<= 1;
	m->keys = palloc_extended(sizeof(uint64) * cap, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	m->vals = palloc_extended(sizeof(int32) * cap, MCXT_ALLOC_HUGE);
	m->mask = cap - 1;
	m->used = 0;
}

static void
map_grow(U64Map *m)
{
	U64Map		n;

	map_init(&n, (m->mask + 1));
	for (uint32 i = 0; i <= m->mask; i++)
	{
		if (m->keys[i] != 0)
		{
			uint32		j = (uint32) m->keys[i] & n.mask;

			while (n.keys[j] != 0)
				j = (j + 1) & n.mask;
			n.keys[j] = m->keys[i];
			n.vals[j] = m->vals[i];
			n.used++;
		}
	}
	pfree(m->keys);
	pfree(m->vals);
	*m = n;
}

/* Slot of key; *found tells whether it was there.  key must not be 0. */
static int32 *
map_slot(U64Map *m, uint64 key, bool *found)
{
	uint32		j;

	if ((m->used + 1) * 2 > m->mask + 1)
		map_grow(m);
	j = (uint32) key & m->mask;
	while (m->keys[j] != 0 && m->keys[j] != key)
		j = (j + 1) & m->mask;
	*found = (m->keys[j] == key);
	if (!*found)
	{
		m->keys[j] = key;
		m->used++;
	}
	return &m->vals[j];
}

static int32
map_get(const U64Map *m, uint64 key, int32 missing)
{
	uint32		j = (uint32) key & m->mask;

	while (m->keys[j] != 0)
	{
		if (m->keys[j] == key)
			return m->vals[j];
		j = (j + 1) & m->mask;
	}
	return missing;
}

static char *
store_strdup(const char *s, int len)
{
	char	   *p = palloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Text of a SPI column as a fresh C string in CurrentMemoryContext, or NULL. */
static char *
spi_text(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	if (isnull)
		return NULL;
	return text_to_cstring(DatumGetTextPP(d));
}

static int64
spi_int8(HeapTuple tup, TupleDesc desc, int col, int64 missing)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? missing : DatumGetInt64(d);
}


/* Fee tolerance for an open amount: min(abs, pct% of open). */
typedef struct Tolerance
{
	uint32		currency;
	int64		amount;			/* units */
	int64		percent_x100;	/* percent * 100 */
} Tolerance;

typedef struct Tolerances
{
	Tolerance	t[64];
	int			n;
	Tolerance	fallback;
} Tolerances;

static int64
tolerance_for(const Tolerances *tol, uint32 currency, int64 open)
{
	const Tolerance *t = &tol->fallback;

	for (int i = 0; i < tol->n; i++)
		if (tol->t[i].currency == currency)
			t = &tol->t[i];
	return Min(t->amount, open * t->percent_x100 / 10000);
}

/* ------------------------------------------------------------------------
 * The store of open items and customers
 * ------------------------------------------------------------------------ */

static Store *
store_create(void)
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
	map_init(&st->by_ref, 1024);
	map_init(&st->by_num, 1024);
	map_init(&st->by_amt, 1024);
	map_init(&st->by_customer, 1024);
	map_init(&st->by_iban, 64);
	map_init(&st->by_ext_ref, 1024);
	map_init(&st->rejected, 16);
	map_init(&st->common_words, 16);
	MemoryContextSwitchTo(old);
	return st;
}

/*
 * Customers are in customer_id order, so ordering by (hash, customer) gives
 * the same candidates for a name whether every customer is loaded
 * (auto_letter) or only those that share its words (suggest).
 */
static int
cmp_name_words(const void *a, const void *b)
{
	const NameWord *x = (const NameWord *) a;
	const NameWord *y = (const NameWord *) b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->customer < y->customer ? -1 : (x->customer > y->customer ? 1 : 0);
}

#define NAME_WORDS_MAX 256		/* a normal form of < 512 bytes has fewer */

/*
 * The words of a normalised name that can identify a customer: two bytes
 * or more, each once.  Returns how many; start/len locate them in norm.
 * dunning.company_name_words() and the matcher's name index both use it.
 */
static int
name_words(const char *norm, int len, int *start, int *wlen)
{
	int			n = 0,
				s = 0;

	for (int i = 0; i <= len; i++)
	{
		bool		dup = false;

		if (i < len && norm[i] != ' ')
			continue;
		for (int k = 0; k < n && !dup; k++)
			dup = wlen[k] == i - s && memcmp(norm + start[k], norm + s, i - s) == 0;
		if (i - s >= 2 && !dup && n < NAME_WORDS_MAX)
		{
			start[n] = s;
			wlen[n] = i - s;
			n++;
		}
		s = i + 1;
	}
	return n;
}

/*
 * Key of a customer number as debtors quote it in remittances: the invoice
 * number normal form, or -1 when too short to mean anything.
 */
static int
customer_ref_norm(const char *ext, int n, char *buf)
{
	int			l = dunning_normalize_invoice(ext, n, buf, DUNNING_INV_MAX);

	return l >= 4 ? l : -1;
}

/*
 * Loads customers (all of them when ids is 0, else those whose customer_id
 * is in the int8[] ids): id, name, and the word index of names.
 */
static void
store_load_customers(Store *st, Datum ids)
{
	Portal		portal;
	int32		cap_words = 4096;
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
	st->words = MemoryContextAllocHuge(st->cxt, sizeof(NameWord) * cap_words);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			MemoryContext old = MemoryContextSwitchTo(st->cxt);
			Customer   *c;
			bool		found;
			char		norm[512];
			int			len,
						n_w,
						start[NAME_WORDS_MAX],
						wlen[NAME_WORDS_MAX];

			if (st->n_customers == st->cap_customers)
			{
				st->cap_customers *= 2;
				st->customers = repalloc_huge(st->customers, sizeof(Customer) * st->cap_customers);
			}
			c = &st->customers[st->n_customers];
			c->id = spi_int8(tup, desc, 1, 0);
			c->name = spi_text(tup, desc, 2);
			c->first_item = 0;
			c->n_items = 0;
			*map_slot(&st->by_customer, (uint64) c->id, &found) = st->n_customers;

			/* the customer's number, as debtors quote it in remittances */
			{
				char	   *ext = spi_text(tup, desc, 3);

				if (ext != NULL)
				{
					char		buf[DUNNING_INV_MAX];
					int			l = customer_ref_norm(ext, strlen(ext), buf);

					if (l > 0)
					{
						int32	   *slot = map_slot(&st->by_ext_ref, hash_str(buf, l), &found);

						*slot = found && *slot != st->n_customers ? -1 : st->n_customers;
					}
					pfree(ext);
				}
			}

			len = dunning_normalize_name(c->name, strlen(c->name), norm, sizeof(norm));
			n_w = name_words(norm, len, start, wlen);
			for (int w = 0; w < n_w; w++)
			{
				if (st->n_words == cap_words)
				{
					cap_words *= 2;
					st->words = repalloc_huge(st->words, sizeof(NameWord) * cap_words);
				}
				st->words[st->n_words].hash = hash_str(norm + start[w], wlen[w]);
				st->words[st->n_words].customer = st->n_customers;
				st->n_words++;
			}
			st->n_customers++;
			MemoryContextSwitchTo(old);
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	qsort(st->words, st->n_words, sizeof(NameWord), cmp_name_words);
}

static const char *const items_select =
"SELECT i.invoice_id, i.customer_id, i.invoice_number, i.reference, i.currency::text,"
" (i.amount * 10000)::int8, ((pg_catalog.abs(i.amount) - i.settled_amount) * 10000)::int8,"
" i.issued_on, i.due_on"
" FROM dunning.invoice i WHERE i.settled_amount < pg_catalog.abs(i.amount)";

/*
 * Loads open items from a query (items_select plus conditions, ordered by
 * customer) and chains them into the hash tables.
 */
static void
store_load_items(Store *st, const char *query, int nargs, Oid *types, Datum *values)
{
	Portal		portal;
	int32		prev_customer = -1;

	portal = SPI_cursor_open_with_args(NULL, query, nargs, types, values, NULL, true, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			MemoryContext old = MemoryContextSwitchTo(st->cxt);
			OpenItem	   *it;
			bool		isnull;
			char		buf[DUNNING_INV_MAX];
			char	   *s;
			int32		idx = st->n_items;
			int32		cust;
			bool		found;
			int32	   *slot;

			cust = map_get(&st->by_customer, (uint64) spi_int8(tup, desc, 2, 0), -1);
			if (cust < 0)
			{
				/* a customer created after we loaded the customers */
				MemoryContextSwitchTo(old);
				continue;
			}
			if (st->n_items == st->cap_items)
			{
				st->cap_items *= 2;
				st->items = repalloc_huge(st->items, sizeof(OpenItem) * st->cap_items);
			}
			it = &st->items[idx];
			it->id = spi_int8(tup, desc, 1, 0);
			it->customer_id = spi_int8(tup, desc, 2, 0);
			it->customer = cust;
			it->number = spi_text(tup, desc, 3);
			it->number_len = dunning_normalize_invoice(it->number, strlen(it->number), buf, DUNNING_INV_MAX);
			it->number_norm = store_strdup(buf, it->number_len);
			s = spi_text(tup, desc, 4);
			it->reference = NULL;
			if (s != NULL)
			{
				char		ref[DUNNING_REF_MAX + 1];

				if (dunning_reference_normalize(s, strlen(s), ref))
					it->reference = pstrdup(ref);
				pfree(s);
			}
			s = spi_text(tup, desc, 5);
			it->currency = pack_currency(s);
			pfree(s);
			it->amount = spi_int8(tup, desc, 6, 0);
			it->open = spi_int8(tup, desc, 7, 0);
			it->issued = DatumGetDateADT(SPI_getbinval(tup, desc, 8, &isnull));
			it->due = DatumGetDateADT(SPI_getbinval(tup, desc, 9, &isnull));
			it->next_ref = it->next_num = it->next_amt = -1;

			if (it->reference != NULL)
			{
				slot = map_slot(&st->by_ref, hash_str(it->reference, strlen(it->reference)), &found);
				it->next_ref = found ? *slot : -1;
				*slot = idx;
			}
			if (it->number_len > 0)
			{
				slot = map_slot(&st->by_num, hash_str(it->number_norm, it->number_len), &found);
				it->next_num = found ? *slot : -1;
				*slot = idx;
			}
			slot = map_slot(&st->by_amt, hash_amount(it->open, it->currency), &found);
			it->next_amt = found ? *slot : -1;
			*slot = idx;

			if (cust != prev_customer)
			{
				st->customers[cust].first_item = idx;
				st->customers[cust].n_items = 0;
				prev_customer = cust;
			}
			st->customers[cust].n_items++;
			st->n_items++;
			MemoryContextSwitchTo(old);
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
}

/* IBANs seen on lettered payments: IBAN -> customer, -1 when several. */
static void
store_load_ibans(Store *st)
{
	Portal		portal;

	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT p.payer_iban, p.customer_id FROM dunning.payment p"
									   " WHERE p.customer_id IS NOT NULL AND p.allocated_amount > 0"
									   " AND p.payer_iban IS NOT NULL GROUP BY 1, 2",
									   0, NULL, NULL, NULL, true, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			char	   *iban = spi_text(tup, desc, 1);
			int32		cust = map_get(&st->by_customer, (uint64) spi_int8(tup, desc, 2, 0), -1);
			char		norm[DUNNING_IBAN_MAX + 1];
			bool		found;
			int32	   *slot;

			if (iban == NULL || cust < 0 || !dunning_iban_normalize(iban, strlen(iban), norm))
				continue;
			slot = map_slot(&st->by_iban, hash_str(norm, strlen(norm)), &found);
			if (!found)
				*slot = cust;
			else if (*slot != cust)
				*slot = -1;
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
}

static uint64
answer_key(int64 payment_id, int n, const int64 *ids)
{
	/* order-independent: sum of per-id hashes */
	uint64		h = hash_bytes_uint32_extended((uint32) payment_id, (uint64) (payment_id >> 32));

	for (int i = 0; i < n; i++)
		h += hash_bytes_uint32_extended((uint32) ids[i], (uint64) ids[i] * 0x9E3779B97F4A7C15ULL);
	return h ? h : 1;
}

/* Answers a human rejected are not proposed again. */
static void
store_load_rejected(Store *st, int64 only_payment)
{
	Portal		portal;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(only_payment)};

	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT payment_id, invoice_ids FROM dunning.proposal"
									   " WHERE status = 'rejected' AND ($1 = 0 OR payment_id = $1)",
									   1, types, values, NULL, true, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			ArrayType  *arr = DatumGetArrayTypeP(SPI_getbinval(tup, desc, 2, &isnull));
			Datum	   *elems;
			int			n;
			int64		ids[MAX_ANSWER_ITEMS];
			bool		found;

			deconstruct_array(arr, INT8OID, 8, true, TYPALIGN_DOUBLE, &elems, NULL, &n);
			if (n > MAX_ANSWER_ITEMS)
				continue;
			for (int i = 0; i < n; i++)
				ids[i] = DatumGetInt64(elems[i]);
			*map_slot(&st->rejected, answer_key(spi_int8(tup, desc, 1, 0), n, ids), &found) = 1;
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
}

static void
load_tolerances(Tolerances *tol)
{
	int			ret = SPI_execute("SELECT currency::text, (fee_tolerance_amount * 10000)::int8,"
								  " (fee_tolerance_percent * 100)::int8 FROM dunning.lettering_setting"
								  " ORDER BY currency LIMIT 64", true, 0);

	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read dunning.lettering_setting: %s", SPI_result_code_string(ret));
	tol->n = 0;
	tol->fallback.currency = 0;
	tol->fallback.amount = 15 * UNITS_PER_ONE;
	tol->fallback.percent_x100 = 200;
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *c = spi_text(tup, desc, 1);
		Tolerance	t;

		t.currency = pack_currency(c);
		t.amount = spi_int8(tup, desc, 2, 0);
		t.percent_x100 = spi_int8(tup, desc, 3, 0);
		if (strcmp(c, "*") == 0)
			tol->fallback = t;
		else
			tol->t[tol->n++] = t;
	}
}

/* ------------------------------------------------------------------------
 * Signals of one payment
 * ------------------------------------------------------------------------ */

static void
add_refs(Signals *sig, const char *s)
{
	DunningRef		found[MAX_REFS];
	int			n;

	if (s == NULL)
		return;
	n = dunning_extract_refs(s, Min((int) strlen(s), TEXT_CAP), found, MAX_REFS);
	for (int i = 0; i < n && sig->n_refs < MAX_REFS; i++)
	{
		bool		dup = false;

		for (int j = 0; j < sig->n_refs; j++)
			dup |= strcmp(sig->refs[j].norm, found[i].norm) == 0;
		if (!dup)
			sig->refs[sig->n_refs++] = found[i];
	}
}

static void
add_tokens(Signals *sig, const char *s)
{
	DunningToken		found[MAX_TOKENS];
	int			n;

	if (s == NULL)
		return;
	n = dunning_remittance_tokens(s, Min((int) strlen(s), TEXT_CAP), found, MAX_TOKENS);
	for (int i = 0; i < n && sig->n_tokens < MAX_TOKENS; i++)
	{
		bool		dup = false;

		if (found[i].len == 0)
			continue;
		for (int j = 0; j < sig->n_tokens; j++)
			dup |= (sig->tokens[j].len == found[i].len &&
					memcmp(sig->tokens[j].norm, found[i].norm, found[i].len) == 0);
		if (!dup)
			sig->tokens[sig->n_tokens++] = found[i];
	}
}

/* Customers whose name shares a word with the payer name, scored. */
static void
payer_by_name(const Store *st, const char *payer_name, Signals *sig)
{
	char		norm[512];
	int			len = dunning_normalize_name(payer_name, Min((int) strlen(payer_name), 1024), norm, sizeof(norm));
	int			start[NAME_WORDS_MAX],
				wlen[NAME_WORDS_MAX];
	int			n_w = name_words(norm, len, start, wlen);
	int32		cand[NAME_CANDIDATES];
	int			n_cand = 0;
	float4		best = 0.0f,
				second = 0.0f;
	int32		best_c = -1,
				second_c = -1;

	for (int w = 0; w < n_w; w++)
	{
		int			lo,
					hi,
					first;
		uint64		h = hash_str(norm + start[w], wlen[w]);

		if (map_get(&st->common_words, h, 0))
			continue;
		/* lower bound of h in the sorted words */
		lo = 0;
		hi = st->n_words;
		while (lo < hi)
		{
			int			mid = (lo + hi) / 2;

			if (st->words[mid].hash < h)
				lo = mid + 1;
			else
				hi = mid;
		}
		first = lo;
		while (hi < st->n_words && st->words[hi].hash == h)
			hi++;
		if (hi - first > COMMON_WORD)
			continue;
		for (int k = first; k < hi && n_cand < NAME_CANDIDATES; k++)
		{
			bool		dup = false;

			for (int j = 0; j < n_cand && !dup; j++)
				dup = cand[j] == st->words[k].customer;
			if (!dup)
				cand[n_cand++] = st->words[k].customer;
		}
	}
	for (int j = 0; j < n_cand; j++)
	{
		const Customer *c = &st->customers[cand[j]];
		float4		s = dunning_name_similarity(payer_name, Min((int) strlen(payer_name), 1024),
										   c->name, strlen(c->name));

		if (s > best)
		{
			second = best;
			second_c = best_c;
			best = s;
			best_c = cand[j];
		}
		else if (s > second)
		{
			second = s;
			second_c = cand[j];
		}
	}
	if (best_c >= 0 && best >= 0.80f && best - second >= 0.10f)
	{
		sig->payer = best_c;
		sig->payer_how = PAYER_NAME;
		sig->payer_score = best;
		sig->payer_alt = second_c;
	}
}

/* What the payment's text says: references and tokens; no payer yet. */
static void
collect_text_signals(const Payment *p, Signals *sig)
{
	memset(sig, 0, sizeof(Signals));
	sig->payer = -1;
	sig->payer_alt = -1;
	add_refs(sig, p->reference);
	add_refs(sig, p->remittance);
	add_tokens(sig, p->remittance);
	add_tokens(sig, p->reference);
	sig->text = p->remittance ? p->remittance : "";
	sig->text_len = Min((int) strlen(sig->text), TEXT_CAP);
}

/* The payer among the store's customers: given, by IBAN, by number, by name. */
static void
find_payer(const Store *st, const Payment *p, Signals *sig)
{
	if (p->customer_id != 0)
	{
		sig->payer = map_get(&st->by_customer, (uint64) p->customer_id, -1);
		sig->payer_how = sig->payer >= 0 ? PAYER_GIVEN : PAYER_NONE;
	}
	if (sig->payer < 0 && p->payer_iban != NULL)
	{
		char		norm[DUNNING_IBAN_MAX + 1];

		if (dunning_iban_normalize(p->payer_iban, Min((int) strlen(p->payer_iban), 64), norm))
		{
			int32		c = map_get(&st->by_iban, hash_str(norm, strlen(norm)), -1);

			if (c >= 0)
			{
				sig->payer = c;
				sig->payer_how = PAYER_IBAN;
			}
		}
	}
	if (sig->payer < 0)
	{
		/* a customer number quoted in the text */
		int32		found = -1;

		for (int t = 0; t < sig->n_tokens; t++)
		{
			int32		c = map_get(&st->by_ext_ref, hash_str(sig->tokens[t].norm, sig->tokens[t].len), -2);

			if (c == -2)
				continue;
			if (c == -1 || (found >= 0 && found != c))
			{
				found = -1;
				break;
			}
			found = c;
		}
		if (found >= 0)
		{
			sig->payer = found;
			sig->payer_how = PAYER_REF;
		}
	}
	if (sig->payer < 0 && p->payer_name != NULL && st->n_words > 0)
		payer_by_name(st, p->payer_name, sig);
}

static void
collect_signals(const Store *st, const Payment *p, Signals *sig)
{
	collect_text_signals(p, sig);
	find_payer(st, p, sig);
}

/* ------------------------------------------------------------------------
 * Candidate answers
 * ------------------------------------------------------------------------ */

typedef enum SettleKind
{
	SK_EXACT,					/* the payment equals the net open amount */
	SK_FEE,						/* short by at most the tolerance: write off */
	SK_PARTIAL,					/* short by more: items stay open */
	SK_OVER						/* more than the net open amount: rest unapplied */
} SettleKind;

typedef struct MatchCtx
{
	const Store *st;
	const Payment *p;
	const Signals *sig;
	const Tolerances *tol;
	Answer		ans[MAX_ANSWERS];
	int			n;
} MatchCtx;

static int
cmp_item_due(const void *a, const void *b, void *arg)
{
	const Store *st = (const Store *) arg;
	const OpenItem *x = &st->items[*(const int32 *) a];
	const OpenItem *y = &st->items[*(const int32 *) b];

	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return x->id < y->id ? -1 : (x->id > y->id ? 1 : 0);
}

/*
 * Spends the payment on the items g[0..n-1] (one customer, the payment's
 * currency; credit notes are netted first, invoices settled oldest due
 * first).  Fills the settlement part of *a and returns how it fits, or -1
 * when the items cannot take the payment (nothing positive to settle).
 */
static int
settle_items(MatchCtx *cx, int32 *g, int n, Answer *a)
{
	const Store *st = cx->st;
	int64		A = cx->p->amount;
	int64		inv = 0,
				cn = 0,
				net,
				tol,
				left;
	int			kind;
	int			wo = -1;

	if (n <= 0 || n > MAX_ANSWER_ITEMS)
		return -1;
	qsort_arg(g, n, sizeof(int32), cmp_item_due, (void *) st);
	for (int i = 0; i < n; i++)
	{
		const OpenItem *it = &st->items[g[i]];

		if (it->amount > 0)
			inv += it->open;
		else
			cn += it->open;
	}
	net = inv - cn;
	if (net <= 0 || inv <= 0)
		return -1;
	tol = tolerance_for(cx->tol, cx->p->currency, net);
	if (A == net)
		kind = SK_EXACT;
	else if (A < net && net - A <= tol)
		kind = SK_FEE;
	else if (A < net)
		kind = SK_PARTIAL;
	else
		kind = SK_OVER;

	a->n = n;
	a->write_off = 0;
	a->used = Min(A, net);
	left = a->used + cn;		/* what the invoices receive, credits included */
	for (int i = 0; i < n; i++)
	{
		const OpenItem *it = &st->items[g[i]];

		a->item[i] = g[i];
		if (it->amount < 0)
			a->settle[i] = it->open;
		else
		{
			a->settle[i] = Min(it->open, left);
			left -= a->settle[i];
			if (wo < 0 || it->open > st->items[g[wo]].open)
				wo = i;
		}
	}
	if (kind == SK_FEE)
	{
		/* everything settled in full; the difference is written off on the largest invoice */
		for (int i = 0; i < n; i++)
			if (st->items[g[i]].amount > 0)
				a->settle[i] = st->items[g[i]].open;
		a->write_off = net - A;
		if (wo != n - 1)
		{
			int32		ti = a->item[wo];
			int64		ts = a->settle[wo];

			a->item[wo] = a->item[n - 1];
			a->settle[wo] = a->settle[n - 1];
			a->item[n - 1] = ti;
			a->settle[n - 1] = ts;
		}
	}
	/* an invoice that receives nothing is not part of the answer */
	for (int i = n - 1; i >= 0; i--)
	{
		if (a->settle[i] == 0)
		{
			for (int j = i; j < a->n - 1; j++)
			{
				a->item[j] = a->item[j + 1];
				a->settle[j] = a->settle[j + 1];
			}
			a->n--;
		}
	}
	return kind;
}

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/* Adds an answer, or raises the confidence of an equal one. */
static void
add_answer(MatchCtx *cx, Answer *a)
{
	int64		ids[MAX_ANSWER_ITEMS];

	if (a->n <= 0 || a->confidence <= 0.0f)
		return;
	for (int i = 0; i < a->n; i++)
		ids[i] = cx->st->items[a->item[i]].id;
	if (map_get(&cx->st->rejected, answer_key(cx->p->id, a->n, ids), 0) == 1)
		return;
	qsort(ids, a->n, sizeof(int64), cmp_int64);
	for (int k = 0; k < cx->n; k++)
	{
		Answer	   *b = &cx->ans[k];
		int64		bid[MAX_ANSWER_ITEMS];
		bool		same = (b->n == a->n);

		if (!same)
			continue;
		for (int i = 0; i < b->n; i++)
			bid[i] = cx->st->items[b->item[i]].id;
		qsort(bid, b->n, sizeof(int64), cmp_int64);
		same = memcmp(ids, bid, sizeof(int64) * a->n) == 0;
		if (same)
		{
			if (a->confidence > b->confidence)
				*b = *a;
			return;
		}
	}
	if (cx->n < MAX_ANSWERS)
		cx->ans[cx->n++] = *a;
	else
	{
		/* replace the weakest */
		int			w = 0;

		for (int k = 1; k < cx->n; k++)
			if (cx->ans[k].confidence < cx->ans[w].confidence)
				w = k;
		if (a->confidence > cx->ans[w].confidence)
			cx->ans[w] = *a;
	}
}

static void
reason_append(Answer *a, const char *fmt,...) pg_attribute_printf(2, 3);

static void
reason_append(Answer *a, const char *fmt,...)
{
	va_list		args;
	size_t		len = strlen(a->reason);

	if (len + 3 >= sizeof(a->reason))
		return;
	if (len > 0)
	{
		a->reason[len++] = ';';
		a->reason[len++] = ' ';
		a->reason[len] = '\0';
	}
	va_start(args, fmt);
	vsnprintf(a->reason + len, sizeof(a->reason) - len, fmt, args);
	va_end(args);
}

/* Describes how the payment fits the items; adjusts nothing. */
static void
reason_settlement(MatchCtx *cx, Answer *a, int kind)
{
	StringInfoData b;
	int64		net = 0;

	initStringInfo(&b);
	for (int i = 0; i < a->n; i++)
		net += (cx->st->items[a->item[i]].amount > 0 ? 1 : -1) * cx->st->items[a->item[i]].open;
	switch (kind)
	{
		case SK_EXACT:
			reason_append(a, "amount equals the open amount");
			break;
		case SK_FEE:
			dunning_append_units(&b, a->write_off, cx->p->currency_code);
			reason_append(a, "short by %s, within the fee tolerance: written off", b.data);
			break;
		case SK_PARTIAL:
			dunning_append_units(&b, cx->p->amount, cx->p->currency_code);
			appendStringInfoString(&b, " of ");
			dunning_append_units(&b, net, cx->p->currency_code);
			reason_append(a, "partial payment: %s; the rest stays open", b.data);
			break;
		case SK_OVER:
			dunning_append_units(&b, cx->p->amount - net, cx->p->currency_code);
			reason_append(a, "overpayment: %s left unapplied", b.data);
			break;
	}
	pfree(b.data);
}

static void
reason_payer(MatchCtx *cx, Answer *a)
{
	const Signals *sig = cx->sig;

	if (sig->payer < 0)
		reason_append(a, "payer unknown");
	else if (sig->payer != a->customer)
		reason_append(a, "items of %s, but the payer looks like %s",
					  cx->st->customers[a->customer].name, cx->st->customers[sig->payer].name);
	else if (sig->payer_how == PAYER_GIVEN)
		reason_append(a, "payer %s given", cx->st->customers[sig->payer].name);
	else if (sig->payer_how == PAYER_IBAN)
		reason_append(a, "payer %s by an IBAN seen on its lettered payments", cx->st->customers[sig->payer].name);
	else if (sig->payer_how == PAYER_REF)
		reason_append(a, "payer %s by its customer number in the remittance", cx->st->customers[sig->payer].name);
	else
		reason_append(a, "payer %s by name (similarity %.2f)", cx->st->customers[sig->payer].name,
					  sig->payer_score);
}

/* Confidence change for the payer evidence of an answer on customer c. */
static float4
payer_adjust(const Signals *sig, int32 c)
{
	if (sig->payer < 0)
		return 0.0f;
	if (sig->payer == c)
		return 0.01f;
	return sig->payer_how == PAYER_NAME ? -0.10f : -0.25f;
}

/* Payments follow invoices: an invoice issued after the payment is suspect. */
static void
date_adjust(MatchCtx *cx, Answer *a)
{
	for (int i = 0; i < a->n; i++)
	{
		const OpenItem *it = &cx->st->items[a->item[i]];

		if (it->amount > 0 && it->issued > cx->p->received + 3)
		{
			a->confidence -= 0.30f;
			reason_append(a, "invoice %s is dated after the payment", it->number);
			return;
		}
	}
}

static bool
item_usable(const MatchCtx *cx, const OpenItem *it)
{
	return it->open > 0 && it->currency == cx->p->currency;
}

/* ------------------------------------------------------------------------
 * Bounded subset-sum over a customer's open items
 * ------------------------------------------------------------------------ */

typedef struct SubsetSearch
{
	int32		idx[SUBSET_ITEMS];	/* items, open amount descending */
	int64		val[SUBSET_ITEMS];
	int			n;
	int			min_size;
	int			max_size;
	long		nodes;
	int			found;
	int32		sol[2][SUBSET_MAX];
	int			sol_n[2];
	int32		cur[SUBSET_MAX];
	bool		exhausted;
	int64		window;			/* sums this close to the target are counted */
	long		near[SUBSET_MAX + 1];	/* subsets of each size that came that close */
} SubsetSearch;

/*
 * How likely a subset makes the amount to the cent by chance, measured on
 * the customer's own items: the search also counts the subsets whose sum
 * falls within SUBSET_WINDOW of the amount, per size; sums are about evenly spread
 * over so small a window, so near / (window in cents) is the expected number
 * of chance solutions at exactly the amount.  Two items out of forty summing
 * to the cent is telling, five out of forty usually is not.
 */
static double
chance_solutions(const SubsetSearch *s)
{
	return (double) s->near[s->sol_n[0]] / (2.0 * SUBSET_WINDOW * 100.0);
}

/* Confidence of a unique subset answer given its chance of coincidence. */
static float4
subset_confidence(float4 base, double chance)
{
	if (chance < 0.002)
		return base;
	if (chance < 0.05)
		return Min(base, 0.85f);
	return Min(base, 0.60f);
}

static void
subset_dfs(SubsetSearch *s, int start, int depth, int64 remaining)
{
	if (s->found >= 2 || ++s->nodes > SUBSET_NODES)
		return;
	if (depth >= s->min_size && remaining >= -s->window && remaining <= s->window)
	{
		if (remaining == 0)
		{
			memcpy(s->sol[s->found], s->cur, sizeof(int32) * depth);
			s->sol_n[s->found] = depth;
			s->found++;
			return;
		}
		s->near[depth]++;
	}
	if (depth == s->max_size)
		return;
	for (int i = start; i < s->n; i++)
	{
		if (s->val[i] > remaining + s->window)
			continue;
		if (s->val[i] * (s->max_size - depth) < remaining - s->window)
			break;
		s->cur[depth] = s->idx[i];
		subset_dfs(s, i + 1, depth + 1, remaining - s->val[i]);
		if (s->found >= 2 || s->nodes > SUBSET_NODES)
			return;
	}
}

static int
cmp_val_desc(const void *a, const void *b, void *arg)
{
	const Store *st = (const Store *) arg;
	int64		x = st->items[*(const int32 *) a].open;
	int64		y = st->items[*(const int32 *) b].open;

	return x > y ? -1 : (x < y ? 1 : 0);
}

typedef struct SubsetPoolCtx
{
	const Store *st;
	DateADT		when;
} SubsetPoolCtx;

static int
cmp_due_near(const void *a, const void *b, void *arg)
{
	const SubsetPoolCtx *pc = (const SubsetPoolCtx *) arg;
	int			x = abs(pc->st->items[*(const int32 *) a].due - pc->when);
	int			y = abs(pc->st->items[*(const int32 *) b].due - pc->when);

	return x - y;
}

/*
 * Subsets of customer c's open invoices (not in `exclude`) summing exactly to
 * target, of min_size..max_size items; at most two solutions (two means the
 * answer is ambiguous).  Returns the number found.
 */
static int
subset_search(MatchCtx *cx, int32 c, int64 target, const int32 *exclude, int n_exclude,
			  int min_size, int max_size, SubsetSearch *s)
{
	const Customer *cu = &cx->st->customers[c];
	int32		pool[SUBSET_ITEMS * 4];
	int			np = 0;

	s->n = 0;
	s->found = 0;
	s->nodes = 0;
	s->exhausted = false;
	memset(s->near, 0, sizeof(s->near));
	s->window = SUBSET_WINDOW * UNITS_PER_ONE;
	s->min_size = min_size;
	s->max_size = max_size;
	if (target <= 0)
		return 0;
	for (int k = 0; k < cu->n_items && np < SUBSET_ITEMS * 4; k++)
	{
		int32		i = cu->first_item + k;
		const OpenItem *it = &cx->st->items[i];
		bool		skip = false;

		if (!item_usable(cx, it) || it->amount < 0 || it->open > target)
			continue;
		for (int e = 0; e < n_exclude; e++)
			skip |= exclude[e] == i;
		if (!skip)
			pool[np++] = i;
	}
	/* the SUBSET_ITEMS items due nearest the payment date: payers settle batches */
	if (np > SUBSET_ITEMS)
	{
		SubsetPoolCtx pc = {cx->st, cx->p->received};

		qsort_arg(pool, np, sizeof(int32), cmp_due_near, &pc);
		np = SUBSET_ITEMS;
	}
	qsort_arg(pool, np, sizeof(int32), cmp_val_desc, (void *) cx->st);
	for (int k = 0; k < np; k++)
	{
		s->idx[k] = pool[k];
		s->val[k] = cx->st->items[pool[k]].open;
	}
	s->n = np;
	subset_dfs(s, 0, 0, target);
	s->exhausted = s->nodes > SUBSET_NODES;
	/* an unfinished search may have missed a second solution: not unique */
	if (s->exhausted && s->found == 1)
		s->found = 2;
	return s->found;
}

/* ------------------------------------------------------------------------
 * The matcher
 * ------------------------------------------------------------------------ */

typedef struct Named
{
	int32		item;
	bool		by_ref;			/* named by a structured reference */
} Named;

static void
answer_for_items(MatchCtx *cx, int32 c, int32 *g, int ng, Method method, float4 base_exact,
				 float4 base_fee, float4 base_partial, float4 base_over, const char *evidence)
{
	Answer		a;
	int			kind;
	float4		conf;

	memset(&a, 0, sizeof(a));
	a.customer = c;
	kind = settle_items(cx, g, ng, &a);
	if (kind < 0)
		return;
	conf = kind == SK_EXACT ? base_exact : kind == SK_FEE ? base_fee :
		kind == SK_PARTIAL ? base_partial : base_over;
	a.method = method;
	a.confidence = conf + payer_adjust(cx->sig, c);
	strlcpy(a.reason, evidence, sizeof(a.reason));
	reason_settlement(cx, &a, kind);
	reason_payer(cx, &a);
	date_adjust(cx, &a);
	/* two decimals: what a human reads, and what the threshold compares */
	a.confidence = rintf(Max(0.0f, Min(1.0f, a.confidence)) * 100.0f) / 100.0f;
	add_answer(cx, &a);
}

/* Items of customer c whose open amount equals the payment exactly. */
static int
exact_amount_items(MatchCtx *cx, int32 c, int32 *out, int max)
{
	int			n = 0;
	int32		i = map_get(&cx->st->by_amt, hash_amount(cx->p->amount, cx->p->currency), -1);

	for (; i >= 0; i = cx->st->items[i].next_amt)
	{
		const OpenItem *it = &cx->st->items[i];

		if (it->open == cx->p->amount && item_usable(cx, it) && it->amount > 0 &&
			(c < 0 || it->customer == c))
		{
			if (n < max)
				out[n] = i;
			n++;
		}
	}
	return n;
}

static void
match_named(MatchCtx *cx, Named *named, int n_named)
{
	const Store *st = cx->st;

	/* one group per customer, in order of first appearance */
	for (int k = 0; k < n_named; k++)
	{
		int32		c = st->items[named[k].item].customer;
		int32		g[MAX_ANSWER_ITEMS];
		int			ng = 0;
		bool		any_ref = false;
		bool		short_numbers = true;
		bool		seen = false;
		char		evidence[480];
		int			elen = 0;

		for (int j = 0; j < k; j++)
			seen |= st->items[named[j].item].customer == c;
		if (seen)
			continue;
		evidence[0] = '\0';
		for (int j = k; j < n_named && ng < MAX_ANSWER_ITEMS; j++)
		{
			const OpenItem *it = &st->items[named[j].item];

			if (it->customer != c)
				continue;
			g[ng++] = named[j].item;
			any_ref |= named[j].by_ref;
			short_numbers &= named[j].by_ref ? false : (it->number_len < 5);
			if (elen < (int) sizeof(evidence) - 80)
				elen += snprintf(evidence + elen, sizeof(evidence) - elen, "%s%s %s",
								 elen ? ", " : "", named[j].by_ref ? "structured reference of" : "invoice number",
								 it->number);
		}
		if (elen < (int) sizeof(evidence) - 20)
			snprintf(evidence + elen, sizeof(evidence) - elen, " in the remittance");

		if (any_ref)
			answer_for_items(cx, c, g, ng, M_REFERENCE, 0.99f, 0.97f, ng == 1 ? 0.93f : 0.80f, 0.92f, evidence);
		else
		{
			float4		penalty = short_numbers ? 0.10f : 0.0f;

			answer_for_items(cx, c, g, ng, M_NUMBER, 0.98f - penalty, 0.95f - penalty,
							 (ng == 1 ? 0.91f : 0.78f) - penalty, 0.90f - penalty, evidence);
		}

		/*
		 * The text names invoices and the payment is their amount net of
		 * one open credit note of the customer.
		 */
		{
			int64		net = 0;
			const Customer *cu = &st->customers[c];

			for (int j = 0; j < ng; j++)
				net += (st->items[g[j]].amount > 0 ? 1 : -1) * st->items[g[j]].open;
			if (cx->p->amount < net && ng < MAX_ANSWER_ITEMS)
			{
				for (int k2 = 0; k2 < cu->n_items; k2++)
				{
					int32		cn = cu->first_item + k2;
					const OpenItem *it = &st->items[cn];
					bool		in_g = false;

					if (!item_usable(cx, it) || it->amount > 0 || net - it->open != cx->p->amount)
						continue;
					for (int j = 0; j < ng; j++)
						in_g |= g[j] == cn;
					if (!in_g)
					{
						int32		all[MAX_ANSWER_ITEMS];
						char		ev[480];

						memcpy(all, g, sizeof(int32) * ng);
						all[ng] = cn;
						snprintf(ev, sizeof(ev), "%s, net of credit note %s", evidence, it->number);
						answer_for_items(cx, c, all, ng + 1, any_ref ? M_REFERENCE : M_NUMBER, 0.96f, 0, 0, 0, ev);
						/* the partial reading of the same items is now the weaker one */
						for (int a = 0; a < cx->n; a++)
							if (cx->ans[a].customer == c && cx->ans[a].n == ng && cx->ans[a].item[0] == g[0])
								cx->ans[a].confidence = Min(cx->ans[a].confidence, 0.85f);
						break;
					}
				}
			}
		}

		/*
		 * The text names items whose total does not fit, while the amount is
		 * exactly another open item of that customer: the reference is wrong.
		 */
		{
			int64		net = 0;
			int32		other[2];
			int			n_other;

			for (int j = 0; j < ng; j++)
				net += (st->items[g[j]].amount > 0 ? 1 : -1) * st->items[g[j]].open;
			if (net != cx->p->amount && (net - cx->p->amount > tolerance_for(cx->tol, cx->p->currency, net) ||
										 cx->p->amount > net))
			{
				n_other = exact_amount_items(cx, c, other, 2);
				if (n_other == 1)
				{
					bool		in_g = false;

					for (int j = 0; j < ng; j++)
						in_g |= g[j] == other[0];
					if (!in_g)
					{
						char		ev[480];

						snprintf(ev, sizeof(ev), "the text names %s but the amount equals exactly the open amount of %s",
								 st->items[g[0]].number, st->items[other[0]].number);
						answer_for_items(cx, c, other, 1, M_COMBINATION, 0.94f, 0.0f, 0.0f, 0.0f, ev);
						/* the named answer is now doubtful */
						for (int a = 0; a < cx->n; a++)
							if (cx->ans[a].customer == c && cx->ans[a].item[0] == g[0] && cx->ans[a].method != M_COMBINATION)
								cx->ans[a].confidence = Min(cx->ans[a].confidence, 0.60f);
					}
				}
				else if (cx->p->amount > net && ng < SUBSET_MAX)
				{
					/* the named items and a few more make the amount */
					SubsetSearch s;
					int			found = subset_search(cx, c, cx->p->amount - net, g, ng, 1, SUBSET_MAX - ng, &s);

					if (found == 1)
					{
						int32		all[MAX_ANSWER_ITEMS];
						int			na = 0;
						char		ev[480];

						for (int j = 0; j < ng; j++)
							all[na++] = g[j];
						for (int j = 0; j < s.sol_n[0] && na < MAX_ANSWER_ITEMS; j++)
							all[na++] = s.sol[0][j];
						snprintf(ev, sizeof(ev), "%s, with %d more open item(s) that complete the amount",
								 evidence, s.sol_n[0]);
						answer_for_items(cx, c, all, na, M_COMBINATION,
										 subset_confidence(0.93f, chance_solutions(&s)),
										 0.0f, 0.0f, 0.0f, ev);
					}
				}
			}
		}
	}
}

static void
match_fuzzy_numbers(MatchCtx *cx, Named *named, int n_named)
{
	const Store *st = cx->st;
	int32		scope[256];
	int			ns = 0;
	const Signals *sig = cx->sig;

	if (sig->n_tokens == 0)
		return;
	if (sig->payer >= 0)
	{
		const Customer *cu = &st->customers[sig->payer];

		for (int k = 0; k < cu->n_items && ns < 200; k++)
			scope[ns++] = cu->first_item + k;
	}
	ns += Min(exact_amount_items(cx, -1, scope + ns, 256 - ns), 256 - ns);
	for (int k = 0; k < ns; k++)
	{
		const OpenItem *it = &st->items[scope[k]];
		bool		skip = !item_usable(cx, it) || it->amount < 0;
		float4		sim;

		for (int j = 0; j < n_named && !skip; j++)
			skip = named[j].item == scope[k];
		for (int j = 0; j < k && !skip; j++)
			skip = scope[j] == scope[k];
		if (skip)
			continue;
		sim = dunning_best_number_match(sig->text, sig->text_len, it->number, strlen(it->number));
		if (sim >= 0.75f)
		{
			char		ev[480];
			int32		g[1] = {scope[k]};
			float4		x = sim - 0.75f;

			snprintf(ev, sizeof(ev), "invoice number like %s in the remittance (similarity %.2f)", it->number, sim);
			answer_for_items(cx, it->customer, g, 1, M_NUMBER, 0.83f + 0.5f * x, 0.80f + 0.5f * x,
							 0.60f + 0.4f * x, 0.60f, ev);
		}
	}
}

static float4
payer_base(const Signals *sig)
{
	switch (sig->payer_how)
	{
		case PAYER_GIVEN:
			return 0.93f;
		case PAYER_IBAN:
		case PAYER_REF:
			return 0.92f;
		case PAYER_NAME:
			return 0.75f + (sig->payer_score - 0.80f) * 0.75f;
		default:
			return 0.0f;
	}
}

static void
match_amounts(MatchCtx *cx)
{
	const Store *st = cx->st;
	const Signals *sig = cx->sig;
	int32		m[8];
	int			nm;
	float4		base = payer_base(sig);
	int32		c = sig->payer;

	if (c < 0)
	{
		/* nothing but the amount: one open item anywhere with exactly it */
		nm = exact_amount_items(cx, -1, m, 2);
		if (nm == 1 && cx->p->payer_name != NULL)
		{
			const OpenItem *it = &st->items[m[0]];
			float4		sim = dunning_name_similarity(cx->p->payer_name, Min((int) strlen(cx->p->payer_name), 1024),
												 st->customers[it->customer].name,
												 strlen(st->customers[it->customer].name));

			if (sim >= 0.5f)
				answer_for_items(cx, it->customer, m, 1, M_AMOUNT, 0.60f + 0.25f * sim, 0, 0, 0,
								 "the only open item with exactly this amount; payer name alike");
		}
		return;
	}

	nm = exact_amount_items(cx, c, m, 8);
	if (nm == 1)
		answer_for_items(cx, c, m, 1, M_AMOUNT, base, 0, 0, 0, "the payer's only open item with exactly this amount");
	else if (nm > 1)
	{
		for (int k = 0; k < Min(nm, 8); k++)
			answer_for_items(cx, c, &m[k], 1, M_AMOUNT, 0.55f, 0, 0, 0,
							 "one of several open items of the payer with exactly this amount");
		return;
	}
	else
	{
		/* short by a bank fee: the one item whose open amount is just above */
		const Customer *cu = &st->customers[c];
		int32		fee_item = -1;
		int			n_fee = 0;
		SubsetSearch s;
		int			found;

		for (int k = 0; k < cu->n_items; k++)
		{
			const OpenItem *it = &st->items[cu->first_item + k];

			if (item_usable(cx, it) && it->amount > 0 && it->open > cx->p->amount &&
				it->open - cx->p->amount <= tolerance_for(cx->tol, cx->p->currency, it->open))
			{
				fee_item = cu->first_item + k;
				n_fee++;
			}
		}
		if (n_fee == 1)
			answer_for_items(cx, c, &fee_item, 1, M_AMOUNT, 0, base - 0.07f, 0, 0,
							 "the payer's only open item just above this amount");

		/* several items for one payment, with or without a credit note */
		found = subset_search(cx, c, cx->p->amount, NULL, 0, 2, SUBSET_MAX, &s);
		if (found == 1)
		{
			/* several items matching to the cent by chance is rarer than one */
			float4		subset_base = sig->payer_how == PAYER_NAME ?
				0.80f + 0.60f * (sig->payer_score - 0.80f) : 0.93f;

			answer_for_items(cx, c, s.sol[0], s.sol_n[0], M_COMBINATION,
							 subset_confidence(subset_base - 0.01f, chance_solutions(&s)),
							 0, 0, 0, "the only combination of the payer's open items that makes the amount");
		}
		else if (found == 2)
		{
			for (int k = 0; k < 2; k++)
				answer_for_items(cx, c, s.sol[k], s.sol_n[k], M_COMBINATION, 0.50f, 0, 0, 0,
								 "one of several combinations of open items that make the amount");
		}
		else
		{
			int			n_cn = 0;

			for (int k = 0; k < cu->n_items && n_cn < 3; k++)
			{
				int32		cn = cu->first_item + k;
				const OpenItem *it = &st->items[cn];

				if (!item_usable(cx, it) || it->amount > 0)
					continue;
				n_cn++;
				found = subset_search(cx, c, cx->p->amount + it->open, NULL, 0, 1, SUBSET_MAX - 1, &s);
				if (found == 1)
				{
					int32		all[MAX_ANSWER_ITEMS];

					memcpy(all, s.sol[0], sizeof(int32) * s.sol_n[0]);
					all[s.sol_n[0]] = cn;
					answer_for_items(cx, c, all, s.sol_n[0] + 1, M_COMBINATION,
									 subset_confidence(base - 0.03f,
													   n_cn * chance_solutions(&s)),
									 0, 0, 0, "open items net of a credit note make the amount");
				}
			}
		}
	}
}

static int
cmp_answers(const void *a, const void *b, void *arg)
{
	const Answer *x = (const Answer *) a;
	const Answer *y = (const Answer *) b;
	const Store *st = (const Store *) arg;

	if (x->confidence != y->confidence)
		return x->confidence > y->confidence ? -1 : 1;
	/* dates order proposals: the oldest due item first */
	if (st->items[x->item[0]].due != st->items[y->item[0]].due)
		return st->items[x->item[0]].due < st->items[y->item[0]].due ? -1 : 1;
	return st->items[x->item[0]].id < st->items[y->item[0]].id ? -1 : 1;
}

/*
 * Is the invoice number written in the text, case aside, with no letter or
 * digit glued to either end?
 */
static bool
text_has_number(const char *text, int n, const char *number)
{
	int			len = strlen(number);

	for (int i = 0; i + len <= n; i++)
	{
		if (pg_strncasecmp(text + i, number, len) != 0)
			continue;
		if ((i == 0 || !isalnum((unsigned char) text[i - 1])) &&
			(i + len == n || !isalnum((unsigned char) text[i + len])))
			return true;
	}
	return false;
}

/* Above this, weaker signals cannot change the decision: they are skipped. */
#define SURE_ENOUGH 0.96f

static float4
best_confidence(const MatchCtx *cx)
{
	float4		best = 0.0f;

	for (int k = 0; k < cx->n; k++)
		best = Max(best, cx->ans[k].confidence);
	return best;
}

/* Every candidate answer for a payment, best first. */
static void
match_payment(MatchCtx *cx)
{
	const Store *st = cx->st;
	const Signals *sig = cx->sig;
	Named		named[MAX_ANSWER_ITEMS * 2];
	int			n_named = 0;

	cx->n = 0;
	/* items named by a structured reference, then by an invoice number */
	for (int r = 0; r < sig->n_refs; r++)
	{
		int32		i = map_get(&st->by_ref, hash_str(sig->refs[r].norm, strlen(sig->refs[r].norm)), -1);

		for (; i >= 0 && n_named < lengthof(named); i = st->items[i].next_ref)
			if (item_usable(cx, &st->items[i]) && strcmp(st->items[i].reference, sig->refs[r].norm) == 0)
			{
				named[n_named].item = i;
				named[n_named].by_ref = true;
				n_named++;
			}
	}
	for (int t = 0; t < sig->n_tokens; t++)
	{
		int32		i = map_get(&st->by_num, hash_str(sig->tokens[t].norm, sig->tokens[t].len), -1);

		for (; i >= 0 && n_named < lengthof(named); i = st->items[i].next_num)
		{
			const OpenItem *it = &st->items[i];
			bool		dup = false;

			if (!item_usable(cx, it) || it->number_len != sig->tokens[t].len ||
				memcmp(it->number_norm, sig->tokens[t].norm, it->number_len) != 0)
				continue;
			for (int j = 0; j < n_named; j++)
				dup |= named[j].item == i;
			if (!dup)
			{
				named[n_named].item = i;
				named[n_named].by_ref = false;
				n_named++;
			}
		}
	}
	/* the payer's invoice numbers written out in the text (F26/05635/F26/05664) */
	if (sig->payer >= 0 && sig->text_len > 0)
	{
		const Customer *cu = &st->customers[sig->payer];

		for (int k = 0; k < cu->n_items && n_named < lengthof(named); k++)
		{
			int32		i = cu->first_item + k;
			const OpenItem *it = &st->items[i];
			bool		dup = false;

			if (!item_usable(cx, it) || it->number_len < 4)
				continue;
			for (int j = 0; j < n_named && !dup; j++)
				dup = named[j].item == i;
			if (!dup && text_has_number(sig->text, sig->text_len, it->number))
			{
				named[n_named].item = i;
				named[n_named].by_ref = false;
				n_named++;
			}
		}
	}
	if (n_named > 0)
		match_named(cx, named, n_named);
	/* the weaker signals only when the strong ones left doubt */
	if (best_confidence(cx) < SURE_ENOUGH)
		match_fuzzy_numbers(cx, named, n_named);
	if (best_confidence(cx) < SURE_ENOUGH)
		match_amounts(cx);

	if (cx->n > 1)
		qsort_arg(cx->ans, cx->n, sizeof(Answer), cmp_answers, (void *) st);
	/* two answers about equally good: do not guess */
	if (cx->n > 1 && cx->ans[1].confidence >= cx->ans[0].confidence - 0.02f)
	{
		cx->ans[0].confidence = Min(cx->ans[0].confidence, 0.80f);
		cx->ans[1].confidence = Min(cx->ans[1].confidence, 0.80f);
		reason_append(&cx->ans[0], "another answer is about as good");
		reason_append(&cx->ans[1], "another answer is about as good");
	}
}

/* ------------------------------------------------------------------------
 * Writing decisions
 * ------------------------------------------------------------------------ */

typedef struct Decision
{
	int64		payment_id;
	char		currency[4];
	Answer		a;
} Decision;

typedef struct ProposalRow
{
	int64		payment_id;
	char		currency[4];
	int			rank;
	Answer		a;
} ProposalRow;

typedef struct Batch
{
	Decision   *dec;
	int			n_dec;
	ProposalRow *prop;
	int			n_prop;
	int64	   *examined;		/* payment ids examined in the batch */
	int			n_examined;
} Batch;

typedef struct Totals
{
	int64		examined;
	int64		lettered;
	int64		proposed;
	int64		unmatched;
	int64		amount_units;
	int64		write_offs;
	int64		write_off_units;
	/* milliseconds spent, for the DEBUG1 report */
	long		ms_match;
	long		ms_lock;
	long		ms_letters;
	long		ms_allocations;
	long		ms_proposals;
} Totals;

/* Growable arrays of Datums for array parameters. */
typedef struct DatumVec
{
	Datum	   *v;
	bool	   *nulls;
	int			n;
	int			cap;
} DatumVec;

static void
dv_push(DatumVec *d, Datum x, bool isnull)
{
	if (d->n == d->cap)
	{
		d->cap = d->cap ? d->cap * 2 : 256;
		d->v = d->v ? repalloc(d->v, sizeof(Datum) * d->cap) : palloc(sizeof(Datum) * d->cap);
		d->nulls = d->nulls ? repalloc(d->nulls, sizeof(bool) * d->cap) : palloc(sizeof(bool) * d->cap);
	}
	d->v[d->n] = x;
	d->nulls[d->n] = isnull;
	d->n++;
}

static Datum
dv_array(DatumVec *d, Oid elemtype)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			dims[1] = {d->n};
	int			lbs[1] = {1};

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	if (d->n == 0)
		return PointerGetDatum(construct_empty_array(elemtype));
	return PointerGetDatum(construct_md_array(d->v, d->nulls, 1, dims, lbs, elemtype, typlen, typbyval, typalign));
}

static void
spi_exec(const char *sql, int nargs, Oid *types, Datum *values, int expect)
{
	int			ret = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0);

	if (ret != expect)
		elog(ERROR, "dunning lettering: statement failed (%s): %s", SPI_result_code_string(ret), sql);
}

/*
 * Locks the rows a batch touches, in the writers' order (payments, then
 * invoice rows by id), and drops the decisions that no longer fit: another
 * session allocated the payment or the items since the store was loaded.
 */
static void
lock_and_verify(Store *st, Batch *b)
{
	DatumVec	pays = {0},
				items = {0};
	Oid			types[1] = {INT8ARRAYOID};
	Datum		values[1];
	U64Map		ok_pay,
				open_now;
	int64	   *opens;
	int			kept = 0;

	if (b->n_dec == 0)
		return;
	for (int k = 0; k < b->n_dec; k++)
	{
		dv_push(&pays, Int64GetDatum(b->dec[k].payment_id), false);
		for (int i = 0; i < b->dec[k].a.n; i++)
			dv_push(&items, Int64GetDatum(st->items[b->dec[k].a.item[i]].id), false);
	}
	map_init(&ok_pay, pays.n);
	map_init(&open_now, items.n);

	values[0] = dv_array(&pays, INT8OID);
	spi_exec("SELECT payment_id FROM dunning.payment WHERE payment_id = ANY ($1)"
			 " AND allocated_amount = 0 ORDER BY payment_id FOR NO KEY UPDATE",
			 1, types, values, SPI_OK_SELECT);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		found;

		*map_slot(&ok_pay, (uint64) spi_int8(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, 0), &found) = 1;
	}
	values[0] = dv_array(&items, INT8OID);
	spi_exec("SELECT invoice_id, ((pg_catalog.abs(amount) - settled_amount) * 10000)::int8"
			 " FROM dunning.invoice WHERE invoice_id = ANY ($1) ORDER BY invoice_id FOR NO KEY UPDATE",
			 1, types, values, SPI_OK_SELECT);
	opens = palloc(sizeof(int64) * Max(1, SPI_processed));
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		found;
		HeapTuple	tup = SPI_tuptable->vals[r];

		opens[r] = spi_int8(tup, SPI_tuptable->tupdesc, 2, 0);
		*map_slot(&open_now, (uint64) spi_int8(tup, SPI_tuptable->tupdesc, 1, 0), &found) = (int32) r;
	}
	/* decisions are applied in order; each takes its settlements off what is open */
	for (int k = 0; k < b->n_dec; k++)
	{
		Decision   *d = &b->dec[k];
		bool		fits = map_get(&ok_pay, (uint64) d->payment_id, 0) == 1;

		for (int i = 0; i < d->a.n && fits; i++)
		{
			int32		at = map_get(&open_now, (uint64) st->items[d->a.item[i]].id, -1);

			fits = at >= 0 && opens[at] >= d->a.settle[i];
		}
		if (!fits)
			continue;
		for (int i = 0; i < d->a.n; i++)
			opens[map_get(&open_now, (uint64) st->items[d->a.item[i]].id, -1)] -= d->a.settle[i];
		b->dec[kept++] = *d;
	}
	b->n_dec = kept;
}

static void
write_batch(Store *st, Batch *b, Totals *tot)
{
	DatumVec	l_id = {0},
				l_cust = {0},
				l_method = {0},
				l_conf = {0},
				l_expl = {0};
	DatumVec	a_pay = {0},
				a_cn = {0},
				a_inv = {0},
				a_amt = {0},
				a_letter = {0},
				a_code = {0},
				a_method = {0},
				a_conf = {0};
	DatumVec	w_inv = {0},
				w_pay = {0},
				w_letter = {0},
				w_amt = {0};
	DatumVec	p_pay = {0},
				p_rank = {0},
				p_cust = {0},
				p_ids = {0},
				p_amts = {0},
				p_wo = {0},
				p_conf = {0},
				p_method = {0},
				p_reason = {0};

	TimestampTz t = GetCurrentTimestamp();

	lock_and_verify(st, b);
	tot->ms_lock += TimestampDifferenceMilliseconds(t, GetCurrentTimestamp());
	t = GetCurrentTimestamp();

	if (b->n_dec > 0)
	{
		Oid			t1[1] = {INT4OID};
		Datum		v1[1] = {Int32GetDatum(b->n_dec)};

		spi_exec("SELECT pg_catalog.nextval('dunning.letter_letter_id_seq') FROM pg_catalog.generate_series(1, $1)",
				 1, t1, v1, SPI_OK_SELECT);
		if (SPI_processed != (uint64) b->n_dec)
			elog(ERROR, "dunning lettering: could not draw letter ids");
		for (int k = 0; k < b->n_dec; k++)
			dv_push(&l_id, Int64GetDatum(spi_int8(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1, 0)), false);
	}
	for (int k = 0; k < b->n_dec; k++)
	{
		Decision   *d = &b->dec[k];
		Answer	   *a = &d->a;
		int64		need[MAX_ANSWER_ITEMS];
		Datum		letter = l_id.v[k];

		dv_push(&l_cust, Int64GetDatum(st->customers[a->customer].id), false);
		dv_push(&l_method, CStringGetTextDatum(method_names[a->method]), false);
		dv_push(&l_conf, Float4GetDatum(a->confidence), false);
		dv_push(&l_expl, CStringGetTextDatum(a->reason), false);

		for (int i = 0; i < a->n; i++)
			need[i] = st->items[a->item[i]].amount > 0 ? a->settle[i] : 0;
		if (a->write_off > 0)
		{
			need[a->n - 1] -= a->write_off;
			dv_push(&w_inv, Int64GetDatum(st->items[a->item[a->n - 1]].id), false);
			dv_push(&w_pay, Int64GetDatum(d->payment_id), false);
			dv_push(&w_letter, letter, false);
			dv_push(&w_amt, NumericGetDatum(dunning_units_to_numeric(a->write_off, d->currency)), false);
			tot->write_offs++;
			tot->write_off_units += a->write_off;
		}
		/* credit notes first, against the invoices in order */
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
				dv_push(&a_pay, (Datum) 0, true);
				dv_push(&a_cn, Int64GetDatum(st->items[a->item[i]].id), false);
				dv_push(&a_inv, Int64GetDatum(st->items[a->item[j]].id), false);
				dv_push(&a_amt, NumericGetDatum(dunning_units_to_numeric(take, d->currency)), false);
				dv_push(&a_letter, letter, false);
				dv_push(&a_method, l_method.v[k], false);
				dv_push(&a_conf, l_conf.v[k], false);
				need[j] -= take;
				credit -= take;
			}
		}
		for (int j = 0; j < a->n; j++)
		{
			if (need[j] <= 0)
				continue;
			dv_push(&a_pay, Int64GetDatum(d->payment_id), false);
			dv_push(&a_cn, (Datum) 0, true);
			dv_push(&a_inv, Int64GetDatum(st->items[a->item[j]].id), false);
			dv_push(&a_amt, NumericGetDatum(dunning_units_to_numeric(need[j], d->currency)), false);
			dv_push(&a_letter, letter, false);
			dv_push(&a_method, l_method.v[k], false);
			dv_push(&a_conf, l_conf.v[k], false);
		}
		tot->lettered++;
		tot->amount_units += a->used;
	}
	if (b->n_dec > 0)
	{
		Oid			lt[5] = {INT8ARRAYOID, INT8ARRAYOID, TEXTARRAYOID, FLOAT4ARRAYOID, TEXTARRAYOID};
		Datum		lv[5] = {dv_array(&l_id, INT8OID), dv_array(&l_cust, INT8OID), dv_array(&l_method, TEXTOID),
		dv_array(&l_conf, FLOAT4OID), dv_array(&l_expl, TEXTOID)};
		Oid			at[8] = {INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, NUMERICARRAYOID, INT8ARRAYOID,
		TEXTARRAYOID, TEXTARRAYOID, FLOAT4ARRAYOID};
		Datum		av[8] = {dv_array(&a_pay, INT8OID), dv_array(&a_cn, INT8OID), dv_array(&a_inv, INT8OID),
		dv_array(&a_amt, NUMERICOID), dv_array(&a_letter, INT8OID)};
		U64Map		code_at;
		Datum	   *codes;

		spi_exec("WITH d AS (SELECT * FROM ROWS FROM (pg_catalog.unnest($1::int8[]), pg_catalog.unnest($2::int8[]), pg_catalog.unnest($3::text[]), pg_catalog.unnest($4::real[]), pg_catalog.unnest($5::text[]))"
				 "             AS u(letter_id, customer_id, method, confidence, explanation)),"
				 " n AS (SELECT d.*, pg_catalog.row_number() OVER (PARTITION BY d.customer_id ORDER BY d.letter_id) - 1 AS k,"
				 "              pg_catalog.count(*) OVER (PARTITION BY d.customer_id) AS cnt FROM d),"
				 " c AS (INSERT INTO dunning.letter_counter AS lc (customer_id, last_number)"
				 "       SELECT n.customer_id, pg_catalog.max(n.cnt) - 1 FROM n GROUP BY n.customer_id"
				 "       ON CONFLICT (customer_id) DO UPDATE SET last_number = lc.last_number + excluded.last_number + 1"
				 "       RETURNING lc.customer_id, lc.last_number)"
				 " INSERT INTO dunning.letter (letter_id, customer_id, letter_code, method, confidence, explanation)"
				 " SELECT n.letter_id, n.customer_id, dunning.letter_code(c.last_number - n.cnt + 1 + n.k),"
				 "        n.method, n.confidence, n.explanation"
				 "   FROM n JOIN c ON c.customer_id = n.customer_id ORDER BY n.letter_id"
				 " RETURNING letter_id, letter_code",
				 5, lt, lv, SPI_OK_INSERT_RETURNING);
		if (SPI_processed != (uint64) b->n_dec)
			elog(ERROR, "dunning lettering: wrote " UINT64_FORMAT " letters for %d decisions",
				 SPI_processed, b->n_dec);
		/* the codes, by letter id, for the allocation rows (no join back to dunning.letter) */
		map_init(&code_at, b->n_dec);
		codes = palloc(sizeof(Datum) * b->n_dec);
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			bool		found;
			bool		isnull;
			HeapTuple	tup = SPI_tuptable->vals[r];

			*map_slot(&code_at, (uint64) spi_int8(tup, SPI_tuptable->tupdesc, 1, 0), &found) = (int32) r;
			codes[r] = datumCopy(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull), false, -1);
		}
		SPI_freetuptable(SPI_tuptable);
		for (int k = 0; k < a_letter.n; k++)
		{
			int32		at = map_get(&code_at, (uint64) DatumGetInt64(a_letter.v[k]), -1);

			if (at < 0)
				elog(ERROR, "dunning lettering: letter " INT64_FORMAT " was not written", DatumGetInt64(a_letter.v[k]));
			dv_push(&a_code, codes[at], false);
		}
		tot->ms_letters += TimestampDifferenceMilliseconds(t, GetCurrentTimestamp());
		t = GetCurrentTimestamp();
		av[5] = dv_array(&a_code, TEXTOID);
		av[6] = dv_array(&a_method, TEXTOID);
		av[7] = dv_array(&a_conf, FLOAT4OID);
		/* in invoice order: the index entries and the totals' updates go page by page */
		spi_exec("INSERT INTO dunning.allocation (payment_id, credit_note_id, invoice_id, amount, letter_id,"
				 "                                letter_code, method, confidence)"
				 " SELECT u.payment_id, u.credit_note_id, u.invoice_id, u.amount, u.letter_id, u.letter_code,"
				 "        u.method, u.confidence"
				 "   FROM ROWS FROM (pg_catalog.unnest($1::int8[]), pg_catalog.unnest($2::int8[]), pg_catalog.unnest($3::int8[]), pg_catalog.unnest($4::numeric[]),"
				 "                   pg_catalog.unnest($5::int8[]), pg_catalog.unnest($6::text[]), pg_catalog.unnest($7::text[]), pg_catalog.unnest($8::real[]))"
				 "        AS u(payment_id, credit_note_id, invoice_id, amount, letter_id, letter_code, method, confidence)"
				 "  ORDER BY u.invoice_id",
				 8, at, av, SPI_OK_INSERT);
		if (w_inv.n > 0)
		{
			Oid			wt[4] = {INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, NUMERICARRAYOID};
			Datum		wv[4] = {dv_array(&w_inv, INT8OID), dv_array(&w_pay, INT8OID), dv_array(&w_letter, INT8OID),
			dv_array(&w_amt, NUMERICOID)};

			spi_exec("INSERT INTO dunning.write_off (invoice_id, payment_id, letter_id, amount, reason)"
					 " SELECT u.invoice_id, u.payment_id, u.letter_id, u.amount, 'bank_fee'"
					 "   FROM ROWS FROM (pg_catalog.unnest($1::int8[]), pg_catalog.unnest($2::int8[]), pg_catalog.unnest($3::int8[]), pg_catalog.unnest($4::numeric[]))"
					 "        AS u(invoice_id, payment_id, letter_id, amount)",
					 4, wt, wv, SPI_OK_INSERT);
		}
	}

	tot->ms_allocations += TimestampDifferenceMilliseconds(t, GetCurrentTimestamp());
	t = GetCurrentTimestamp();
	/* proposals of the examined payments are replaced by this run's */
	if (b->n_examined > 0)
	{
		DatumVec	ex = {0};
		Oid			t[1] = {INT8ARRAYOID};
		Datum		v[1];

		for (int k = 0; k < b->n_examined; k++)
			dv_push(&ex, Int64GetDatum(b->examined[k]), false);
		v[0] = dv_array(&ex, INT8OID);
		spi_exec("DELETE FROM dunning.proposal WHERE payment_id = ANY ($1) AND status = 'pending'",
				 1, t, v, SPI_OK_DELETE);
	}
	for (int k = 0; k < b->n_prop; k++)
	{
		ProposalRow *pr = &b->prop[k];
		StringInfoData ids,
					amts;

		initStringInfo(&ids);
		initStringInfo(&amts);
		appendStringInfoChar(&ids, '{');
		appendStringInfoChar(&amts, '{');
		for (int i = 0; i < pr->a.n; i++)
		{
			const OpenItem *it = &st->items[pr->a.item[i]];

			if (i > 0)
			{
				appendStringInfoChar(&ids, ',');
				appendStringInfoChar(&amts, ',');
			}
			appendStringInfo(&ids, INT64_FORMAT, it->id);
			dunning_append_units(&amts, it->amount > 0 ? pr->a.settle[i] : -pr->a.settle[i], pr->currency);
		}
		appendStringInfoChar(&ids, '}');
		appendStringInfoChar(&amts, '}');
		dv_push(&p_pay, Int64GetDatum(pr->payment_id), false);
		dv_push(&p_rank, Int32GetDatum(pr->rank), false);
		dv_push(&p_cust, Int64GetDatum(st->customers[pr->a.customer].id), false);
		dv_push(&p_ids, CStringGetTextDatum(ids.data), false);
		dv_push(&p_amts, CStringGetTextDatum(amts.data), false);
		dv_push(&p_wo, NumericGetDatum(dunning_units_to_numeric(pr->a.write_off, pr->currency)), false);
		dv_push(&p_conf, Float4GetDatum(pr->a.confidence), false);
		dv_push(&p_method, CStringGetTextDatum(method_names[pr->a.method]), false);
		dv_push(&p_reason, CStringGetTextDatum(pr->a.reason), false);
	}
	if (b->n_prop > 0)
	{
		Oid			pt[9] = {INT8ARRAYOID, INT4ARRAYOID, INT8ARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
		NUMERICARRAYOID, FLOAT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID};
		Datum		pv[9] = {dv_array(&p_pay, INT8OID), dv_array(&p_rank, INT4OID), dv_array(&p_cust, INT8OID),
			dv_array(&p_ids, TEXTOID), dv_array(&p_amts, TEXTOID), dv_array(&p_wo, NUMERICOID),
		dv_array(&p_conf, FLOAT4OID), dv_array(&p_method, TEXTOID), dv_array(&p_reason, TEXTOID)};

		spi_exec("INSERT INTO dunning.proposal (payment_id, rank, customer_id, invoice_ids, amounts, write_off,"
				 "                              confidence, method, reason)"
				 " SELECT u.payment_id, u.rank, u.customer_id, u.ids::int8[], u.amts::numeric[], u.write_off,"
				 "        u.confidence, u.method, u.reason"
				 "   FROM ROWS FROM (pg_catalog.unnest($1::int8[]), pg_catalog.unnest($2::int4[]), pg_catalog.unnest($3::int8[]), pg_catalog.unnest($4::text[]), pg_catalog.unnest($5::text[]), pg_catalog.unnest("
				 "                          $6::numeric[]), pg_catalog.unnest($7::real[]), pg_catalog.unnest($8::text[]), pg_catalog.unnest($9::text[]))"
				 "        AS u(payment_id, rank, customer_id, ids, amts, write_off, confidence, method, reason)",
				 9, pt, pv, SPI_OK_INSERT);
	}
	tot->ms_proposals += TimestampDifferenceMilliseconds(t, GetCurrentTimestamp());
}

/* ------------------------------------------------------------------------
 * SQL entry points
 * ------------------------------------------------------------------------ */

/* Advisory lock key of auto_letter (the bytes of "dunning" and 1). */
#define AUTO_LETTER_LOCK INT64CONST(0x64756e6e696e6701)
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
	int			start[NAME_WORDS_MAX],
				wlen[NAME_WORDS_MAX];
	int			n = name_words(norm, len, start, wlen);
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
	int			l = customer_ref_norm(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), buf);

	if (l < 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf, l));
}

/* Lettering passes before the proposing one. */
#define MAX_LETTER_PASSES 3

static const char *const payments_select =
"SELECT p.payment_id, (p.amount * 10000)::int8, p.currency::text, p.received_on, p.customer_id,"
" p.payer_name, p.payer_iban, p.remittance_info, p.reference, ((p.amount - p.allocated_amount) * 10000)::int8"
" FROM dunning.payment p";

static void
read_payment(HeapTuple tup, TupleDesc desc, Payment *p, bool remaining)
{
	bool		isnull;
	char	   *c;

	p->id = spi_int8(tup, desc, 1, 0);
	p->amount = spi_int8(tup, desc, remaining ? 10 : 2, 0);
	c = spi_text(tup, desc, 3);
	strlcpy(p->currency_code, c, sizeof(p->currency_code));
	p->currency = pack_currency(p->currency_code);
	p->received = DatumGetDateADT(SPI_getbinval(tup, desc, 4, &isnull));
	p->customer_id = spi_int8(tup, desc, 5, 0);
	p->payer_name = spi_text(tup, desc, 6);
	p->payer_iban = spi_text(tup, desc, 7);
	p->remittance = spi_text(tup, desc, 8);
	p->reference = spi_text(tup, desc, 9);
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

PG_FUNCTION_INFO_V1(auto_letter);

/*
 * auto_letter(min_confidence real) -> (examined, lettered, proposed,
 * left_unmatched, amount_lettered, write_offs, write_off_amount)
 */
Datum
auto_letter(PG_FUNCTION_ARGS)
{
	float4		min_conf = PG_ARGISNULL(0) ? 0.9f : PG_GETARG_FLOAT4(0);
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {false};
	Totals		tot = {0};
	Tolerances	tol;
	Store	   *st;
	MemoryContext batch_cxt;
	char		query[1024];
	int64	   *ids;
	uint64		n_ids;
	int64		lettered_last = 0;
	TimestampTz t0;
	TimestampTz tm = 0;
	int64		us_match = 0;
	/* the per-payment clock runs only when the DEBUG1 report will be seen */
	bool		timing = message_level_is_interesting(DEBUG1);
	Oid			lock_type[1] = {INT8OID};
	Datum		lock_value[1] = {Int64GetDatum(AUTO_LETTER_LOCK)};
	int			ret;

	if (isnan(min_conf) || min_conf <= 0.0f || min_conf > 1.0f)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_confidence must be in (0, 1], got %g", min_conf),
				 errhint("0.9 letters what is certain; lower values letter more and risk more.")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "auto_letter must return a composite");
	tupdesc = BlessTupleDesc(tupdesc);

	if ((ret = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(ret));
	/* one auto_letter at a time; the second waits, then sees the first's work */
	spi_exec("SELECT pg_catalog.pg_advisory_xact_lock($1)", 1, lock_type, lock_value, SPI_OK_SELECT);

	load_tolerances(&tol);
	t0 = GetCurrentTimestamp();
	st = store_create();
	store_load_customers(st, (Datum) 0);
	elog(DEBUG1, "auto_letter: loaded %d customers in %ld ms",
		 st->n_customers, (long) (TimestampDifferenceMilliseconds(t0, GetCurrentTimestamp())));
	snprintf(query, sizeof(query), "%s ORDER BY i.customer_id, i.due_on, i.invoice_id", items_select);
	store_load_items(st, query, 0, NULL, NULL);
	elog(DEBUG1, "auto_letter: loaded %d open items at %ld ms",
		 st->n_items, (long) (TimestampDifferenceMilliseconds(t0, GetCurrentTimestamp())));
	store_load_ibans(st);
	store_load_rejected(st, 0);
	elog(DEBUG1, "auto_letter: loaded payer accounts and rejections at %ld ms; the store holds %zu kB",
		 (long) (TimestampDifferenceMilliseconds(t0, GetCurrentTimestamp())),
		 MemoryContextMemAllocated(st->cxt, true) / 1024);

	batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "dunning lettering batch", ALLOCSET_DEFAULT_SIZES);

	/* the unlettered payments, oldest first */
	snprintf(query, sizeof(query), "SELECT p.payment_id FROM dunning.payment p WHERE p.allocated_amount = 0"
			 " ORDER BY p.received_on, p.payment_id");
	spi_exec(query, 0, NULL, NULL, SPI_OK_SELECT);
	n_ids = SPI_processed;
	ids = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * Max(1, n_ids));
	for (uint64 r = 0; r < n_ids; r++)
		ids[r] = spi_int8(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, 0);
	SPI_freetuptable(SPI_tuptable);
	tot.examined = n_ids;

	/*
	 * Letter in passes: a payment left unsure may become sure once later
	 * payments have settled the items that competed with its answer.  Then
	 * one pass proposes, against the final state, for what is left.
	 */
	for (int pass = 1; pass <= MAX_LETTER_PASSES + 1; pass++)
	{
		bool		proposing = (pass > MAX_LETTER_PASSES || (pass > 1 && lettered_last == 0));
		uint64		kept = 0;
		int64		before = tot.lettered;

		for (uint64 from = 0; from < n_ids; from += BATCH_PAYMENTS)
		{
			MemoryContext old;
			Batch		b = {0};
			DatumVec	chunk = {0};
			Oid			t[1] = {INT8ARRAYOID};
			Datum		v[1];
			uint64		n;
			SPITupleTable *tt;

			MemoryContextReset(batch_cxt);
			old = MemoryContextSwitchTo(batch_cxt);
			for (uint64 r = from; r < Min(from + BATCH_PAYMENTS, n_ids); r++)
				dv_push(&chunk, Int64GetDatum(ids[r]), false);
			v[0] = dv_array(&chunk, INT8OID);
			snprintf(query, sizeof(query), "%s WHERE p.payment_id = ANY ($1) AND p.allocated_amount = 0"
					 " ORDER BY p.received_on, p.payment_id", payments_select);
			spi_exec(query, 1, t, v, SPI_OK_SELECT);
			tt = SPI_tuptable;
			n = SPI_processed;
			b.dec = palloc(sizeof(Decision) * Max(1, n));
			b.prop = palloc(sizeof(ProposalRow) * Max(1, n) * PROPOSALS_KEPT);
			b.examined = palloc(sizeof(int64) * Max(1, n));
			for (uint64 r = 0; r < n; r++)
			{
				Payment		p;
				Signals		sig;
				MatchCtx	cx;

				CHECK_FOR_INTERRUPTS();
				read_payment(tt->vals[r], tt->tupdesc, &p, false);
				b.examined[b.n_examined++] = p.id;
				if (timing)
					tm = GetCurrentTimestamp();
				collect_signals(st, &p, &sig);
				cx.st = st;
				cx.p = &p;
				cx.sig = &sig;
				cx.tol = &tol;
				match_payment(&cx);
				if (timing)
					us_match += GetCurrentTimestamp() - tm;
				if (!proposing && cx.n > 0 && cx.ans[0].confidence >= min_conf)
				{
					Decision   *d = &b.dec[b.n_dec++];

					d->payment_id = p.id;
					memcpy(d->currency, p.currency_code, sizeof(d->currency));
					d->a = cx.ans[0];
					/* later payments of this run see what this one settled */
					for (int i = 0; i < d->a.n; i++)
						st->items[d->a.item[i]].open -= d->a.settle[i];
					continue;
				}
				/* a payment without any answer cannot gain one from others' lettering */
				if (cx.n == 0)
					continue;
				ids[kept++] = p.id;
				if (proposing && cx.ans[0].confidence >= PROPOSAL_FLOOR)
				{
					for (int k = 0; k < Min(cx.n, PROPOSALS_KEPT); k++)
					{
						ProposalRow *pr;

						if (cx.ans[k].confidence < PROPOSAL_FLOOR)
							break;
						pr = &b.prop[b.n_prop++];
						pr->payment_id = p.id;
						memcpy(pr->currency, p.currency_code, sizeof(pr->currency));
						pr->rank = k + 1;
						pr->a = cx.ans[k];
					}
					tot.proposed++;
				}
			}
			SPI_freetuptable(tt);
			/* stale proposals go in the first pass, new ones come in the last */
			if (pass > 1 && !proposing)
				b.n_examined = 0;
			write_batch(st, &b, &tot);
			MemoryContextSwitchTo(old);
		}
		tot.ms_match = (long) (us_match / 1000);
		elog(DEBUG1, "auto_letter: pass %d (%s) over " UINT64_FORMAT " payments: " INT64_FORMAT " lettered, at %ld ms;"
			 " so far matching %ld ms, locking %ld ms, letters %ld ms, allocations %ld ms, proposals %ld ms",
			 pass, proposing ? "proposing" : "lettering", n_ids, tot.lettered - before,
			 (long) TimestampDifferenceMilliseconds(t0, GetCurrentTimestamp()),
			 tot.ms_match, tot.ms_lock, tot.ms_letters, tot.ms_allocations, tot.ms_proposals);
		n_ids = kept;
		lettered_last = tot.lettered - before;
		if (proposing)
			break;
	}
	SPI_finish();
	/* results are built in the caller's context, after SPI has let go */
	values[0] = Int64GetDatum(tot.examined);
	values[1] = Int64GetDatum(tot.lettered);
	values[2] = Int64GetDatum(tot.proposed);
	values[3] = Int64GetDatum(tot.examined - tot.lettered - tot.proposed);
	values[4] = DirectFunctionCall1(numeric_trim_scale, NumericGetDatum(int64_div_fast_to_numeric(tot.amount_units, 4)));
	values[5] = Int64GetDatum(tot.write_offs);
	values[6] = DirectFunctionCall1(numeric_trim_scale, NumericGetDatum(int64_div_fast_to_numeric(tot.write_off_units, 4)));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * The customers one payment can concern, loaded into st, instead of every
 * customer (auto_letter's store): the given payer, the payers of lettered
 * payments from the same IBAN, customers whose number is quoted in the text,
 * customers sharing a name word with the payer name (the GIN index on
 * dunning.company_name_words), and those of the open items already found
 * (ids in custs).  A payer-name word borne by more than COMMON_WORD customers
 * names nobody; such words are counted over all customers and marked in
 * st->common_words, so that payer_by_name scores exactly the candidates it
 * scores with every customer loaded.
 */
static void
suggest_load_customers(Store *st, const Payment *p, const char *iban, DatumVec *custs, Datum tokens)
{
	DatumVec	words = {0},
				rare = {0},
				ids = {0},
				iban_custs = {0};
	Oid			t3[3] = {INT8OID, TEXTARRAYOID, TEXTARRAYOID};
	Datum		v3[3];
	char		nulls[3] = {p->customer_id == 0 ? 'n' : ' ', ' ', ' '};

	if (p->payer_name != NULL)
	{
		char		norm[512];
		int			len = dunning_normalize_name(p->payer_name, Min((int) strlen(p->payer_name), 1024), norm, sizeof(norm));
		int			start[NAME_WORDS_MAX],
					wlen[NAME_WORDS_MAX];
		int			n_w = name_words(norm, len, start, wlen);

		for (int w = 0; w < n_w; w++)
			dv_push(&words, PointerGetDatum(cstring_to_text_with_len(norm + start[w], wlen[w])), false);
	}
	if (words.n > 0)
	{
		Oid			t2[2] = {TEXTARRAYOID, INT4OID};
		Datum		v2[2] = {dv_array(&words, TEXTOID), Int32GetDatum(COMMON_WORD)};

		/* each word's customers, counted up to one past the limit */
		spi_exec("SELECT w.word, (SELECT pg_catalog.count(*) FROM (SELECT 1 FROM dunning.customer c"
				 "                 WHERE dunning.company_name_words(c.name) @> ARRAY[w.word] LIMIT $2 + 1) x) > $2"
				 "  FROM pg_catalog.unnest($1) AS w(word)",
				 2, t2, v2, SPI_OK_SELECT);
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			bool		isnull;
			char	   *w = spi_text(tup, SPI_tuptable->tupdesc, 1);
			bool		common = DatumGetBool(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull));

			if (common)
			{
				bool		found;

				*map_slot(&st->common_words, hash_str(w, strlen(w)), &found) = 1;
			}
			else
				dv_push(&rare, CStringGetTextDatum(w), false);
		}
	}
	if (iban != NULL)
	{
		Oid			t1[1] = {TEXTOID};
		Datum		v1[1] = {CStringGetTextDatum(iban)};

		/* the payers of lettered payments from this account (payment_payer_iban_idx) */
		spi_exec("SELECT DISTINCT p.customer_id FROM dunning.payment p"
				 " WHERE p.payer_iban IS NOT NULL AND p.customer_id IS NOT NULL AND p.allocated_amount > 0"
				 "   AND pg_catalog.upper(pg_catalog.replace(p.payer_iban, ' ', '')) = $1",
				 1, t1, v1, SPI_OK_SELECT);
		for (uint64 r = 0; r < SPI_processed; r++)
			dv_push(&iban_custs, Int64GetDatum(spi_int8(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, 0)), false);
	}
	v3[0] = Int64GetDatum(p->customer_id);
	v3[1] = tokens;
	v3[2] = dv_array(&rare, TEXTOID);
	if (SPI_execute_with_args("SELECT $1 WHERE $1 IS NOT NULL"
							  " UNION SELECT c.customer_id FROM dunning.customer c"
							  "  WHERE dunning.customer_ref_key(c.external_ref) = ANY ($2)"
							  " UNION SELECT c.customer_id FROM dunning.customer c"
							  "  WHERE dunning.company_name_words(c.name) && $3",
							  3, t3, v3, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "dunning lettering: could not find the candidate customers");
	for (uint64 r = 0; r < SPI_processed; r++)
		dv_push(&ids, Int64GetDatum(spi_int8(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, 0)), false);
	for (int k = 0; k < custs->n; k++)
		dv_push(&ids, custs->v[k], false);
	for (int k = 0; k < iban_custs.n; k++)
		dv_push(&ids, iban_custs.v[k], false);
	store_load_customers(st, dv_array(&ids, INT8OID));
	/* the account names its payer when only one customer paid from it (as store_load_ibans) */
	if (iban_custs.n > 0)
	{
		bool		found;

		*map_slot(&st->by_iban, hash_str(iban, strlen(iban)), &found) =
			iban_custs.n == 1 ? map_get(&st->by_customer, (uint64) DatumGetInt64(iban_custs.v[0]), -1) : -1;
	}
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
	Signals		sig;
	MatchCtx	cx;
	Tolerances	tol;
	Store	   *st;
	int			ret;
	MemoryContext caller = CurrentMemoryContext;
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
	OutRow	   *rows;
	int			n_rows = 0;

	if (max_results < 1 || max_results > MAX_ANSWERS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_results must be between 1 and %d, got %d", MAX_ANSWERS, max_results)));
	DUNNING_INIT_SRF(fcinfo);

	if ((ret = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(ret));
	snprintf(query, sizeof(query), "%s WHERE p.payment_id = $1", payments_select);
	spi_exec(query, 1, t1, v1, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("payment " INT64_FORMAT " does not exist", payment_id)));
	read_payment(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, &p, true);
	rows = MemoryContextAlloc(caller, sizeof(OutRow) * MAX_ANSWERS);
	if (p.amount > 0)
	{
		DatumVec	tokens = {0},
					refs = {0},
					custs = {0};
		Oid			t4[4] = {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, INT8OID};
		Datum		v4[4];
		Oid			tc[1] = {INT8ARRAYOID};
		Datum		vc[1];
		char		iban[DUNNING_IBAN_MAX + 1];
		bool		have_iban;

		load_tolerances(&tol);
		st = store_create();
		/* the text's tokens and references need no customer */
		collect_text_signals(&p, &sig);
		for (int t = 0; t < sig.n_tokens; t++)
			dv_push(&tokens, PointerGetDatum(cstring_to_text_with_len(sig.tokens[t].norm, sig.tokens[t].len)), false);
		for (int r = 0; r < sig.n_refs; r++)
			dv_push(&refs, CStringGetTextDatum(sig.refs[r].norm), false);

		/* customers whose open items the text or the amount points at */
		v4[0] = CStringGetTextDatum(p.currency_code);
		v4[1] = dv_array(&tokens, TEXTOID);
		v4[2] = dv_array(&refs, TEXTOID);
		v4[3] = Int64GetDatum(p.amount);
		spi_exec("SELECT DISTINCT i.customer_id FROM dunning.invoice i"
				 " WHERE i.settled_amount < pg_catalog.abs(i.amount) AND i.currency = $1::bpchar"
				 "   AND (dunning.normalize_invoice_number(i.invoice_number) = ANY ($2)"
				 "        OR (i.reference IS NOT NULL AND dunning.reference_normalize(i.reference) = ANY ($3))"
				 "        OR pg_catalog.abs(i.amount) * 10000 = $4)",
				 4, t4, v4, SPI_OK_SELECT);
		for (uint64 r = 0; r < SPI_processed; r++)
			dv_push(&custs, Int64GetDatum(spi_int8(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, 0)), false);
		have_iban = p.payer_iban != NULL && dunning_iban_normalize(p.payer_iban, Min((int) strlen(p.payer_iban), 64), iban);
		suggest_load_customers(st, &p, have_iban ? iban : NULL, &custs, v4[1]);
		store_load_rejected(st, p.id);
		find_payer(st, &p, &sig);
		if (sig.payer >= 0)
			dv_push(&custs, Int64GetDatum(st->customers[sig.payer].id), false);
		vc[0] = dv_array(&custs, INT8OID);
		snprintf(query, sizeof(query), "%s AND i.customer_id = ANY ($1) ORDER BY i.customer_id, i.due_on, i.invoice_id",
				 items_select);
		store_load_items(st, query, 1, tc, vc);

		cx.st = st;
		cx.p = &p;
		cx.sig = &sig;
		cx.tol = &tol;
		match_payment(&cx);
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
	}
	SPI_finish();

	for (int k = 0; k < n_rows; k++)
	{
		OutRow	   *o = &rows[k];
		Datum		vals[8];
		bool		nulls[8] = {false};
		Datum		ids[MAX_ANSWER_ITEMS];
		Datum		amts[MAX_ANSWER_ITEMS];

		for (int i = 0; i < o->n; i++)
		{
			ids[i] = Int64GetDatum(o->ids[i]);
			amts[i] = NumericGetDatum(dunning_units_to_numeric(o->signed_units[i], p.currency_code));
		}
		vals[0] = Int32GetDatum(k + 1);
		vals[1] = Int64GetDatum(o->customer_id);
		vals[2] = PointerGetDatum(construct_array(ids, o->n, INT8OID, 8, true, TYPALIGN_DOUBLE));
		vals[3] = PointerGetDatum(construct_array(amts, o->n, NUMERICOID, -1, false, TYPALIGN_INT));
		vals[4] = NumericGetDatum(dunning_units_to_numeric(o->write_off, p.currency_code));
		vals[5] = Float4GetDatum(o->confidence);
		vals[6] = CStringGetTextDatum(method_names[o->method]);
		vals[7] = CStringGetTextDatum(o->reason);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
	}
	return (Datum) 0;
}
