/*
 * textmatch.c -- invoice numbers in noisy remittance text.
 *
 * Payers rarely quote a structured reference.  What they do quote is the
 * invoice number, typed by hand, OCR-read or cut by the bank into pieces,
 * amid field tags, dates, amounts and account numbers.  The functions here
 * turn those into comparable forms (the normal form of an invoice number,
 * the candidate tokens of a text) and scores in [0, 1] that the matcher
 * weighs (see doc/matching.md for the exact rules).  Payer names are
 * company_name.c's.
 *
 * Every function is bounded: invoice numbers are compared on at most
 * INV_MAX characters, a remittance text yields at most TOK_MAX tokens.
 * Long texts are scanned once, with CHECK_FOR_INTERRUPTS.  Work buffers live
 * on the stack: nothing is allocated per call beyond the result.
 *
 * Letters are ASCII letters; any other character (a non-ASCII one too) is
 * a separator.
 */
#include "postgres.h"

#include "textmatch.h"

#include "ascii.h"
#include "compat.h"
#include "edit_distance.h"
#include "fmgr.h"
#include "funcapi.h"
#include "iban.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

/* Characters of a normalised invoice number that are compared. */
#define INV_MAX			DUNNING_INV_MAX
/* Tokens taken from one remittance text. */
#define TOK_MAX			64
/* Words kept while scanning a remittance text (tokens and prefixes). */
#define WORD_MAX		160
/* Longest word (bytes) that can be an identifier (SEPA ids have 35). */
#define WORD_MAX_BYTES	40
/* Words joined into one token at most ("INV 2023 00123"). */
#define JOIN_MAX		4

/*
 * ---------------------------------------------------------------------------
 * Invoice numbers
 * ---------------------------------------------------------------------------
 */

/* O, I and L: letters OCR and typists swap with 0 and 1. */
static inline bool
is_oil(char c)
{
	c = to_upper(c);
	return c == 'O' || c == 'I' || c == 'L';
}

/*
 * The normal form of an invoice number, at most cap characters (see
 * doc/matching.md):
 *   1. ASCII letters are upper-cased; every other character that is not an
 *      ASCII letter or digit is a separator and is dropped.
 *   2. A maximal run of the letters O, I, L whose nearest letter-or-digit
 *      on both sides (across separators) is a digit is read as digits:
 *      O -> 0, I and L -> 1.
 *   3. Each maximal run of digits not interrupted by a separator or a
 *      letter loses its leading zeros (a run of zeros becomes one 0).
 * Returns the length written to out (no terminator).
 */
static int
normalize_invoice(const char *s, int n, char *out, int cap)
{
	int			o = 0;
	bool		prev_digit = false; /* nearest alnum before is a digit */
	bool		in_group = false;	/* inside a digit run */
	bool		group_nonzero = false;
	bool		group_zero = false; /* a leading zero is pending */
	int			fold_end = -1;	/* bytes before this are a folded run */
	int			i = 0;
	uint32		steps = 0;

	while (i < n && o < cap)
	{
		char		c = s[i];
		char		d = 0;		/* digit to emit */

		if ((++steps & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (is_digit(c))
			d = c;
		else if (is_oil(c) && i < fold_end)
			d = (to_upper(c) == 'O') ? '0' : '1';
		else if (is_oil(c) && prev_digit)
		{
			/* Find the end of the run, then the next alnum after it. */
			int			j = i;
			int			k;

			while (j < n && is_oil(s[j]))
				j++;
			k = j;
			while (k < n && !is_alnum(s[k]))
				k++;
			if (k < n && is_digit(s[k]) && (j == n || !is_letter(s[j])))
			{
				fold_end = j;
				d = (to_upper(c) == 'O') ? '0' : '1';
			}
		}

		if (d != 0)
		{
			if (!in_group)
			{
				in_group = true;
				group_nonzero = false;
				group_zero = false;
			}
			if (d == '0' && !group_nonzero)
				group_zero = true;
			else
			{
				out[o++] = d;
				group_nonzero = true;
			}
			prev_digit = true;
			i++;
			continue;
		}

		/* Not a digit: the digit run, if any, ends here. */
		if (in_group && !group_nonzero && group_zero)
			out[o++] = '0';
		in_group = false;
		if (is_letter(c))
		{
			if (o < cap)
				out[o++] = to_upper(c);
			prev_digit = false;
			i++;
		}
		else
			i += char_len(s, n, i);
	}
	if (in_group && !group_nonzero && group_zero && o < cap)
		out[o++] = '0';
	return o;
}

PG_FUNCTION_INFO_V1(normalize_invoice_number);

/*
 * normalize_invoice_number(txt text) -> text: the comparable form of an
 * invoice number; '' when nothing remains.
 */
Datum
normalize_invoice_number(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int			n = VARSIZE_ANY_EXHDR(t);
	text	   *result = (text *) palloc(VARHDRSZ + n);
	int			len = normalize_invoice(VARDATA_ANY(t), n, VARDATA(result), n);

	SET_VARSIZE(result, VARHDRSZ + len);
	PG_RETURN_TEXT_P(result);
}

PG_FUNCTION_INFO_V1(invoice_number_similarity);

/*
 * invoice_number_similarity(a text, b text) -> real: 1 - OSA distance /
 * longer length, on the normal forms clipped to INV_MAX characters; 0 when
 * either normal form is empty.
 */
Datum
invoice_number_similarity(PG_FUNCTION_ARGS)
{
	text	   *a = PG_GETARG_TEXT_PP(0);
	text	   *b = PG_GETARG_TEXT_PP(1);
	char		na[INV_MAX];
	char		nb[INV_MAX];
	int			la = normalize_invoice(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a), na, INV_MAX);
	int			lb = normalize_invoice(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), nb, INV_MAX);

	PG_RETURN_FLOAT4(dunning_osa_similarity(na, la, nb, lb));
}

/*
 * ---------------------------------------------------------------------------
 * Remittance text tokens
 * ---------------------------------------------------------------------------
 */

/*
 * Field tags and bank keywords of SEPA, camt and MT940 remittance texts.
 * They are never part of an identifier and split the text like a blank.
 */
static const char *const field_tags[] = {
	"ABWA", "ABWE", "ADDR", "BENM", "BIC", "BREF", "CDTR", "CHGS", "COAM",
	"CRED", "DBTR", "DEBT", "EREF", "IBAN", "IREF", "KREF", "MREF", "NAME",
	"OAMT", "ORDP", "PURP", "REMI", "RFB", "SEPA", "STRD", "SVWZ", "ULTB",
	"ULTD", "USTD",
};

/*
 * Short words that label a number rather than belong to it ("Nr 123",
 * "EUR 100"): never joined to the number that follows.
 */
static const char *const label_words[] = {
	"AND", "AT", "AUD", "BTW", "BY", "CAD", "CHF", "CUST", "CZK", "DAT",
	"DATE", "DD", "DE", "DEN", "DER", "DES", "DKK", "DU", "EN", "ET", "EUR",
	"FOR", "FUER", "FUR", "GBP", "HUF", "IN", "INKL", "JPY", "KD", "KDNR",
	"LA", "LE", "LES", "MWST", "NO", "NOK", "NR", "NRO", "NUM", "OF", "ON",
	"OP", "PAID", "PAY", "PER", "PLN", "RE", "REF", "SEK", "THE", "TO",
	"TVA", "UND", "USD", "VAN", "VAT", "VIA", "VOM", "VON", "ZU", "ZUR",
};

/* Is s[0..len-1] one of the short (<= 4 bytes) words of list, case aside? */
static bool
word_in(const char *s, int len, const char *const *list, int nlist)
{
	if (len > 4)
		return false;
	for (int i = 0; i < nlist; i++)
		if ((int) strlen(list[i]) == len && pg_strncasecmp(s, list[i], len) == 0)
			return true;
	return false;
}

/* A word of the text: letters and digits, maybe joined by - . / _ # , */
typedef struct Word
{
	int			start;			/* byte span in the text */
	int			end;
	int			seq;			/* ordinal among all words of the text */
	bool		space_before;	/* only white space since the previous word */
	bool		has_digit;
	bool		prefix;			/* letters only: may prefix a number */
	bool		drop;			/* part of a printed IBAN */
	bool		single_digits;	/* one run of digits, nothing else */
} Word;

typedef struct WordScan
{
	Word		w[WORD_MAX];
	int			n;
} WordScan;

/* The word being read: its first atoms, to recognise dates and amounts. */
typedef struct WordAcc
{
	int			start;
	int			end;
	int			natoms;
	int			atom_start[4];
	int			atom_len[4];
	char		joiner[4];		/* joiner before atoms 1..3 */
	bool		has_digit;
	bool		has_letter;
	bool		space_before;
} WordAcc;

/* Is atom k of the word all digits? */
static bool
atom_digits(const char *s, const WordAcc *a, int k)
{
	for (int i = 0; i < a->atom_len[k]; i++)
		if (!is_digit(s[a->atom_start[k] + i]))
			return false;
	return true;
}

/* 1.2.2023, 15/01/23, 2023-01-15: three digit atoms, one joiner twice. */
static bool
word_is_date(const char *s, const WordAcc *a, int natoms)
{
	int			l0 = a->atom_len[0],
				l1 = a->atom_len[1],
				l2 = a->atom_len[2];

	if (natoms != 3 || a->joiner[1] != a->joiner[2] ||
		!(a->joiner[1] == '.' || a->joiner[1] == '/' || a->joiner[1] == '-'))
		return false;
	for (int k = 0; k < 3; k++)
		if (!atom_digits(s, a, k))
			return false;
	if (l0 <= 2 && l1 <= 2 && (l2 == 2 || l2 == 4))
		return true;
	return l0 == 4 && l1 <= 2 && l2 <= 2;
}

/* 123,45  1.234,56  1,234.56: digit atoms, thousands of 3, 2 decimals. */
static bool
word_is_amount(const char *s, const WordAcc *a, int natoms)
{
	int			k = natoms;

	if (k < 2 || k > 4 || a->atom_len[k - 1] != 2 ||
		!(a->joiner[k - 1] == '.' || a->joiner[k - 1] == ','))
		return false;
	for (int j = 0; j < k; j++)
		if (!atom_digits(s, a, j))
			return false;
	for (int j = 1; j < k - 1; j++)
		if (a->atom_len[j] != 3 || a->joiner[j] == a->joiner[k - 1] ||
			!(a->joiner[j] == '.' || a->joiner[j] == ','))
			return false;
	return k == 2 || a->atom_len[0] <= 3;
}

/* End the word being read: keep it when it can be (part of) a token. */
static void
finish_word(const char *s, WordAcc *a, WordScan *ws, int *seq, Word *pending)
{
	Word		w;
	int			len = a->end - a->start;
	int			natoms = a->natoms;

	if (natoms == 0)
		return;
	a->natoms = 0;
	(*seq)++;
	memset(&w, 0, sizeof(w));
	w.start = a->start;
	w.end = a->end;
	w.seq = *seq;
	w.space_before = a->space_before;
	w.has_digit = a->has_digit;
	w.single_digits = (natoms == 1 && !a->has_letter);

	if (!w.has_digit)
	{
		/* Letters only: keep aside as a possible prefix of what follows. */
		pending->seq = 0;
		if (len >= 2 && len <= 4 &&
			!word_in(s + w.start, len, label_words, lengthof(label_words)))
		{
			w.prefix = true;
			*pending = w;
		}
		return;
	}
	if (len > WORD_MAX_BYTES ||
		word_is_date(s, a, natoms) || word_is_amount(s, a, natoms) ||
		(natoms == 1 && dunning_iban_like(s + w.start, len)))
	{
		pending->seq = 0;
		return;
	}
	if (pending->seq != 0 && pending->seq == w.seq - 1 && w.space_before &&
		is_digit(s[w.start]) && ws->n < WORD_MAX)
		ws->w[ws->n++] = *pending;
	pending->seq = 0;
	if (ws->n < WORD_MAX)
		ws->w[ws->n++] = w;
}

/* The state of scan_words between two bytes of the text. */
typedef struct WordScanner
{
	const char *s;
	int			n;
	WordScan   *ws;
	WordAcc		a;				/* the word being read */
	Word		pending;		/* a letter word that may prefix a number */
	int			seq;			/* ordinal of the last word finished */
	int			gap;			/* bytes since the last atom */
	bool		gap_space;		/* ... all white space */
	char		gap_char;		/* ... the single joiner, if that */
} WordScanner;

/* A field tag or an MT940 mark ends the word and separates what is around it. */
static void
hard_split(WordScanner *sc, int gap)
{
	finish_word(sc->s, &sc->a, sc->ws, &sc->seq, &sc->pending);
	sc->gap = gap;
	sc->gap_space = false;
	sc->gap_char = 0;
}

/*
 * The run of letters and digits at byte i: a field tag (a hard split), else
 * an atom of the word being read, or of a new word unless a single joiner
 * glues it to the previous atom.  Returns the byte after the run.
 */
static int
scan_atom(WordScanner *sc, int i)
{
	const char *s = sc->s;
	WordAcc    *a = &sc->a;
	int			j = i;
	bool		digit = false;
	bool		letter = false;

	while (j < sc->n && is_alnum(s[j]))
	{
		digit |= is_digit(s[j]);
		letter |= is_letter(s[j]);
		j++;
	}
	if (!digit && word_in(s + i, j - i, field_tags, lengthof(field_tags)))
	{
		hard_split(sc, 1);
		sc->seq++;				/* a tag separates what is around it */
		return j;
	}
	if (!(a->natoms > 0 && sc->gap == 1 && sc->gap_char != 0))
	{
		/* not joined: a new word starts */
		finish_word(s, a, sc->ws, &sc->seq, &sc->pending);
		a->start = i;
		a->has_digit = false;
		a->has_letter = false;
		a->space_before = (sc->gap > 0 && sc->gap_space);
	}
	if (a->natoms < 4)
	{
		a->atom_start[a->natoms] = i;
		a->atom_len[a->natoms] = j - i;
		if (a->natoms > 0)
			a->joiner[a->natoms] = sc->gap_char;
	}
	a->natoms++;
	a->end = j;
	a->has_digit |= digit;
	a->has_letter |= letter;
	sc->gap = 0;
	sc->gap_space = true;
	sc->gap_char = 0;
	return j;
}

/*
 * Split a remittance text into words, in one pass.  Words are runs of
 * letters and digits joined by single - . / _ # , characters; field tags
 * (field_tags[], and MT940 ?NN subfield marks) split words.  Dates, amounts
 * with decimals, IBANs, words longer than WORD_MAX_BYTES and words without
 * digits are dropped, except short letter words directly before a number
 * ("INV 123"), kept as prefixes.  Stops when WORD_MAX words are kept.
 */
static void
scan_words(const char *s, int n, WordScan *ws)
{
	WordScanner sc = {s, n, ws};
	int			i = 0;
	uint32		steps = 0;

	ws->n = 0;
	sc.a.natoms = 0;
	sc.pending.seq = 0;
	while (i < n && ws->n < WORD_MAX - 1)
	{
		char		c = s[i];

		if ((++steps & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (c == '?' && i + 2 < n && is_digit(s[i + 1]) && is_digit(s[i + 2]))
		{
			/* MT940 subfield mark ?20 .. ?63: a hard split. */
			hard_split(&sc, 3);
			i += 3;
		}
		else if (is_alnum(c))
			i = scan_atom(&sc, i);
		else
		{
			/* A separator character. */
			sc.gap_space = (sc.gap == 0 || sc.gap_space) && is_space(c);
			sc.gap_char = (sc.gap == 0 && strchr("-./_#,", c) != NULL) ? c : 0;
			sc.gap++;
			i += char_len(s, n, i);
		}
	}
	finish_word(s, &sc.a, ws, &sc.seq, &sc.pending);
}

/*
 * Mark printed IBANs (BE68 5390 0754 7034): a word of 2 letters + 2 digits,
 * then blank-separated groups of 4 (the last 1-4), mod 97 valid.
 */
static void
drop_printed_ibans(const char *s, WordScan *ws)
{
	for (int k = 0; k < ws->n; k++)
	{
		const Word *w = &ws->w[k];
		char		buf[40];
		int			len = 0;
		int			best = -1;

		if (w->end - w->start != 4 || !is_letter(s[w->start]) ||
			!is_letter(s[w->start + 1]) || !is_digit(s[w->start + 2]) ||
			!is_digit(s[w->start + 3]))
			continue;
		memcpy(buf, s + w->start, 4);
		len = 4;
		for (int m = k + 1; m < ws->n && m - k < 9; m++)
		{
			const Word *g = &ws->w[m];
			const Word *prev = &ws->w[m - 1];
			int			gl = g->end - g->start;
			bool		alnum = true;

			if (g->seq != prev->seq + 1 || !g->space_before ||
				prev->end - prev->start != 4 || gl > 4 || len + gl > 34)
				break;
			for (int i = 0; i < gl; i++)
				alnum &= is_alnum(s[g->start + i]);
			if (!alnum)
				break;
			memcpy(buf + len, s + g->start, gl);
			len += gl;
			if (dunning_iban_like(buf, len))
				best = m;
		}
		for (int m = k; m <= best; m++)
			ws->w[m].drop = true;
	}
}

/* A candidate token: words k .. k + nwords - 1, blank-separated. */
typedef struct Token
{
	int16		first;
	int16		nwords;
} Token;

/* A 4-digit word 19xx or 20xx: a year that may prefix a number. */
static bool
is_year(const char *s, const Word *w)
{
	return w->single_digits && w->end - w->start == 4 &&
		((s[w->start] == '1' && s[w->start + 1] == '9') ||
		 (s[w->start] == '2' && s[w->start + 1] == '0'));
}

/* Are words k and k + 1 next to each other, only white space between? */
static bool
adjacent(const WordScan *ws, int k)
{
	return k + 1 < ws->n && ws->w[k + 1].seq == ws->w[k].seq + 1 &&
		ws->w[k + 1].space_before && !ws->w[k + 1].drop;
}

/*
 * The candidate tokens, in text order, at most TOK_MAX: every kept word
 * with a digit, and before it the "obvious" joins starting there: a prefix
 * word and the number after it (INV 2023), extended while a 4-digit year is
 * followed by a number or a number by a zero-padded one (2023 00123).
 */
static int
make_tokens(const char *s, WordScan *ws, Token *tok)
{
	int			nt = 0;

	drop_printed_ibans(s, ws);
	for (int k = 0; k < ws->n && nt < TOK_MAX; k++)
	{
		const Word *w = &ws->w[k];
		int			m = k;

		if (w->drop)
			continue;
		/* The longest obvious join starting at word k. */
		if (w->prefix && adjacent(ws, k))
			m = k + 1;
		while (m - k + 1 < JOIN_MAX && adjacent(ws, m) &&
			   ws->w[m].single_digits && ws->w[m + 1].single_digits &&
			   (is_year(s, &ws->w[m]) || s[ws->w[m + 1].start] == '0'))
			m++;
		if (m > k)
		{
			tok[nt].first = k;
			tok[nt].nwords = m - k + 1;
			nt++;
		}
		if (!w->prefix && nt < TOK_MAX)
		{
			tok[nt].first = k;
			tok[nt].nwords = 1;
			nt++;
		}
	}
	return nt;
}

/* Write the text of a token (words separated by one blank); returns len. */
static int
token_text(const char *s, const WordScan *ws, const Token *t, char *buf)
{
	int			len = 0;

	for (int k = t->first; k < t->first + t->nwords; k++)
	{
		const Word *w = &ws->w[k];

		if (len > 0)
			buf[len++] = ' ';
		memcpy(buf + len, s + w->start, w->end - w->start);
		len += w->end - w->start;
	}
	return len;
}

/* Token text buffer: JOIN_MAX words of WORD_MAX_BYTES and blanks. */
#define TOKEN_BUF (JOIN_MAX * (WORD_MAX_BYTES + 1))

/* See textmatch.h. */
int
dunning_normalize_invoice(const char *s, int n, char *out, int cap)
{
	return normalize_invoice(s, n, out, Min(cap, INV_MAX));
}

/* See textmatch.h: the tokens of remittance_tokens(), normalised. */
int
dunning_remittance_tokens(const char *s, int n, DunningToken *out, int max)
{
	WordScan   *ws = palloc(sizeof(WordScan));
	Token		tok[TOK_MAX];
	int			nt;
	int			k = 0;

	scan_words(s, n, ws);
	nt = make_tokens(s, ws, tok);
	for (int i = 0; i < nt && k < max; i++)
	{
		char		buf[TOKEN_BUF];
		int			len = token_text(s, ws, &tok[i], buf);

		out[k].len = normalize_invoice(buf, len, out[k].norm, DUNNING_INV_MAX);
		if (out[k].len > 0)
			k++;
	}
	pfree(ws);
	return k;
}

PG_FUNCTION_INFO_V1(remittance_tokens);

/*
 * remittance_tokens(txt text) -> SETOF text: the candidate identifier
 * tokens of a remittance text, in text order, at most TOK_MAX.
 */
Datum
remittance_tokens(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *txt = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(txt);
	WordScan   *ws = palloc(sizeof(WordScan));
	Token		tok[TOK_MAX];
	int			nt;

	DUNNING_INIT_SRF_SCALAR(fcinfo);
	scan_words(s, VARSIZE_ANY_EXHDR(txt), ws);
	nt = make_tokens(s, ws, tok);
	for (int i = 0; i < nt; i++)
	{
		char		buf[TOKEN_BUF];
		int			len = token_text(s, ws, &tok[i], buf);
		Datum		value = PointerGetDatum(cstring_to_text_with_len(buf, len));
		bool		isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	}
	pfree(ws);
	return (Datum) 0;
}

/* Similarity of a normalised token to the normalised invoice number,
 * skipping the computation when the lengths alone cannot beat best. */
static float4
token_score(const char *t, int lt, const char *inv, int li, float4 best)
{
	int			m = Max(lt, li);

	if (lt == 0 || 1.0f - (float4) Abs(lt - li) / (float4) m <= best)
		return 0.0f;
	return dunning_osa_similarity(t, lt, inv, li);
}

/*
 * Factor applied when the text quotes the invoice number without its letter
 * prefix (2023-00124 for INV-2023-00124): likely the same invoice, but an
 * exact quote of another invoice must still win.
 */
#define PREFIX_MISSING 0.95f

PG_FUNCTION_INFO_V1(best_invoice_number_match);

/*
 * best_invoice_number_match(txt text, invoice_number text) -> real: the
 * best invoice_number_similarity between the invoice number and a token of
 * the text, or two blank-separated tokens read as one.  When the invoice
 * number starts with a digit, a token is also compared without its leading
 * letters (RE12345, NR.12345); when it starts with letters, a token starting
 * with a digit is also compared with the number without them, at 0.95 times
 * the similarity.  0 when the text has no token.
 */
static float4
best_number_match(const char *s, int n, const char *invs, int ninv)
{
	char		inv[INV_MAX];
	int			li = normalize_invoice(invs, ninv, inv, INV_MAX);
	WordScan	ws;
	Token		tok[TOK_MAX];
	int			nt;
	float4		best = 0.0f;
	bool		inv_digit_first;
	int			core = 0;		/* length of the invoice number's letter prefix */

	if (li == 0)
		return 0.0f;
	inv_digit_first = is_digit(inv[0]);
	while (core < li && !is_digit(inv[core]))
		core++;
	/* Without a prefix, at least 4 characters must remain to compare. */
	if (li - core < 4)
		core = 0;
	scan_words(s, n, &ws);
	nt = make_tokens(s, &ws, tok);

	for (int i = 0; i < nt && best < 1.0f; i++)
	{
		char		buf[TOKEN_BUF];
		char		norm[2 * INV_MAX];
		int			len = token_text(s, &ws, &tok[i], buf);
		int			ln = normalize_invoice(buf, len, norm, INV_MAX);
		int			skip = 0;

		best = Max(best, token_score(norm, ln, inv, li, best));
		if (core > 0 && ln > 0 && is_digit(norm[0]))
			best = Max(best, PREFIX_MISSING *
					   token_score(norm, ln, inv + core, li - core, best / PREFIX_MISSING));
		if (inv_digit_first)
		{
			while (skip < ln && !is_digit(norm[skip]))
				skip++;
			if (skip > 0)
				best = Max(best, token_score(norm + skip, ln - skip, inv, li, best));
		}
		/* A single word and the next one, read as one number. */
		if (tok[i].nwords == 1 && !ws.w[tok[i].first].prefix &&
			adjacent(&ws, tok[i].first))
		{
			const Word *w2 = &ws.w[tok[i].first + 1];
			int			l2 = w2->end - w2->start;

			buf[len++] = ' ';
			memcpy(buf + len, s + w2->start, l2);
			len += l2;
			ln = normalize_invoice(buf, len, norm, INV_MAX);
			best = Max(best, token_score(norm, ln, inv, li, best));
			if (core > 0 && ln > 0 && is_digit(norm[0]))
				best = Max(best, PREFIX_MISSING *
						   token_score(norm, ln, inv + core, li - core, best / PREFIX_MISSING));
			if (skip > 0)
				best = Max(best, token_score(norm + skip, ln - skip, inv, li, best));
		}
	}
	return best;
}

Datum
best_invoice_number_match(PG_FUNCTION_ARGS)
{
	text	   *txt = PG_GETARG_TEXT_PP(0);
	text	   *invt = PG_GETARG_TEXT_PP(1);

	PG_RETURN_FLOAT4(best_number_match(VARDATA_ANY(txt), VARSIZE_ANY_EXHDR(txt),
									   VARDATA_ANY(invt), VARSIZE_ANY_EXHDR(invt)));
}

/* See textmatch.h. */
float4
dunning_best_number_match(const char *txt, int n, const char *inv, int ni)
{
	return best_number_match(txt, n, inv, ni);
}

/* See textmatch.h. */
int
dunning_customer_ref_norm(const char *ext, int n, char *buf)
{
	int			l = dunning_normalize_invoice(ext, n, buf, DUNNING_INV_MAX);

	return l >= 4 ? l : -1;
}
