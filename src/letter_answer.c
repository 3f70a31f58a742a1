/*
 * letter_answer.c -- candidate answers of the matcher (see letter_answer.h).
 *
 * An answer spends the payment on a set of one customer's open items:
 * credit notes are netted first, invoices settled oldest due first; a
 * payment short by at most the fee tolerance settles everything and the
 * difference is written off, a shorter one leaves the rest open, a larger
 * one leaves the excess unapplied.  Its confidence is the base the matcher
 * gives that fit, moved by the payer evidence and the dates, rounded to two
 * decimals; its reason says all of it in words.  See doc/lettering.md for
 * the exact confidences.
 */
#include "postgres.h"

#include "letter_answer.h"

#include "company_name.h"
#include "lib/stringinfo.h"
#include "money.h"

/*
 * A payer name this unlike the name of the customer whose items an answer
 * settles contradicts it (the names of the same company as banks report
 * them: 0.35 and above on the sample ledger; two unrelated companies: about
 * 0), and an answer the payer's name contradicts is never lettered
 * automatically: its confidence stays below the default threshold 0.9.
 */
#define NAME_CONTRADICTS	0.30f
#define CONTRADICTED_CAP	0.85f

const char *const dunning_method_names[] = {"reference", "invoice_number", "amount", "combination"};

/* How a payment fits the net open amount of its items. */
typedef enum SettleKind
{
	SK_EXACT,					/* the payment equals the net open amount */
	SK_FEE,						/* short by at most the tolerance: write off */
	SK_PARTIAL,					/* short by more: items stay open */
	SK_OVER						/* more than the net open amount: rest unapplied */
} SettleKind;

/* Items by due date, then id: the order invoices are settled in. */
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

/* How the payment fits a net open amount. */
static SettleKind
settle_kind(MatchCtx *cx, int64 net)
{
	int64		A = cx->p->amount;

	if (A == net)
		return SK_EXACT;
	if (A < net && net - A <= dunning_tolerance_for(cx->tol, cx->p->currency, net))
		return SK_FEE;
	if (A < net)
		return SK_PARTIAL;
	return SK_OVER;
}

/*
 * Spends the used part of the payment on the items g[0..n-1], in order:
 * credit notes in full, invoices while it lasts.  Returns the position of
 * the largest invoice, where a fee is written off.
 */
static int
spend_on_items(const Store *st, const int32 *g, int n, int64 cn, Answer *a)
{
	int64		left = a->used + cn;	/* what the invoices receive, credits included */
	int			wo = -1;

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
	return wo;
}

/*
 * Short by a fee: everything settled in full; the difference is written
 * off on the largest invoice (wo), which moves to the end of the answer.
 */
static void
settle_with_fee(const Store *st, const int32 *g, int n, int64 net, int wo, MatchCtx *cx, Answer *a)
{
	for (int i = 0; i < n; i++)
		if (st->items[g[i]].amount > 0)
			a->settle[i] = st->items[g[i]].open;
	a->write_off = net - cx->p->amount;
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

/* An invoice that receives nothing is not part of the answer. */
static void
drop_unsettled(Answer *a)
{
	for (int i = a->n - 1; i >= 0; i--)
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
	int64		inv = 0,
				cn = 0,
				net;
	SettleKind	kind;
	int			wo;

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
	kind = settle_kind(cx, net);
	a->n = n;
	a->write_off = 0;
	a->used = Min(cx->p->amount, net);
	wo = spend_on_items(st, g, n, cn, a);
	if (kind == SK_FEE)
		settle_with_fee(st, g, n, net, wo, cx, a);
	drop_unsettled(a);
	return kind;
}

/* Ids ascending. */
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
	if (dunning_store_rejected(cx->st, cx->p->id, a->n, ids))
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

/* See letter_answer.h. */
void
dunning_reason_append(Answer *a, const char *fmt,...)
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
reason_settlement(MatchCtx *cx, Answer *a, SettleKind kind)
{
	StringInfoData b;
	int64		net = 0;

	initStringInfo(&b);
	for (int i = 0; i < a->n; i++)
		net += (cx->st->items[a->item[i]].amount > 0 ? 1 : -1) * cx->st->items[a->item[i]].open;
	switch (kind)
	{
		case SK_EXACT:
			dunning_reason_append(a, "amount equals the open amount");
			break;
		case SK_FEE:
			dunning_append_units(&b, a->write_off, cx->p->currency_code);
			dunning_reason_append(a, "short by %s, within the fee tolerance: written off", b.data);
			break;
		case SK_PARTIAL:
			dunning_append_units(&b, cx->p->amount, cx->p->currency_code);
			appendStringInfoString(&b, " of ");
			dunning_append_units(&b, net, cx->p->currency_code);
			dunning_reason_append(a, "partial payment: %s; the rest stays open", b.data);
			break;
		case SK_OVER:
			dunning_append_units(&b, cx->p->amount - net, cx->p->currency_code);
			dunning_reason_append(a, "overpayment: %s left unapplied", b.data);
			break;
	}
	pfree(b.data);
}

/* Says how the payer was found, or that the items are another customer's. */
static void
reason_payer(MatchCtx *cx, Answer *a)
{
	const Signals *sig = cx->sig;

	if (sig->payer < 0)
		dunning_reason_append(a, "payer unknown");
	else if (sig->payer != a->customer)
		dunning_reason_append(a, "items of %s, but the payer looks like %s",
					  cx->st->customers[a->customer].name, cx->st->customers[sig->payer].name);
	else if (sig->payer_how == PAYER_GIVEN)
		dunning_reason_append(a, "payer %s given", cx->st->customers[sig->payer].name);
	else if (sig->payer_how == PAYER_IBAN)
		dunning_reason_append(a, "payer %s by an IBAN seen on its lettered payments", cx->st->customers[sig->payer].name);
	else if (sig->payer_how == PAYER_REF)
		dunning_reason_append(a, "payer %s by its customer number in the remittance", cx->st->customers[sig->payer].name);
	else
		dunning_reason_append(a, "payer %s by name (similarity %.2f)", cx->st->customers[sig->payer].name,
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

/*
 * The payer's name against the answer's customer: when the payer was not
 * established as that customer (given, by IBAN, by number or by name) and
 * its name is unlike the customer's, the answer is capped below the
 * automatic threshold ("Vasseur SARL" paying items of "Fontana SpA" on an
 * amount and a weak number is proposed, not lettered).
 */
static void
name_adjust(MatchCtx *cx, Answer *a)
{
	const char *payer = cx->p->payer_name;
	const char *name = cx->st->customers[a->customer].name;

	if (cx->sig->payer == a->customer || payer == NULL || payer[0] == '\0')
		return;
	if (dunning_name_similarity(payer, Min((int) strlen(payer), 1024), name, strlen(name)) >= NAME_CONTRADICTS)
		return;
	if (a->confidence > CONTRADICTED_CAP)
		a->confidence = CONTRADICTED_CAP;
	dunning_reason_append(a, "the payer's name is unlike %s's", name);
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
			dunning_reason_append(a, "invoice %s is dated after the payment", it->number);
			return;
		}
	}
}

/* See letter_answer.h. */
void
dunning_answer_for_items(MatchCtx *cx, int32 c, int32 *g, int ng, Method method,
						 Bases bases, const char *evidence)
{
	Answer		a;
	int			kind;
	float4		conf;

	memset(&a, 0, sizeof(a));
	a.customer = c;
	kind = settle_items(cx, g, ng, &a);
	if (kind < 0)
		return;
	conf = kind == SK_EXACT ? bases.exact : kind == SK_FEE ? bases.fee :
		kind == SK_PARTIAL ? bases.partial : bases.over;
	a.method = method;
	a.confidence = conf + payer_adjust(cx->sig, c);
	strlcpy(a.reason, evidence, sizeof(a.reason));
	reason_settlement(cx, &a, kind);
	reason_payer(cx, &a);
	name_adjust(cx, &a);
	date_adjust(cx, &a);
	/* two decimals: what a human reads, and what the threshold compares */
	a.confidence = rintf(Max(0.0f, Min(1.0f, a.confidence)) * 100.0f) / 100.0f;
	add_answer(cx, &a);
}
