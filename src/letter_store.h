/*
 * letter_store.h -- the lettering engine's in-memory store (letter_store.c):
 * open items and customers loaded once, with hash tables by reference,
 * invoice number, amount, customer, IBAN, customer number and name word,
 * the answers humans rejected, and the fee tolerances.  Also the SPI
 * helpers every lettering unit reads the ledger with.
 *
 * Money is int64 in units of 1/10000 of the currency (DUNNING_AMOUNT_FACTOR,
 * money.h); numeric values cross the SQL boundary as (amount * 10000)::int8.
 */
#ifndef DUNNING_LETTER_STORE_H
#define DUNNING_LETTER_STORE_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/array.h"
#include "utils/date.h"

#define MAX_ANSWER_ITEMS 8		/* items in one answer */

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
	int32		next_ref;		/* next item with the same reference, or -1 */
	int32		next_num;		/* ... the same number normal form */
	int32		next_amt;		/* ... the same loaded open amount and currency */
	int32		customer;		/* index into the customer array */
} OpenItem;

typedef struct Customer
{
	int64		id;
	char	   *name;
	int32		first_item;		/* items of the customer are contiguous */
	int32		n_items;
} Customer;

/*
 * The store's hash tables are lib/simplehash.h tables keyed on the real key
 * (compared for equality, not only by hash).  A string key points into the
 * store's memory when stored, into the caller's buffer when looked up.
 */
typedef struct StrKey
{
	const char *str;
	int32		len;
} StrKey;

/* string -> int32 (first item of a chain, or a customer index) */
typedef struct StrEntry
{
	StrKey		key;
	int32		value;
	uint32		hash;
	char		status;
} StrEntry;

#define SH_PREFIX		dunning_strmap
#define SH_ELEMENT_TYPE StrEntry
#define SH_KEY_TYPE		StrKey
#define SH_SCOPE		extern
#define SH_DECLARE
#include "lib/simplehash.h"

/* id -> int32 (customer index, row number) */
typedef struct IdEntry
{
	int64		key;
	int32		value;
	char		status;
} IdEntry;

#define SH_PREFIX		dunning_idmap
#define SH_ELEMENT_TYPE IdEntry
#define SH_KEY_TYPE		int64
#define SH_SCOPE		extern
#define SH_DECLARE
#include "lib/simplehash.h"

/* (open amount, currency) -> first item of the chain */
typedef struct AmountKey
{
	int64		units;
	uint32		currency;
} AmountKey;

typedef struct AmountEntry
{
	AmountKey	key;
	int32		value;
	char		status;
} AmountEntry;

#define SH_PREFIX		dunning_amtmap
#define SH_ELEMENT_TYPE AmountEntry
#define SH_KEY_TYPE		AmountKey
#define SH_SCOPE		extern
#define SH_DECLARE
#include "lib/simplehash.h"

/* A payment and the set of items of one answer: ids sorted ascending. */
typedef struct AnswerKey
{
	int64		payment_id;
	int32		n;
	int64		ids[MAX_ANSWER_ITEMS];
} AnswerKey;

typedef struct AnswerEntry
{
	AnswerKey	key;
	uint32		hash;
	char		status;
} AnswerEntry;

#define SH_PREFIX		dunning_answerset
#define SH_ELEMENT_TYPE AnswerEntry
#define SH_KEY_TYPE		AnswerKey
#define SH_SCOPE		extern
#define SH_DECLARE
#include "lib/simplehash.h"

/*
 * A name word -> the customers whose name has it, in customer order: a
 * chain through the store's postings (first, then next of each posting).
 */
typedef struct WordEntry
{
	StrKey		key;
	int32		first;
	int32		last;
	int32		count;
	uint32		hash;
	char		status;
} WordEntry;

#define SH_PREFIX		dunning_wordmap
#define SH_ELEMENT_TYPE WordEntry
#define SH_KEY_TYPE		StrKey
#define SH_SCOPE		extern
#define SH_DECLARE
#include "lib/simplehash.h"

typedef struct NamePosting
{
	int32		customer;
	int32		next;			/* next posting of the same word, or -1 */
} NamePosting;

typedef struct Store
{
	MemoryContext cxt;
	OpenItem   *items;
	int32		n_items;
	int32		cap_items;
	Customer   *customers;
	int32		n_customers;
	int32		cap_customers;
	dunning_strmap_hash *by_ref;	/* reference -> first item */
	dunning_strmap_hash *by_num;	/* number_norm -> first item */
	dunning_amtmap_hash *by_amt;	/* (open, currency) -> first item */
	dunning_idmap_hash *by_customer;	/* customer id -> customer index */
	dunning_strmap_hash *by_iban;	/* IBAN -> customer index, -1 ambiguous */
	dunning_strmap_hash *by_ext_ref;	/* customer number key -> customer, -1
										 * ambiguous */
	dunning_wordmap_hash *words;	/* name word -> its postings */
	NamePosting *postings;
	int32		n_postings;
	int32		cap_postings;
	dunning_strmap_hash *common_words;	/* words too common to name anybody,
										 * when only some customers are loaded
										 * (suggest) */
	dunning_answerset_hash *rejected;	/* answers humans rejected */
} Store;

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

/* The open items of the ledger: append conditions, then ORDER BY customer. */
extern const char dunning_items_select[];

extern Store *dunning_store_create(void);
/* Customers: all of them when ids is 0, else those in the int8[] ids. */
extern void dunning_store_load_customers(Store *st, Datum ids);
/* Open items of a query (dunning_items_select ...), chained into the tables. */
extern void dunning_store_load_items(Store *st, const char *query, int nargs, Oid *types, Datum *values);
/* IBANs seen on lettered payments. */
extern void dunning_store_load_ibans(Store *st);
/* Rejected proposals (of one payment, or of all when only_payment is 0). */
extern void dunning_store_load_rejected(Store *st, int64 only_payment);
/* The customer index of an IBAN: one customer, or -1 (several). */
extern void dunning_store_set_iban(Store *st, const char *iban, int32 customer);
/* A word too common to name anybody (counted over every customer). */
extern void dunning_store_mark_common_word(Store *st, const char *word);

/* Lookups: index of a customer id, customer of an IBAN (-1 when none). */
extern int32 dunning_store_customer(const Store *st, int64 customer_id);
extern int32 dunning_store_iban_customer(const Store *st, const char *iban);
/* customer of a customer number key: index, -1 ambiguous, -2 unknown */
extern int32 dunning_store_ext_ref_customer(const Store *st, const char *key, int len);
/* First item of a chain (-1 when none): by reference, number normal form, amount. */
extern int32 dunning_store_first_ref(const Store *st, const char *ref);
extern int32 dunning_store_first_num(const Store *st, const char *norm, int len);
extern int32 dunning_store_first_amount(const Store *st, int64 units, uint32 currency);
/* The customers whose name has a word (NULL when none); is a word too common? */
extern const WordEntry *dunning_store_word(const Store *st, const char *word, int len);
extern bool dunning_store_common_word(const Store *st, const char *word, int len);
/* Was this answer (items in any order) rejected for the payment? */
extern bool dunning_store_rejected(const Store *st, int64 payment_id, int n, const int64 *ids);

extern void dunning_load_tolerances(Tolerances *tol);
extern int64 dunning_tolerance_for(const Tolerances *tol, uint32 currency, int64 open);
/* Three letters (or fewer, NUL-terminated) packed into an int. */
extern uint32 dunning_pack_currency(const char *c);

/* SPI helpers: a text column as a C string or NULL; an int8 or missing. */
extern char *dunning_spi_text(HeapTuple tup, TupleDesc desc, int col);
extern int64 dunning_spi_int8(HeapTuple tup, TupleDesc desc, int col, int64 missing);
/* Runs a statement with arguments; raises an error unless it returns expect. */
extern void dunning_spi_exec(const char *sql, int nargs, Oid *types, Datum *values, int expect);

/* An empty array of elemtype being built in the current memory context. */
static inline ArrayBuildState *
dunning_array_new(Oid elemtype)
{
	return initArrayResult(elemtype, CurrentMemoryContext, false);
}

/* Appends a non-NULL element (copied into the array's context). */
static inline void
dunning_array_push(ArrayBuildState *a, Datum d)
{
	accumArrayResult(a, d, false, a->element_type, CurrentMemoryContext);
}

/* Appends a NULL element. */
static inline void
dunning_array_push_null(ArrayBuildState *a)
{
	accumArrayResult(a, (Datum) 0, true, a->element_type, CurrentMemoryContext);
}

/* The array built so far (empty when nothing was pushed). */
static inline Datum
dunning_array_datum(ArrayBuildState *a)
{
	return makeArrayResult(a, CurrentMemoryContext);
}

#endif							/* DUNNING_LETTER_STORE_H */
