/*
 * letter_match.c -- the matcher: every candidate answer for one payment
 * (see letter_match.h).
 *
 * The strong signals first: the open items the payment's texts name, by a
 * structured reference, by an invoice number token, or by one of the
 * payer's invoice numbers written out in the text; grouped per customer and
 * checked against the amount (net of a credit note, completed by a few more
 * items, or contradicted by an item of exactly the amount).  Only when they
 * leave doubt, the weaker ones: invoice numbers with typing errors, then the
 * amount alone (one item of exactly it, one just above it by a bank fee, or
 * a unique combination of items).  See doc/lettering.md for the exact
 * confidences.
 */
#include "postgres.h"

#include "letter_match.h"

#include "company_name.h"
#include "letter_subset.h"
#include "textmatch.h"

/* Above this, weaker signals cannot change the decision: they are skipped. */
#define SURE_ENOUGH 0.96f

/* An open item the payment's texts name. */
typedef struct Named
{
	int32		item;
	bool		by_ref;			/* named by a structured reference */
} Named;

/* Items of customer c (any when c < 0) whose open amount equals the payment exactly. */
static int
exact_amount_items(MatchCtx *cx, int32 c, int32 *out, int max)
{
	int			n = 0;
	int32		i = dunning_store_first_amount(cx->st, cx->p->amount, cx->p->currency);

	for (; i >= 0; i = cx->st->items[i].next_amt)
	{
		const OpenItem *it = &cx->st->items[i];

		if (it->open == cx->p->amount && dunning_item_usable(cx, it) && it->amount > 0 &&
			(c < 0 || it->customer == c))
		{
			if (n < max)
				out[n] = i;
			n++;
		}
	}
	return n;
}

/* Net open amount of the items g[0..ng-1]: invoices minus credit notes. */
static int64
net_open(const Store *st, const int32 *g, int ng)
{
	int64		net = 0;

	for (int j = 0; j < ng; j++)
		net += (st->items[g[j]].amount > 0 ? 1 : -1) * st->items[g[j]].open;
	return net;
}

/* Is item i among g[0..ng-1]? */
static bool
in_group(const int32 *g, int ng, int32 i)
{
	bool		found = false;

	for (int j = 0; j < ng; j++)
		found |= g[j] == i;
	return found;
}

/* ------------------------------------------------------------------------
 * Items the texts name
 * ------------------------------------------------------------------------ */

/* The named items of customer c, from named[k] on, and the evidence in words. */
typedef struct NamedGroup
{
	int32		c;
	int32		g[MAX_ANSWER_ITEMS];
	int			ng;
	bool		any_ref;		/* one of them named by a structured reference */
	bool		short_numbers;	/* all named by invoice numbers under 5 characters */
	char		evidence[480];
} NamedGroup;

/* Gathers the group of the customer of named[k] (its first appearance). */
static void
named_group(const Store *st, const Named *named, int n_named, int k, NamedGroup *grp)
{
	int			elen = 0;

	grp->c = st->items[named[k].item].customer;
	grp->ng = 0;
	grp->any_ref = false;
	grp->short_numbers = true;
	grp->evidence[0] = '\0';
	for (int j = k; j < n_named && grp->ng < MAX_ANSWER_ITEMS; j++)
	{
		const OpenItem *it = &st->items[named[j].item];

		if (it->customer != grp->c)
			continue;
		grp->g[grp->ng++] = named[j].item;
		grp->any_ref |= named[j].by_ref;
		grp->short_numbers &= named[j].by_ref ? false : (it->number_len < 5);
		if (elen < (int) sizeof(grp->evidence) - 80)
			elen += snprintf(grp->evidence + elen, sizeof(grp->evidence) - elen, "%s%s %s",
							 elen ? ", " : "", named[j].by_ref ? "structured reference of" : "invoice number",
							 it->number);
	}
	if (elen < (int) sizeof(grp->evidence) - 20)
		snprintf(grp->evidence + elen, sizeof(grp->evidence) - elen, " in the remittance");
}

/* The answer that the named items are what the payment settles. */
static void
answer_named(MatchCtx *cx, NamedGroup *grp)
{
	int			ng = grp->ng;

	if (grp->any_ref)
		dunning_answer_for_items(cx, grp->c, grp->g, ng, M_REFERENCE,
								 (Bases) {0.99f, 0.97f, ng == 1 ? 0.93f : 0.80f, 0.92f}, grp->evidence);
	else
	{
		float4		penalty = grp->short_numbers ? 0.10f : 0.0f;

		dunning_answer_for_items(cx, grp->c, grp->g, ng, M_NUMBER,
								 (Bases) {0.98f - penalty, 0.95f - penalty,
								 (ng == 1 ? 0.91f : 0.78f) - penalty, 0.90f - penalty}, grp->evidence);
	}
}

/*
 * The text names invoices and the payment is their amount net of one open
 * credit note of the customer.
 */
static void
named_net_of_credit_note(MatchCtx *cx, const NamedGroup *grp)
{
	const Store *st = cx->st;
	const Customer *cu = &st->customers[grp->c];
	int64		net = net_open(st, grp->g, grp->ng);

	if (cx->p->amount >= net || grp->ng >= MAX_ANSWER_ITEMS)
		return;
	for (int k = 0; k < cu->n_items; k++)
	{
		int32		cn = cu->first_item + k;
		const OpenItem *it = &st->items[cn];
		int32		all[MAX_ANSWER_ITEMS];
		char		ev[480];

		if (!dunning_item_usable(cx, it) || it->amount > 0 || net - it->open != cx->p->amount ||
			in_group(grp->g, grp->ng, cn))
			continue;
		memcpy(all, grp->g, sizeof(int32) * grp->ng);
		all[grp->ng] = cn;
		snprintf(ev, sizeof(ev), "%s, net of credit note %s", grp->evidence, it->number);
		dunning_answer_for_items(cx, grp->c, all, grp->ng + 1, grp->any_ref ? M_REFERENCE : M_NUMBER,
								 (Bases) {0.96f}, ev);
		/* the partial reading of the same items is now the weaker one */
		for (int a = 0; a < cx->n; a++)
			if (cx->ans[a].customer == grp->c && cx->ans[a].n == grp->ng && cx->ans[a].item[0] == grp->g[0])
				cx->ans[a].confidence = Min(cx->ans[a].confidence, 0.85f);
		break;
	}
}

/* The named items and a few more of the customer's make the amount. */
static void
named_completed(MatchCtx *cx, const NamedGroup *grp, int64 net)
{
	SubsetSearch s;
	int32		all[MAX_ANSWER_ITEMS];
	int			na = 0;
	char		ev[480];

	if (dunning_subset_search(cx, grp->c, cx->p->amount - net, grp->g, grp->ng, 1,
							  SUBSET_MAX - grp->ng, &s) != 1)
		return;
	for (int j = 0; j < grp->ng; j++)
		all[na++] = grp->g[j];
	for (int j = 0; j < s.sol_n[0] && na < MAX_ANSWER_ITEMS; j++)
		all[na++] = s.sol[0][j];
	snprintf(ev, sizeof(ev), "%s, with %d more open item(s) that complete the amount",
			 grp->evidence, s.sol_n[0]);
	dunning_answer_for_items(cx, grp->c, all, na, M_COMBINATION,
							 (Bases) {dunning_subset_confidence(0.93f, dunning_chance_solutions(&s))}, ev);
}

/*
 * The text names items whose total does not fit, while the amount is
 * exactly another open item of that customer: the reference is wrong; or
 * the payment is more, and a few more items complete it.
 */
static void
named_misfit(MatchCtx *cx, const NamedGroup *grp)
{
	const Store *st = cx->st;
	int64		net = net_open(st, grp->g, grp->ng);
	int32		other[2];
	char		ev[480];

	if (net == cx->p->amount ||
		(net - cx->p->amount <= dunning_tolerance_for(cx->tol, cx->p->currency, net) && cx->p->amount <= net))
		return;
	if (exact_amount_items(cx, grp->c, other, 2) == 1)
	{
		if (in_group(grp->g, grp->ng, other[0]))
			return;
		snprintf(ev, sizeof(ev), "the text names %s but the amount equals exactly the open amount of %s",
				 st->items[grp->g[0]].number, st->items[other[0]].number);
		dunning_answer_for_items(cx, grp->c, other, 1, M_COMBINATION, (Bases) {0.94f}, ev);
		/* the named answer is now doubtful */
		for (int a = 0; a < cx->n; a++)
			if (cx->ans[a].customer == grp->c && cx->ans[a].item[0] == grp->g[0] &&
				cx->ans[a].method != M_COMBINATION)
				cx->ans[a].confidence = Min(cx->ans[a].confidence, 0.60f);
	}
	else if (cx->p->amount > net && grp->ng < SUBSET_MAX)
		named_completed(cx, grp, net);
}

/* The answers of the named items, one group per customer in order of first appearance. */
static void
match_named(MatchCtx *cx, Named *named, int n_named)
{
	const Store *st = cx->st;

	for (int k = 0; k < n_named; k++)
	{
		int32		c = st->items[named[k].item].customer;
		bool		seen = false;
		NamedGroup	grp;

		for (int j = 0; j < k; j++)
			seen |= st->items[named[j].item].customer == c;
		if (seen)
			continue;
		named_group(st, named, n_named, k, &grp);
		answer_named(cx, &grp);
		named_net_of_credit_note(cx, &grp);
		named_misfit(cx, &grp);
	}
}

/* ------------------------------------------------------------------------
 * The weaker signals
 * ------------------------------------------------------------------------ */

/*
 * Invoice numbers with typing errors: the payer's items and the items of
 * exactly the amount, when one of the text's tokens is like its number.
 */
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
		bool		skip = !dunning_item_usable(cx, it) || it->amount < 0;
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
			dunning_answer_for_items(cx, it->customer, g, 1, M_NUMBER,
									 (Bases) {0.83f + 0.5f * x, 0.80f + 0.5f * x, 0.60f + 0.4f * x, 0.60f}, ev);
		}
	}
}

/* Confidence of an amount-only answer, by how sure the payer is. */
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

/* Nothing but the amount: one open item anywhere with exactly it, payer name alike. */
static void
amount_without_payer(MatchCtx *cx)
{
	const Store *st = cx->st;
	int32		m[2];
	const OpenItem *it;
	float4		sim;

	if (exact_amount_items(cx, -1, m, 2) != 1 || cx->p->payer_name == NULL)
		return;
	it = &st->items[m[0]];
	sim = dunning_name_similarity(cx->p->payer_name, Min((int) strlen(cx->p->payer_name), 1024),
								  st->customers[it->customer].name,
								  strlen(st->customers[it->customer].name));
	if (sim >= 0.5f)
		dunning_answer_for_items(cx, it->customer, m, 1, M_AMOUNT, (Bases) {0.60f + 0.25f * sim},
								 "the only open item with exactly this amount; payer name alike");
}

/* Short by a bank fee: the one item of the payer whose open amount is just above. */
static void
amount_fee_item(MatchCtx *cx, int32 c, float4 base)
{
	const Customer *cu = &cx->st->customers[c];
	int32		fee_item = -1;
	int			n_fee = 0;

	for (int k = 0; k < cu->n_items; k++)
	{
		const OpenItem *it = &cx->st->items[cu->first_item + k];

		if (dunning_item_usable(cx, it) && it->amount > 0 && it->open > cx->p->amount &&
			it->open - cx->p->amount <= dunning_tolerance_for(cx->tol, cx->p->currency, it->open))
		{
			fee_item = cu->first_item + k;
			n_fee++;
		}
	}
	if (n_fee == 1)
		dunning_answer_for_items(cx, c, &fee_item, 1, M_AMOUNT, (Bases) {0, base - 0.07f},
								 "the payer's only open item just above this amount");
}

/* Open items net of one of the payer's first three credit notes make the amount. */
static void
amount_net_of_credit_notes(MatchCtx *cx, int32 c, float4 base)
{
	const Customer *cu = &cx->st->customers[c];
	int			n_cn = 0;
	SubsetSearch s;

	for (int k = 0; k < cu->n_items && n_cn < 3; k++)
	{
		int32		cn = cu->first_item + k;
		const OpenItem *it = &cx->st->items[cn];
		int32		all[MAX_ANSWER_ITEMS];

		if (!dunning_item_usable(cx, it) || it->amount > 0)
			continue;
		n_cn++;
		if (dunning_subset_search(cx, c, cx->p->amount + it->open, NULL, 0, 1, SUBSET_MAX - 1, &s) != 1)
			continue;
		memcpy(all, s.sol[0], sizeof(int32) * s.sol_n[0]);
		all[s.sol_n[0]] = cn;
		dunning_answer_for_items(cx, c, all, s.sol_n[0] + 1, M_COMBINATION,
								 (Bases) {dunning_subset_confidence(base - 0.03f,
																	n_cn * dunning_chance_solutions(&s))},
								 "open items net of a credit note make the amount");
	}
}

/* Several items of the payer for one payment, with or without a credit note. */
static void
amount_subsets(MatchCtx *cx, int32 c, float4 base)
{
	const Signals *sig = cx->sig;
	SubsetSearch s;
	int			found = dunning_subset_search(cx, c, cx->p->amount, NULL, 0, 2, SUBSET_MAX, &s);

	if (found == 1)
	{
		/* several items matching to the cent by chance is rarer than one */
		float4		subset_base = sig->payer_how == PAYER_NAME ?
			0.80f + 0.60f * (sig->payer_score - 0.80f) : 0.93f;

		dunning_answer_for_items(cx, c, s.sol[0], s.sol_n[0], M_COMBINATION,
								 (Bases) {dunning_subset_confidence(subset_base - 0.01f, dunning_chance_solutions(&s))},
								 "the only combination of the payer's open items that makes the amount");
	}
	else if (found == 2)
	{
		for (int k = 0; k < 2; k++)
			dunning_answer_for_items(cx, c, s.sol[k], s.sol_n[k], M_COMBINATION, (Bases) {0.50f},
									 "one of several combinations of open items that make the amount");
	}
	else
		amount_net_of_credit_notes(cx, c, base);
}

/* The amount with the payer: one item of exactly it, else a fee short, else combinations. */
static void
match_amounts(MatchCtx *cx)
{
	int32		m[8];
	int			nm;
	float4		base = payer_base(cx->sig);
	int32		c = cx->sig->payer;

	if (c < 0)
	{
		amount_without_payer(cx);
		return;
	}
	nm = exact_amount_items(cx, c, m, 8);
	if (nm == 1)
		dunning_answer_for_items(cx, c, m, 1, M_AMOUNT, (Bases) {base},
								 "the payer's only open item with exactly this amount");
	else if (nm > 1)
	{
		for (int k = 0; k < Min(nm, 8); k++)
			dunning_answer_for_items(cx, c, &m[k], 1, M_AMOUNT, (Bases) {0.55f},
									 "one of several open items of the payer with exactly this amount");
	}
	else
	{
		amount_fee_item(cx, c, base);
		amount_subsets(cx, c, base);
	}
}

/* ------------------------------------------------------------------------
 * One payment
 * ------------------------------------------------------------------------ */

/* Answers by confidence, then the oldest due first item, then its id. */
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

/* The best confidence found so far. */
static float4
best_confidence(const MatchCtx *cx)
{
	float4		best = 0.0f;

	for (int k = 0; k < cx->n; k++)
		best = Max(best, cx->ans[k].confidence);
	return best;
}

/* Is item i among the named items? */
static bool
is_named(const Named *named, int n_named, int32 i)
{
	for (int j = 0; j < n_named; j++)
		if (named[j].item == i)
			return true;
	return false;
}

/* Appends item i to the named items. */
static void
add_named(Named *named, int *n_named, int32 i, bool by_ref)
{
	named[*n_named].item = i;
	named[*n_named].by_ref = by_ref;
	(*n_named)++;
}

/*
 * The open items the texts name: by a structured reference, then by an
 * invoice number token, then the payer's invoice numbers written out in the
 * text (F26/05635/F26/05664), each once.  Returns how many, at most max.
 * The chains hold only items whose key equals the reference or token.
 */
static int
collect_named(MatchCtx *cx, Named *named, int max)
{
	const Store *st = cx->st;
	const Signals *sig = cx->sig;
	int			n_named = 0;

	for (int r = 0; r < sig->n_refs; r++)
		for (int32 i = dunning_store_first_ref(st, sig->refs[r].norm); i >= 0 && n_named < max; i = st->items[i].next_ref)
			if (dunning_item_usable(cx, &st->items[i]))
				add_named(named, &n_named, i, true);
	for (int t = 0; t < sig->n_tokens; t++)
		for (int32 i = dunning_store_first_num(st, sig->tokens[t].norm, sig->tokens[t].len);
			 i >= 0 && n_named < max; i = st->items[i].next_num)
			if (dunning_item_usable(cx, &st->items[i]) && !is_named(named, n_named, i))
				add_named(named, &n_named, i, false);
	if (sig->payer >= 0 && sig->text_len > 0)
	{
		const Customer *cu = &st->customers[sig->payer];

		for (int k = 0; k < cu->n_items && n_named < max; k++)
		{
			const OpenItem *it = &st->items[cu->first_item + k];

			if (dunning_item_usable(cx, it) && it->number_len >= 4 &&
				!is_named(named, n_named, cu->first_item + k) &&
				text_has_number(sig->text, sig->text_len, it->number))
				add_named(named, &n_named, cu->first_item + k, false);
		}
	}
	return n_named;
}

/* See letter_match.h. */
void
dunning_match_payment(MatchCtx *cx)
{
	Named		named[MAX_ANSWER_ITEMS * 2];
	int			n_named;

	cx->n = 0;
	n_named = collect_named(cx, named, lengthof(named));
	if (n_named > 0)
		match_named(cx, named, n_named);
	/* the weaker signals only when the strong ones left doubt */
	if (best_confidence(cx) < SURE_ENOUGH)
		match_fuzzy_numbers(cx, named, n_named);
	if (best_confidence(cx) < SURE_ENOUGH)
		match_amounts(cx);

	if (cx->n > 1)
		qsort_arg(cx->ans, cx->n, sizeof(Answer), cmp_answers, (void *) cx->st);
	/* two answers about equally good: do not guess */
	if (cx->n > 1 && cx->ans[1].confidence >= cx->ans[0].confidence - 0.02f)
	{
		cx->ans[0].confidence = Min(cx->ans[0].confidence, 0.80f);
		cx->ans[1].confidence = Min(cx->ans[1].confidence, 0.80f);
		dunning_reason_append(&cx->ans[0], "another answer is about as good");
		dunning_reason_append(&cx->ans[1], "another answer is about as good");
	}
}
