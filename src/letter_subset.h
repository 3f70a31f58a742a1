/*
 * letter_subset.h -- the bounded subset-sum of the matcher (letter_subset.c).
 */
#ifndef DUNNING_LETTER_SUBSET_H
#define DUNNING_LETTER_SUBSET_H

#include "letter_answer.h"

#define SUBSET_ITEMS	40		/* open items a subset-sum looks at */
#define SUBSET_NODES	1000000 /* search nodes of one subset-sum */
#define SUBSET_MAX		5		/* items in one subset */
#define SUBSET_WINDOW	20		/* currency units around the amount sampled */

/* One search: its items, its bounds and the solutions it found. */
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
 * Subsets of customer c's open invoices (not in `exclude`) summing exactly to
 * target, of min_size..max_size items; at most two solutions (two means the
 * answer is ambiguous, and so does an unfinished search).  Returns the
 * number found; the solutions are in s.
 */
extern int	dunning_subset_search(MatchCtx *cx, int32 c, int64 target, const int32 *exclude, int n_exclude,
								  int min_size, int max_size, SubsetSearch *s);

/*
 * How many subsets of the size of the first solution would make the amount
 * to the cent by chance, measured on the customer's own items.
 */
extern double dunning_chance_solutions(const SubsetSearch *s);

/* Confidence of a unique subset answer given its chance of coincidence. */
extern float4 dunning_subset_confidence(float4 base, double chance);

#endif							/* DUNNING_LETTER_SUBSET_H */
