/*
 * company_name.c -- payer names as banks report them, compared with the
 * names of customers.
 *
 * The bank reports the payer's name with other casing, punctuation, legal
 * form and a length cut.  The functions here fold a name into comparable
 * words (the normal form) and score two names in [0, 1] that the matcher
 * weighs (see doc/matching.md for the exact rules).
 *
 * Every function is bounded: a name yields at most NAME_MAX_TOKENS words
 * from its first NAME_MAX_BYTES bytes.  Letters are ASCII letters; in a
 * UTF-8 database the Latin-1 and Latin Extended-A letters are folded to
 * ASCII.  Any other character (and, in another server encoding, every
 * non-ASCII one) is a separator.
 */
#include "postgres.h"

#include "company_name.h"

#include "ascii.h"
#include "edit_distance.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

/* Names: bytes of input considered, words kept, characters per word. */
#define NAME_MAX_BYTES	1024
#define NAME_MAX_TOKENS 32
#define NAME_TOKEN_CMP	32

/*
 * ASCII spelling of the letters U+00C0 .. U+017F (Latin-1 Supplement and
 * Latin Extended-A); NULL for the two symbols (multiplication, division).
 */
static const char *const latin_fold[192] = {
	/* U+00C0 */ "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	/* U+00D0 */ "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "ss",
	/* U+00E0 */ "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	/* U+00F0 */ "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "y",
	/* U+0100 */ "a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",
	/* U+0110 */ "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
	/* U+0120 */ "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",
	/* U+0130 */ "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
	/* U+0140 */ "l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
	/* U+0150 */ "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",
	/* U+0160 */ "s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",
	/* U+0170 */ "u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
};

/*
 * Legal forms and filler words, removed from names.  Sorted, lower case,
 * as they read once dots are dropped (S.A. -> sa, A/S -> as).
 */
static const char *const legal_forms[] = {
	"ab", "ag", "and", "aps", "as", "asa", "bv", "bvba", "cie", "co",
	"comm", "commv", "company", "corp", "corporation", "cv", "cvba", "eg",
	"en", "et", "eurl", "ev", "gbr", "gmbh", "inc", "incorporated", "kft", "kg",
	"kgaa", "limited", "llc", "llp", "lp", "ltd", "mbh", "nv", "nvsa", "ohg",
	"oy", "oyj", "plc", "pty", "sa", "sanv", "sarl", "sas", "sasu", "sca",
	"scrl", "scs", "se", "sl", "slu", "snc", "spa", "sprl", "sprlu", "srl",
	"sro", "the", "ug", "und",
};

/* Is the word t[0..len-1] a legal form or filler word (binary search)? */
static bool
is_legal_form(const char *t, int len)
{
	int			lo = 0;
	int			hi = lengthof(legal_forms) - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			cmp = strncmp(t, legal_forms[mid], len);

		if (cmp == 0 && legal_forms[mid][len] != '\0')
			cmp = -1;
		if (cmp == 0)
			return true;
		if (cmp < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return false;
}

typedef struct NameTokens
{
	char		buf[NAME_MAX_BYTES + 1];
	int			n;				/* words */
	int16		off[NAME_MAX_TOKENS];
	int16		len[NAME_MAX_TOKENS];
	bool		legal[NAME_MAX_TOKENS];
	int			nkept;			/* words that are not legal forms */
	int			chars;			/* characters of the trimmed input */
} NameTokens;

/*
 * Split a name into lower-case ASCII words, in order: letters and digits
 * make words (accented Latin letters folded in a UTF-8 database); dots,
 * apostrophes and slashes vanish without splitting (S.A., O'Neil, A/S);
 * anything else splits.  Considers the first NAME_MAX_BYTES bytes and
 * NAME_MAX_TOKENS words.  Each word is flagged when it is a legal form; if
 * every word is one, none is flagged (a company called "AB" stays "ab").
 */
static void
name_tokens(const char *s, int n, NameTokens *nt)
{
	bool		utf8 = (GetDatabaseEncoding() == PG_UTF8);
	int			o = 0;
	int			start = -1;
	int			i = 0;
	int			first = -1,
				last = -1,
				chars = 0;

	nt->n = 0;
	nt->nkept = 0;
	n = Min(n, NAME_MAX_BYTES);
	while (i <= n && nt->n < NAME_MAX_TOKENS)
	{
		const char *fold = NULL;
		char		one[2] = {0, 0};
		int			step = 1;
		bool		vanish = false;

		if (i < n)
		{
			unsigned char c = (unsigned char) s[i];

			step = char_len(s, n, i);
			if (is_alnum(c))
			{
				one[0] = to_lower(c);
				fold = one;
			}
			else if (c == '.' || c == '\'' || c == '/' || c == '`')
				vanish = true;
			else if (utf8 && step == 2 && c >= 0xC3 && c <= 0xC5)
			{
				int			cp = ((c & 0x1F) << 6) | ((unsigned char) s[i + 1] & 0x3F);

				if (cp >= 0xC0 && cp <= 0x17F)
					fold = latin_fold[cp - 0xC0];
			}
			else if (utf8 && step == 3 && c == 0xE2 && (unsigned char) s[i + 1] == 0x80 &&
					 ((unsigned char) s[i + 2] == 0x98 || (unsigned char) s[i + 2] == 0x99))
				vanish = true;	/* curly apostrophes */
			if (!is_space(c))
			{
				if (first < 0)
					first = chars;
				last = chars;
			}
			chars++;
		}
		if (fold != NULL)
		{
			if (start < 0)
				start = o;
			for (const char *f = fold; *f; f++)
				nt->buf[o++] = *f;
		}
		else if (!vanish && start >= 0)
		{
			/* End of a word. */
			nt->off[nt->n] = start;
			nt->len[nt->n] = o - start;
			nt->legal[nt->n] = is_legal_form(nt->buf + start, o - start);
			if (!nt->legal[nt->n])
				nt->nkept++;
			nt->n++;
			nt->buf[o++] = '\0';
			start = -1;
		}
		i += step;
	}
	if (nt->nkept == 0)
	{
		for (int k = 0; k < nt->n; k++)
			nt->legal[k] = false;
		nt->nkept = nt->n;
	}
	nt->chars = (first < 0) ? 0 : last - first + 1;
}

/* Order of words (C strings), for the sorted normal form. */
static int
cmp_words(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

PG_FUNCTION_INFO_V1(normalize_company_name);

/*
 * normalize_company_name(txt text) -> text: the words of the name without
 * legal forms, folded to lower-case ASCII, sorted, one blank apart.
 */
static void
normalized_name(const char *s, int n, StringInfo out)
{
	NameTokens *nt = palloc(sizeof(NameTokens));
	const char *words[NAME_MAX_TOKENS];
	int			nw = 0;

	name_tokens(s, n, nt);
	for (int k = 0; k < nt->n; k++)
		if (!nt->legal[k])
			words[nw++] = nt->buf + nt->off[k];
	qsort(words, nw, sizeof(const char *), cmp_words);
	for (int k = 0; k < nw; k++)
	{
		if (k > 0)
			appendStringInfoChar(out, ' ');
		appendStringInfoString(out, words[k]);
	}
	pfree(nt);
}

Datum
normalize_company_name(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	StringInfoData out;

	initStringInfo(&out);
	normalized_name(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &out);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, out.len));
}

/* See company_name.h. */
int
dunning_normalize_name(const char *s, int n, char *out, int cap)
{
	StringInfoData b;
	int			len;

	initStringInfo(&b);
	normalized_name(s, n, &b);
	len = Min(b.len, cap - 1);
	memcpy(out, b.data, len);
	out[len] = '\0';
	pfree(b.data);
	return len;
}

/*
 * Similarity of two words: 1 when equal; 0.85 when one is a prefix of the
 * other of at least 3 characters; else 1 - OSA distance / longer length
 * when that is at least 0.75 (one typo in a 4+ letter word), else 0.
 */
static float4
word_similarity(const char *a, int la, const char *b, int lb)
{
	float4		s;

	la = Min(la, NAME_TOKEN_CMP);
	lb = Min(lb, NAME_TOKEN_CMP);
	if (la == lb && memcmp(a, b, la) == 0)
		return 1.0f;
	if (Min(la, lb) >= 3 && memcmp(a, b, Min(la, lb)) == 0)
		return 0.85f;
	s = dunning_osa_similarity(a, la, b, lb);
	return s >= 0.75f ? s : 0.0f;
}

/*
 * Is x a possibly truncated copy of y, word by word, legal forms included:
 * x's words equal y's first words, x's last word a prefix of y's word there
 * (at least 3 characters of it, or any part when x looks cut by a bank)?
 */
static bool
name_is_prefix(const NameTokens *x, const NameTokens *y, bool cut)
{
	int			k = x->n - 1;

	if (x->n == 0 || x->n > y->n)
		return false;
	for (int j = 0; j < k; j++)
		if (x->len[j] != y->len[j] ||
			memcmp(x->buf + x->off[j], y->buf + y->off[j], x->len[j]) != 0)
			return false;
	if (x->len[k] > y->len[k] ||
		memcmp(x->buf + x->off[k], y->buf + y->off[k], x->len[k]) != 0)
		return false;
	return x->len[k] == y->len[k] || cut || x->len[k] >= 3;
}

/* Characters of a name's words: all of them, or those that are not legal forms. */
static int
name_weight(const NameTokens *t, bool all)
{
	int			w = 0;

	for (int k = 0; k < t->n; k++)
		if (all || !t->legal[k])
			w += t->len[k];
	return w;
}

/* Names at least this long (characters) may have been cut by a bank. */
#define NAME_CUT_CHARS 27

/*
 * Prefix score of x against y when x is a (truncated) copy of y's start:
 * 0.7 + 0.3 * (characters of x's words / characters of y's words), at
 * least 0.95 when x is long enough to have been cut by a bank; else 0.
 */
static float4
prefix_score(const NameTokens *x, const NameTokens *y)
{
	bool		cut = x->chars >= NAME_CUT_CHARS;
	float4		s;

	if (!name_is_prefix(x, y, cut))
		return 0.0f;
	s = 0.7f + 0.3f * (float4) name_weight(x, true) / (float4) Max(1, name_weight(y, true));
	if (cut)
		s = Max(s, 0.95f);
	return Min(s, 1.0f);
}

PG_FUNCTION_INFO_V1(company_name_similarity);

/*
 * company_name_similarity(a text, b text) -> real: the larger of a weighted
 * word-set Dice coefficient (word order free, legal forms out) and the
 * prefix score for truncated names.  See doc/matching.md.
 */
static float4
name_similarity(const char *as, int an, const char *bs, int bn)
{
	NameTokens *a = palloc(sizeof(NameTokens));
	NameTokens *b = palloc(sizeof(NameTokens));
	float4		sim[NAME_MAX_TOKENS][NAME_MAX_TOKENS];
	bool		used_a[NAME_MAX_TOKENS] = {false};
	bool		used_b[NAME_MAX_TOKENS] = {false};
	float4		matched = 0.0f;
	int			wa,
				wb;
	float4		dice,
				result;

	name_tokens(as, an, a);
	name_tokens(bs, bn, b);
	wa = name_weight(a, false);
	wb = name_weight(b, false);
	if (wa == 0 || wb == 0)
	{
		pfree(a);
		pfree(b);
		return 0.0f;
	}

	/* Greedy one-to-one word matching, best pairs first. */
	for (int i = 0; i < a->n; i++)
		for (int j = 0; j < b->n; j++)
			sim[i][j] = (a->legal[i] || b->legal[j]) ? 0.0f :
				word_similarity(a->buf + a->off[i], a->len[i],
								b->buf + b->off[j], b->len[j]);
	for (;;)
	{
		float4		top = 0.0f;
		int			bi = -1,
					bj = -1;

		for (int i = 0; i < a->n; i++)
			for (int j = 0; j < b->n; j++)
				if (!used_a[i] && !used_b[j] && sim[i][j] > top)
				{
					top = sim[i][j];
					bi = i;
					bj = j;
				}
		if (bi < 0)
			break;
		used_a[bi] = used_b[bj] = true;
		matched += top * (a->len[bi] + b->len[bj]);
	}
	dice = matched / (float4) (wa + wb);
	result = Max(dice, Max(prefix_score(a, b), prefix_score(b, a)));
	pfree(a);
	pfree(b);
	return Min(Max(result, 0.0f), 1.0f);
}

Datum
company_name_similarity(PG_FUNCTION_ARGS)
{
	text	   *at = PG_GETARG_TEXT_PP(0);
	text	   *bt = PG_GETARG_TEXT_PP(1);

	PG_RETURN_FLOAT4(name_similarity(VARDATA_ANY(at), VARSIZE_ANY_EXHDR(at),
									 VARDATA_ANY(bt), VARSIZE_ANY_EXHDR(bt)));
}

/* See company_name.h. */
float4
dunning_name_similarity(const char *a, int na, const char *b, int nb)
{
	return name_similarity(a, na, b, nb);
}

/* See company_name.h. */
int
dunning_name_words(const char *norm, int len, int *start, int *wlen)
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
		if (i - s >= 2 && !dup && n < DUNNING_NAME_WORDS_MAX)
		{
			start[n] = s;
			wlen[n] = i - s;
			n++;
		}
		s = i + 1;
	}
	return n;
}
