/*
 * edit_distance.c -- how alike two short strings are, by the optimal
 * string alignment distance: what invoice numbers typed by hand and the
 * words of company names are compared with (textmatch.c, company_name.c).
 */
#include "postgres.h"

#include "edit_distance.h"

/*
 * Optimal string alignment distance (Damerau-Levenshtein where a substring
 * is edited at most once): substitutions, insertions, deletions and
 * transpositions of adjacent characters cost 1.  Inputs are at most DUNNING_OSA_MAX
 * long (callers clip); three rows on the stack.
 */
static int
osa_distance(const char *a, int la, const char *b, int lb)
{
	int			rows[3][DUNNING_OSA_MAX + 1];
	int		   *pp = rows[0],
			   *p = rows[1],
			   *c = rows[2];

	Assert(la <= DUNNING_OSA_MAX && lb <= DUNNING_OSA_MAX);
	for (int j = 0; j <= lb; j++)
		p[j] = j;
	for (int i = 1; i <= la; i++)
	{
		int		   *t;

		c[0] = i;
		for (int j = 1; j <= lb; j++)
		{
			int			cost = (a[i - 1] == b[j - 1]) ? 0 : 1;
			int			v = Min(p[j] + 1, c[j - 1] + 1);

			v = Min(v, p[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = Min(v, pp[j - 2] + 1);
			c[j] = v;
		}
		t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[lb];
}

/* See edit_distance.h. */
float4
dunning_osa_similarity(const char *a, int la, const char *b, int lb)
{
	int			m = Max(la, lb);

	if (la == 0 || lb == 0)
		return 0.0f;
	la = Min(la, DUNNING_OSA_MAX);
	lb = Min(lb, DUNNING_OSA_MAX);
	m = Min(m, DUNNING_OSA_MAX);
	return 1.0f - (float4) osa_distance(a, la, b, lb) / (float4) m;
}
