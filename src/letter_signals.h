/*
 * letter_signals.h -- what one payment says (letter_signals.c): the
 * structured references and invoice-number tokens of its texts, and its
 * payer among the store's customers.
 */
#ifndef DUNNING_LETTER_SIGNALS_H
#define DUNNING_LETTER_SIGNALS_H

#include "letter_store.h"
#include "reference_scan.h"
#include "textmatch.h"

#define MAX_REFS		16		/* references taken from one payment */
#define MAX_TOKENS		64		/* tokens taken from one payment */
#define TEXT_CAP		8192	/* bytes of remittance text examined */
#define COMMON_WORD		2000	/* a name word this frequent finds nobody */

/* How the payer was found. */
typedef enum PayerHow
{
	PAYER_NONE,
	PAYER_GIVEN,
	PAYER_IBAN,
	PAYER_REF,
	PAYER_NAME
} PayerHow;

/* An unlettered payment, as the matcher reads it. */
typedef struct Payment
{
	int64		id;
	int64		amount;			/* units */
	uint32		currency;		/* packed */
	char		currency_code[4];
	DateADT		received;
	int64		customer_id;	/* 0 = unknown */
	char	   *payer_name;
	char	   *payer_iban;
	char	   *remittance;
	char	   *reference;
} Payment;

/* What the matcher knows about one payment while deciding. */
typedef struct Signals
{
	DunningRef	refs[MAX_REFS];
	int			n_refs;
	DunningToken tokens[MAX_TOKENS];
	int			n_tokens;
	const char *text;			/* remittance text examined (capped) */
	int			text_len;
	int32		payer;			/* customer index or -1 */
	PayerHow	payer_how;
	float4		payer_score;	/* name similarity when by name */
	int32		payer_alt;		/* second-best name candidate or -1 */
} Signals;

/* The columns dunning_read_payment reads, up to FROM: append dunning_payments_from() and conditions. */
extern const char dunning_payments_select[];

/*
 * A row of dunning_payments_select into *p; the amount is what is left to
 * allocate when remaining, else the whole amount.
 */
extern void dunning_read_payment(HeapTuple tup, TupleDesc desc, Payment *p, bool remaining);

/* What the payment's texts say: references and tokens; no payer yet. */
extern void dunning_text_signals(const Payment *p, Signals *sig);

/* The payer among the store's customers: given, by IBAN, by number, by name. */
extern void dunning_find_payer(const Store *st, const Payment *p, Signals *sig);

#endif							/* DUNNING_LETTER_SIGNALS_H */
