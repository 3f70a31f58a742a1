/*
 * letter_subset.c -- one payment for several open items: a bounded
 * subset-sum over a customer's open invoices (see letter_subset.h).
 *
 * Payers settle batches of invoices with one transfer.  The search looks at
 * the SUBSET_ITEMS open invoices due nearest the payment date, largest
 * first, for subsets of a few items summing to the amount to the cent; it
 * stops at the second solution (then the answer is ambiguous) or after
 * SUBSET_NODES nodes (then it cannot be sure there is no second one).
 */
#include "postgres.h"

#include "letter_subset.h"

#include "money.h"

/*
 * How likely a subset makes the amount to the cent by chance, measured on
 * the customer's own items: the search also counts the subsets whose sum
 * falls within SUBSET_WINDOW of the amount, per size; sums are about evenly spread
 * over so small a window, so near / (window in cents) is the expected number
 * of chance solutions at exactly the amount.  Two items out of forty summing
 * to the cent is telling, five out of forty usually is not.
 */
double
dunning_chance_solutions(const SubsetSearch *s)
{
	return (double) s->near[s->sol_n[0]] / (2.0 * SUBSET_WINDOW * 100.0);
}

/* See letter_subset.h. */
float4
dunning_subset_confidence(float4 base, double chance)
{
	if (chance < 0.002)
		return base;
	if (chance < 0.05)
		return Min(base, 0.85f);
	return Min(base, 0.60f);
}

/*
 * Depth-first search of subsets in value order, pruned by what the
 * remaining items can still add; stops at the second exact solution or
 * after SUBSET_NODES nodes.
 */
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

/* Items by open amount, largest first. */
static int
cmp_val_desc(const void *a, const void *b, void *arg)
{
	const Store *st = (const Store *) arg;
	int64		x = st->items[*(const int32 *) a].open;
	int64		y = st->items[*(const int32 *) b].open;

	return x > y ? -1 : (x < y ? 1 : 0);
}

/* What cmp_due_near compares with: the payment's date. */
typedef struct SubsetPoolCtx
{
	const Store *st;
	DateADT		when;
} SubsetPoolCtx;

/* Items by distance of their due date from the payment's date. */
static int
cmp_due_near(const void *a, const void *b, void *arg)
{
	const SubsetPoolCtx *pc = (const SubsetPoolCtx *) arg;
	int			x = abs(pc->st->items[*(const int32 *) a].due - pc->when);
	int			y = abs(pc->st->items[*(const int32 *) b].due - pc->when);

	return x - y;
}

/* See letter_subset.h. */
int
dunning_subset_search(MatchCtx *cx, int32 c, int64 target, const int32 *exclude, int n_exclude,
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
	s->window = SUBSET_WINDOW * DUNNING_AMOUNT_FACTOR;
	s->min_size = min_size;
	s->max_size = max_size;
	if (target <= 0)
		return 0;
	for (int k = 0; k < cu->n_items && np < SUBSET_ITEMS * 4; k++)
	{
		int32		i = cu->first_item + k;
		const OpenItem *it = &cx->st->items[i];
		bool		skip = false;

		if (!dunning_item_usable(cx, it) || it->amount < 0 || it->open > target)
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
