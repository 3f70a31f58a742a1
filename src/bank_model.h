/*
 * bank_model.h -- a bank file as the readers hand it to the import: the
 * statements, their entries and the transactions of each entry, as checked
 * text; and the checks every reader shares (dates, amounts, text).
 */
#ifndef DUNNING_BANK_MODEL_H
#define DUNNING_BANK_MODEL_H

#include "postgres.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/date.h"

/* Longest text of one element or field kept (longer input is refused). */
#define DUNNING_BANK_MAX_TEXT 4096

/*
 * Where a statement, entry or transaction was read, for the errors that
 * refuse it after it was read: written out only then (dunning_bank_place).
 * MT940 gives the text ("line 12 (:61:)"); camt the element path, the
 * statement's and entry's numbers (from 1, 0: none) and the line, numbered.
 */
typedef struct BankPlace
{
	const char *text;
	int			stmt;
	int			entry;
	int			line;
	bool		numbered;		/* text is a path followed by the numbers */
} BankPlace;

/* One transaction: what becomes one bank_entry row (and one payment). */
typedef struct BankTxn
{
	char	   *amount;			/* unsigned decimal text, NULL: the entry's */
	char	   *currency;
	bool		credit;			/* its own CdtDbtInd, when given */
	bool		has_sign;
	char	   *name;			/* counterparty */
	char	   *iban;
	char	   *other_name;		/* camt: the party of the other side */
	char	   *other_iban;
	char	   *remittance;
	char	   *structured_ref;
	char	   *end_to_end_id;
	char	   *txn_ref;		/* the bank's reference of the transaction */
	char	   *return_reason;
	bool		returned;		/* return information present */
	BankPlace	where;
} BankTxn;

/* One booking line of the statement: an Ntry, or an MT940 :61:. */
typedef struct BankEntry
{
	char	   *amount;			/* unsigned decimal text */
	char	   *currency;
	bool		credit;			/* CRDT, C, RD */
	bool		reversal;		/* RvslInd true, RC, RD */
	bool		booked;			/* status BOOK (or not given) */
	DateADT		booked_on;
	DateADT		value_on;
	bool		has_booked_on;
	bool		has_value_on;
	char	   *bank_ref;		/* AcctSvcrRef, MT940 //reference */
	char	   *bank_code;		/* BkTxCd, MT940 type code and GVC */
	char	   *info;			/* AddtlNtryInf, unstructured :86: */
	BankPlace	where;
	List	   *txns;			/* of BankTxn */
} BankEntry;

/* One statement, notification or MT940 statement (page). */
typedef struct BankStatement
{
	const char *format;			/* camt.053, camt.054, mt940 */
	char	   *version;		/* 001.02 ... for camt */
	char	   *statement_ref;
	char	   *sequence_no;
	char	   *account_iban;
	char	   *account_id;		/* another identification of the account */
	char	   *currency;
	char	   *opening;		/* signed decimal text */
	char	   *closing;
	DateADT		opening_on;
	DateADT		closing_on;
	bool		has_opening_on;
	bool		has_closing_on;
	DateADT		from_on;
	DateADT		to_on;
	bool		has_from_on;
	bool		has_to_on;
	BankPlace	where;
	List	   *entries;		/* of BankEntry */
} BankStatement;

/* Called by a reader for each complete statement; arg is the caller's. */
typedef void (*BankEmit) (BankStatement *st, void *arg);

/*
 * The checks below return false (or NULL) for what they refuse: the caller
 * knows where it read s and refuses it with dunning_bank_refuse; no work is
 * spent on the place of what is right.
 */

/*
 * True when s is SEPA's placeholder for a missing end-to-end reference:
 * NOTPROVIDED (also written "NOT PROVIDED"), in any case.
 */
extern bool dunning_bank_not_provided(const char *s);

/* *d: the date of "YYYY-MM-DD" (camt Dt, or the start of a DtTm). */
extern bool dunning_bank_iso_date(const char *s, DateADT *d);

/*
 * *d: the date of MT940's "YYMMDD" (years 80-99 are 19xx).  A day past the
 * end of its month up to 31 is the month's last day: the "30 February" German
 * savings banks book period-end charges on.
 */
extern bool dunning_bank_yymmdd(const char *s, DateADT *d);

/*
 * s checked as an unsigned amount (digits, at most one '.' or ','; at most
 * 15 integer digits after leading zeros, 6 fraction digits) and returned
 * with a '.'; NULL if not.
 */
extern char *dunning_bank_amount(const char *s);

/*
 * s if it is a currency code (three capital letters), else NULL; whether
 * ISO 4217 lists it is asked of the amounts the ledger takes
 * (bank_import.c: an element such as InstdAmt may be in any currency).
 */
extern char *dunning_bank_currency(char *s);

/* A copy of s with blanks trimmed and runs of white space and control characters made one space; NULL when empty. */
extern char *dunning_bank_clean(const char *s);

/* buf += text (joined by sep when buf is not empty), bounded. */
extern void dunning_bank_append(StringInfo buf, const char *sep, const char *text, const char *where);

/* The text of a place: "/Document/.../Ntry (statement 1, entry 5, line 80)", or MT940's. */
extern const char *dunning_bank_place(const BankPlace *p);

/* Refuses input: 22P02 with where. */
extern void dunning_bank_refuse(const char *where, const char *msg) pg_attribute_noreturn();

#endif							/* DUNNING_BANK_MODEL_H */
