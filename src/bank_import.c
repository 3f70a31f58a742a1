/*
 * bank_import.c -- read_bank_file(content, format, encoding): a bank file as
 * rows, one per transaction (one per statement without entries), for
 * dunning.import_statement (src/sql/bank.sql) to write set-based.  The
 * readers (bank_camt.c, bank_mt940.c) hand over one statement at a time;
 * its rows go into the result's tuplestore and its memory is freed.
 */
#include "postgres.h"

#include "bank_camt.h"
#include "bank_model.h"
#include "bank_mt940.h"
#include "compat.h"
#include "currency.h"
#include "fmgr.h"
#include "funcapi.h"
#include "quote.h"
#include "srf.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "common/hashfn.h"
#include "utils/formatting.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

PG_FUNCTION_INFO_V1(read_bank_file);

#define N_COLUMNS 35

typedef struct Emit
{
	ReturnSetInfo *rsinfo;
	int			n_stmt;
	MemoryContext row_cxt;		/* the entry columns of one row */
	MemoryContext cxt;			/* the call's: the keys counted */
	HTAB	   *occ;			/* duplicate key -> transactions seen */
	HTAB	   *refs;			/* reference -> transactions seen */
} Emit;

/* A key counted (bytes), and its count. */
typedef struct OccKey
{
	char	   *data;
	Size		len;
} OccKey;

typedef struct OccEntry
{
	OccKey		key;
	int32		seen;
} OccEntry;

static uint32
occ_hash(const void *key, Size keysize)
{
	const OccKey *k = key;

	return hash_bytes((const unsigned char *) k->data, (int) k->len);
}

static int
occ_match(const void *a, const void *b, Size keysize)
{
	const OccKey *x = a;
	const OccKey *y = b;

	return x->len == y->len && memcmp(x->data, y->data, x->len) == 0 ? 0 : 1;
}

/* An empty table of counted keys, in the call's memory. */
static HTAB *
counted_keys(const char *name)
{
	HASHCTL		ctl = {0};

	ctl.keysize = sizeof(OccKey);
	ctl.entrysize = sizeof(OccEntry);
	ctl.hash = occ_hash;
	ctl.match = occ_match;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, 1024, &ctl, HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

/* Appends text s (or its NULL mark) to a key: length-prefixed bytes. */
static void
key_text(StringInfo buf, const char *s)
{
	int32		len = s ? (int32) strlen(s) : -1;

	appendBinaryStringInfo(buf, (const char *) &len, sizeof(len));
	if (s)
		appendBinaryStringInfo(buf, s, len);
}

/* The times key buf has been counted in table h, this one included. */
static int32
count_key(Emit *e, HTAB *h, StringInfo buf)
{
	OccKey		key;
	OccEntry   *o;
	bool		found;

	key.data = buf->data;
	key.len = buf->len;
	o = hash_search(h, &key, HASH_ENTER, &found);
	if (!found)
	{
		o->key.data = MemoryContextAlloc(e->cxt, buf->len);
		memcpy(o->key.data, buf->data, buf->len);
		o->seen = 0;
	}
	return ++o->seen;
}

/* A numeric Datum of checked decimal text (with a '-' for a debit). */
static Datum
numeric_of(const char *s)
{
	return DirectFunctionCall3(numeric_in, CStringGetDatum(s), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/* Sets column k (1-based) to text s, or NULL. */
static void
put_text(Datum *v, bool *n, int k, const char *s)
{
	n[k - 1] = s == NULL;
	if (s)
		v[k - 1] = CStringGetTextDatum(s);
}

/* Sets column k to date d when has. */
static void
put_date(Datum *v, bool *n, int k, DateADT d, bool has)
{
	n[k - 1] = !has;
	v[k - 1] = DateADTGetDatum(d);
}

/* Columns 1-14: the statement. */
static void
put_statement(Datum *v, bool *n, BankStatement *st, int stmt_no)
{
	v[0] = Int32GetDatum(stmt_no);
	n[0] = false;
	put_text(v, n, 2, st->format);
	put_text(v, n, 3, st->version);
	put_text(v, n, 4, st->statement_ref);
	put_text(v, n, 5, st->sequence_no);
	put_text(v, n, 6, st->account_iban);
	put_text(v, n, 7, st->account_id);
	put_text(v, n, 8, st->currency);
	put_date(v, n, 9, st->from_on, st->has_from_on);
	put_date(v, n, 10, st->to_on, st->has_to_on);
	n[10] = st->opening == NULL;
	if (st->opening)
		v[10] = numeric_of(st->opening);
	put_date(v, n, 12, st->opening_on, st->has_opening_on);
	n[12] = st->closing == NULL;
	if (st->closing)
		v[12] = numeric_of(st->closing);
	put_date(v, n, 14, st->closing_on, st->has_closing_on);
}

/* The signed amount of transaction k of an entry: the entry's when it is alone. */
static char *
txn_amount(BankEntry *en, BankTxn *tx, const char **currency)
{
	bool		credit = tx->has_sign ? tx->credit : en->credit;

	if (list_length(en->txns) == 1)
	{
		*currency = en->currency;
		return en->credit ? en->amount : psprintf("-%s", en->amount);
	}
	if (tx->amount == NULL)
		dunning_bank_refuse(dunning_bank_place(&tx->where), "a transaction of a batch entry has no amount");
	*currency = tx->currency ? tx->currency : en->currency;
	return credit ? tx->amount : psprintf("-%s", tx->amount);
}

/* Columns 15-33: one transaction of an entry (34 and 35: put_counts). */
static void
put_txn(Datum *v, bool *n, BankEntry *en, int entry_no, BankTxn *tx, int txn_no)
{
	const char *currency;
	char	   *amount = txn_amount(en, tx, &currency);

	v[14] = Int32GetDatum(entry_no);
	n[14] = false;
	v[15] = Int32GetDatum(txn_no);
	n[15] = false;
	put_date(v, n, 17, en->booked_on, true);
	put_date(v, n, 18, en->value_on, en->has_value_on);
	v[18] = numeric_of(en->credit ? en->amount : psprintf("-%s", en->amount));
	n[18] = false;
	v[19] = list_length(en->txns) == 1 ? v[18] : numeric_of(amount);
	n[19] = false;
	put_text(v, n, 21, en->currency);
	put_text(v, n, 22, currency);
	v[22] = BoolGetDatum(en->reversal);
	n[22] = false;
	v[23] = BoolGetDatum(tx->returned);
	n[23] = false;
	put_text(v, n, 25, tx->return_reason);
	put_text(v, n, 26, tx->name);
	put_text(v, n, 27, tx->iban);
	put_text(v, n, 28, tx->remittance ? tx->remittance : (list_length(en->txns) == 1 ? en->info : NULL));
	put_text(v, n, 29, tx->structured_ref);
	put_text(v, n, 30, tx->end_to_end_id);
	put_text(v, n, 31, en->bank_ref);
	put_text(v, n, 32, tx->txn_ref);
	put_text(v, n, 33, en->bank_code);
}

/*
 * Columns 34 and 35 of a transaction: its occurrence among the identical
 * ones of the file so far (the duplicate key, doc/bank.md "Duplicates":
 * account, booking day, amount normalized so that 10.5 and 10.50 are one,
 * bank references), and the times its reference (txn_ref, else end-to-end
 * id) has come so far, both from 1: the readers give the transactions in
 * file order.
 */
static void
put_counts(Datum *v, bool *n, Emit *e, BankStatement *st, BankEntry *en, BankTxn *tx)
{
	StringInfoData buf;
	const char *ref = tx->txn_ref ? tx->txn_ref : tx->end_to_end_id;

	initStringInfo(&buf);
	key_text(&buf, st->account_iban ? st->account_iban : st->account_id);
	appendBinaryStringInfo(&buf, (const char *) &en->booked_on, sizeof(DateADT));
	key_text(&buf, numeric_normalize(DatumGetNumeric(v[19])));
	key_text(&buf, en->bank_ref);
	key_text(&buf, tx->end_to_end_id);
	key_text(&buf, tx->txn_ref);
	v[33] = Int32GetDatum(count_key(e, e->occ, &buf));
	n[33] = false;
	n[34] = ref == NULL;
	if (ref == NULL)
		return;
	resetStringInfo(&buf);
	key_text(&buf, ref);
	v[34] = Int32GetDatum(count_key(e, e->refs, &buf));
}

/* a + b of two numeric Datums. */
static Datum
plus(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_add, a, b);
}

/* a = b, for numerics. */
static bool
numeric_equal(Datum a, Datum b)
{
	return DatumGetBool(DirectFunctionCall2(numeric_eq, a, b));
}

/* The text of a numeric Datum. */
static char *
numeric_text(Datum d)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, d));
}

/* The currency of an amount the ledger takes: one ISO 4217 lists, else 22P02 at where. */
static void
check_currency(const char *currency, const BankPlace *where)
{
	if (dunning_currency_minor_unit(currency) < 0)
		dunning_bank_refuse(dunning_bank_place(where), psprintf("\"%s\" is not an ISO 4217 currency", currency));
}

/*
 * The transactions of a batch entry add up to the entry (else 22P02 naming
 * it), and their currencies are ISO 4217's; returns the entry's signed
 * amount.
 */
static Datum
checked_entry(BankEntry *en)
{
	Datum		amount = numeric_of(en->credit ? en->amount : psprintf("-%s", en->amount));
	Datum		sum = numeric_of("0");
	ListCell   *lt;

	if (en->currency == NULL)
		dunning_bank_refuse(dunning_bank_place(&en->where), "the entry has no currency");
	check_currency(en->currency, &en->where);
	if (list_length(en->txns) == 1)
		return amount;
	foreach(lt, en->txns)
	{
		const char *currency;

		sum = plus(sum, numeric_of(txn_amount(en, lfirst(lt), &currency)));
		if (currency != en->currency)	/* (the entry's is checked above) */
			check_currency(currency, &((BankTxn *) lfirst(lt))->where);
	}
	if (!numeric_equal(sum, amount))
		dunning_bank_refuse(dunning_bank_place(&en->where), psprintf("the transactions of the entry add up to %s, the entry says %s",
												numeric_text(sum), numeric_text(amount)));
	return amount;
}

/*
 * A statement names its account (else 22P02), and its entries take its
 * opening balance to its closing balance (when it gives both), else 22000
 * naming it and the difference.  Some banks (PostFinance) list entries
 * valued after the statement's day but leave them out of its booked
 * closing balance: the entries valued by the closing balance's day reaching
 * it also balance the statement.
 */
static void
check_statement(BankStatement *st)
{
	bool		balanced = st->opening != NULL && st->closing != NULL;
	Datum		total = numeric_of("0");
	Datum		valued_later = numeric_of("0");
	bool		any_valued_later = false;
	Datum		reached;
	Datum		closing;
	ListCell   *lc;

	if (st->account_iban == NULL && st->account_id == NULL)
		dunning_bank_refuse(dunning_bank_place(&st->where), "the statement names no account (camt Acct/Id, MT940 :25:)");
	foreach(lc, st->entries)
	{
		BankEntry  *en = lfirst(lc);
		Datum		amount = checked_entry(en);

		/* balances add up in one currency: the account's */
		if (balanced && st->currency != NULL && strcmp(en->currency, st->currency) != 0)
			dunning_bank_refuse(dunning_bank_place(&en->where), psprintf("the entry is in %s, the statement's account in %s",
													en->currency, st->currency));
		total = plus(total, amount);
		if (st->has_closing_on && en->has_value_on && en->value_on > st->closing_on)
		{
			valued_later = plus(valued_later, amount);
			any_valued_later = true;
		}
	}
	if (!balanced)
		return;
	reached = plus(numeric_of(st->opening), total);
	closing = numeric_of(st->closing);
	if (!numeric_equal(reached, closing) &&
		!(any_valued_later && numeric_equal(DirectFunctionCall2(numeric_sub, reached, valued_later), closing)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("bank statement %s (%s) does not balance: opening %s + entries %s = %s, closing balance %s, difference %s",
						st->statement_ref ? st->statement_ref : "?", dunning_bank_place(&st->where), numeric_text(numeric_of(st->opening)),
						numeric_text(total), numeric_text(reached), numeric_text(closing),
						numeric_text(DirectFunctionCall2(numeric_sub, closing, reached))),
				 errhint("Nothing of the file was imported; the file is incomplete or altered.")));
}

/*
 * A reader's statement, checked: its rows into the result, a statement row
 * (entry columns NULL) first, then one per transaction.
 */
static void
emit_statement(BankStatement *st, void *arg)
{
	Emit	   *e = (Emit *) arg;
	Datum		v[N_COLUMNS];
	bool		n[N_COLUMNS];
	int			entry_no = 0;
	ListCell   *lc;

	check_statement(st);
	for (int k = 0; k < N_COLUMNS; k++)
		n[k] = true;
	put_statement(v, n, st, ++e->n_stmt);
	tuplestore_putvalues(e->rsinfo->setResult, e->rsinfo->setDesc, v, n);
	foreach(lc, st->entries)
	{
		BankEntry  *en = lfirst(lc);
		int			txn_no = 0;
		ListCell   *lt;

		entry_no++;
		foreach(lt, en->txns)
		{
			MemoryContext old = MemoryContextSwitchTo(e->row_cxt);

			put_txn(v, n, en, entry_no, lfirst(lt), ++txn_no);
			put_counts(v, n, e, st, en, lfirst(lt));
			tuplestore_putvalues(e->rsinfo->setResult, e->rsinfo->setDesc, v, n);
			MemoryContextSwitchTo(old);
			MemoryContextReset(e->row_cxt);
		}
	}
}

/* The format asked for, checked: camt.053, camt.054, camt (either) or mt940; NULL to detect. */
static const char *
checked_format(text *t)
{
	char	   *f;

	if (t == NULL)
		return NULL;
	f = text_to_cstring(t);
	if (pg_strcasecmp(f, "camt.053") == 0 || pg_strcasecmp(f, "camt.054") == 0 || pg_strcasecmp(f, "mt940") == 0)
		return asc_tolower(f, strlen(f));
	if (pg_strcasecmp(f, "camt") == 0)
		return NULL;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("\"%s\" is not a bank file format", dunning_clip(f, strlen(f), 40)),
			 errhint("Give camt.053, camt.054, mt940, or NULL to detect the format.")));
	return NULL;
}

/* What the bytes are: an XML document (camt) or MT940; refused otherwise. */
static bool
looks_like_xml(const char *data, int len)
{
	int			i = 0;

	if (len >= 3 && (unsigned char) data[0] == 0xEF && (unsigned char) data[1] == 0xBB &&
		(unsigned char) data[2] == 0xBF)
		i = 3;
	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
		i++;
	return i < len && data[i] == '<';
}

Datum
read_bank_file(PG_FUNCTION_ARGS)
{
	bytea	   *content;
	const char *format = checked_format(PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1));
	char	   *encoding = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	const char *data;
	int			len;
	Emit		e = {0};
	bool		xml;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("no bank file given (content is NULL)")));
	content = PG_GETARG_BYTEA_PP(0);
	data = VARDATA_ANY(content);
	len = VARSIZE_ANY_EXHDR(content);
	xml = looks_like_xml(data, len);
	e.rsinfo = dunning_init_srf(fcinfo, N_COLUMNS);
	e.row_cxt = AllocSetContextCreate(CurrentMemoryContext, "bank file row", ALLOCSET_DEFAULT_SIZES);
	e.cxt = CurrentMemoryContext;
	e.occ = counted_keys("bank file occurrences");
	e.refs = counted_keys("bank file references");
	if (format == NULL && !xml && !dunning_mt940_looks_like(data, len))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("bank file refused: neither a camt XML document nor an MT940 file"),
				 errhint("camt.053, camt.054 and MT940 are read; give the format if it was not recognised.")));
	if (format && strcmp(format, "mt940") == 0)
		dunning_mt940_read(data, len, encoding, emit_statement, &e);
	else if (format || xml)
		dunning_camt_read(data, len, format, encoding, emit_statement, &e);
	else
		dunning_mt940_read(data, len, encoding, emit_statement, &e);
	PG_RETURN_VOID();
}
