/*
 * reference_scan.c -- structured payment references found in free
 * remittance text.
 *
 * Payers quote references amid everything else a bank statement carries:
 * printed with blanks or slashes, next to dates, amounts and account
 * numbers.  The scanner reads the text once, left to right, and at each
 * token start tries the shapes a reference is printed in (see
 * doc/matching.md); only candidates whose check digits are right count
 * (reference.c), and IBANs (iban.c) are skipped so that their digit groups
 * are not taken for references.
 */
#include "postgres.h"

#include "reference_scan.h"
#include "srf.h"

#include "ascii.h"
#include "checkdigit.h"
#include "compat.h"
#include "iban.h"
#include "miscadmin.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#define REF_BUF DUNNING_COMPACT_BUF

/* A maximal run of digits (or of letters and digits) in the text. */
typedef struct Run
{
	int			start;			/* byte offset */
	int			len;			/* bytes; capped, see read_run */
} Run;

/*
 * The alphanumeric (alnum) or digit (!alnum) run at byte i, read at most
 * cap + 1 bytes far: a run longer than cap is reported as cap + 1 long,
 * which is more than any candidate accepts.  Bounded look-ahead keeps the
 * scan linear whatever the text.
 */
static Run
read_run(const char *s, int n, int i, bool alnum, int cap)
{
	Run			r = {i, 0};

	while (i + r.len < n && r.len <= cap &&
		   (alnum ? is_alnum(s[i + r.len]) : is_digit(s[i + r.len])))
		r.len++;
	return r;
}

/* Does the text at byte i hold 1 or 2 blanks followed by a character that
 * passes the test?  Returns the number of blanks, 0 when not. */
static int
blank_joiner(const char *s, int n, int i, bool alnum)
{
	int			k = 0;

	while (k < 2 && i + k < n && (s[i + k] == ' ' || s[i + k] == '\t'))
		k++;
	if (k == 0 || i + k >= n)
		return 0;
	return (alnum ? is_alnum(s[i + k]) : is_digit(s[i + k])) ? k : 0;
}

/* Is byte i the end of a token (end of text or a non-alphanumeric byte)? */
static inline bool
token_end(const char *s, int n, int i)
{
	return i >= n || !is_alnum(s[i]);
}

/*
 * Does the text hold, at byte i, one of - . / , with a digit next to it on
 * the side given by dir (+1 after, -1 before)?  Such a joiner glues digit
 * runs into dates (2023-01-15), amounts (1.234,56) and compound numbers, none
 * of whose pieces is a reference on its own.
 */
static bool
compound_joiner(const char *s, int n, int i, int dir)
{
	char		c;

	if (i < 0 || i >= n || i + dir < 0 || i + dir >= n)
		return false;
	c = s[i];
	return (c == '-' || c == '.' || c == '/' || c == ',') && is_digit(s[i + dir]);
}

/*
 * Gather the characters of the runs r[0..k-1] into buf (upper-cased);
 * returns the length.
 */
static int
gather(const char *s, const Run *r, int k, char *buf)
{
	int			n = 0;

	for (int j = 0; j < k; j++)
		for (int i = 0; i < r[j].len; i++)
			buf[n++] = to_upper(s[r[j].start + i]);
	buf[n] = '\0';
	return n;
}

/*
 * An RF reference starting at byte i (which is "RF" or "rf" plus two
 * digits at a token start): either one alphanumeric run, or the printed form
 * in groups of four separated by one or two blanks, the last group maybe
 * shorter.  Writes the valid candidates to out (at most 8, count in *nout)
 * and returns the end byte of the longest, or -1.
 */
static int
scan_rf(const char *s, int n, int i, char out[][REF_BUF], int *nout)
{
	Run			g[8];
	int			k = 0;
	int			total = 0;
	int			pos = i;
	int			best = -1;

	for (;;)
	{
		Run			r = read_run(s, n, pos, true, 25);

		/* The first run may be the whole reference; then groups of <= 4. */
		if (total + r.len > 25 || (k > 0 && r.len > 4))
			break;
		g[k++] = r;
		total += r.len;
		pos = r.start + r.len;
		if (r.len != 4 || k == lengthof(g))
			break;
		{
			int			b = blank_joiner(s, n, pos, true);

			if (b == 0)
				break;
			pos += b;
		}
	}
	/*
	 * Every valid candidate, longest first.  A word written after the
	 * reference ("RF.. 9AE9 EUR") may keep the check valid by chance, and a
	 * shorter prefix may too: both readings are reported, the consumer
	 * looks them up among known references.
	 */
	for (; k > 0; k--)
	{
		int			len = gather(s, g, k, out[*nout]);

		if (dunning_reference_check_compact(REF_RF, out[*nout], len, out[*nout]) < 0)
			continue;
		if (best < 0)
			best = g[k - 1].start + g[k - 1].len;
		(*nout)++;
	}
	return best;
}

/*
 * An IBAN starting at byte i (two letters and two digits at a token start),
 * electronic or printed in groups of four: returns its end byte, or -1.
 * Account numbers are skipped so that their digit groups are not taken for
 * references.
 */
static int
scan_iban(const char *s, int n, int i)
{
	Run			g[9];
	int			k = 0;
	int			total = 0;
	int			pos = i;

	for (;;)
	{
		Run			r = read_run(s, n, pos, true, 34);
		int			b;

		if (total + r.len > 34)
			break;
		g[k++] = r;
		total += r.len;
		pos = r.start + r.len;
		if (r.len != 4 || k == lengthof(g))
			break;
		b = blank_joiner(s, n, pos, true);
		if (b == 0)
			break;
		pos += b;
	}
	for (; k > 0; k--)
	{
		char		buf[REF_BUF];
		int			len = gather(s, g, k, buf);

		if (dunning_iban_like(buf, len))
			return g[k - 1].start + g[k - 1].len;
	}
	return -1;
}

/* Printed OGM at the digit run first: 3/4/5 digits separated by slashes. */
static int
scan_printed_ogm(const char *s, int n, Run first, char *out)
{
	int			i = first.start;
	Run			b,
				c;
	char		buf[REF_BUF];

	if (first.len != 3 || i + 3 >= n || s[i + 3] != '/')
		return -1;
	b = read_run(s, n, i + 4, false, 5);
	if (b.len != 4 || b.start + 4 >= n || s[b.start + 4] != '/')
		return -1;
	c = read_run(s, n, b.start + 5, false, 6);
	if (c.len != 5 || !token_end(s, n, c.start + 5))
		return -1;
	{
		Run			r[3] = {first, b, c};
		int			len = gather(s, r, 3, buf);

		if (dunning_reference_check_compact(REF_BE_OGM, buf, len, out) < 0)
			return -1;
	}
	return c.start + 5;
}

/*
 * The digit groups starting with the run first: the groups of at most 5
 * digits that follow it one or two blanks apart (at most 5 more, the last
 * maybe shorter), each alone as a token.  Returns how many, first included.
 */
static int
digit_groups(const char *s, int n, Run first, Run g[6])
{
	int			k = 1;
	int			pos = first.start + first.len;

	g[0] = first;
	if (first.len > 5 || (pos < n && is_alnum(s[pos])))
		return 1;
	while (k < 6)
	{
		int			b = blank_joiner(s, n, pos, false);
		Run			r;

		if (b == 0)
			break;
		r = read_run(s, n, pos + b, false, 5);
		if (r.len > 5 || !token_end(s, n, r.start + r.len))
			break;
		g[k++] = r;
		pos = r.start + r.len;
		if (r.len != 5)
			break;
	}
	return k;
}

/* Printed QRR: 2 digits, then five blank-separated groups of 5. */
static int
scan_printed_qrr(const char *s, const Run *g, int k, char *out)
{
	char		buf[REF_BUF];
	int			len;

	if (k != 6 || g[0].len != 2)
		return -1;
	for (int j = 1; j < 6; j++)
		if (g[j].len != 5)
			return -1;
	len = gather(s, g, 6, buf);
	if (dunning_reference_check_compact(REF_CH_QRR, buf, len, out) < 0)
		return -1;
	return g[5].start + 5;
}

/* Printed Finnish reference: first group 1-5 digits, then groups of 5, longest first. */
static int
scan_printed_fi(const char *s, const Run *g, int k, char *out)
{
	for (int m = k; m >= 2; m--)
	{
		char		buf[REF_BUF];
		int			len;
		bool		ok = true;

		for (int j = 1; j < m; j++)
			ok = ok && g[j].len == 5;
		if (!ok)
			continue;
		len = gather(s, g, m, buf);
		if (len <= 20 && dunning_reference_check_compact(REF_FI, buf, len, out) >= 0)
			return g[m - 1].start + g[m - 1].len;
	}
	return -1;
}

/*
 * The bare digit run, alone as a token, in any digit scheme by priority,
 * or followed by '-' as a mod 11 KID.  Runs shorter than 4 digits are not
 * reported: too many numbers in a text would qualify.
 */
static int
scan_bare_run(const char *s, int n, Run first, char *out, RefScheme *scheme)
{
	char		buf[REF_BUF];
	int			end = first.start + first.len;
	int			len;

	if (first.len < 4 || first.len > 27)
		return -1;
	len = gather(s, &first, 1, buf);
	if (end < n && s[end] == '-' && token_end(s, n, end + 1) && len < 25)
	{
		char		kid[REF_BUF];

		memcpy(kid, buf, len);
		kid[len] = '-';
		if (dunning_reference_check_compact(REF_NO_KID11, kid, len + 1, out) >= 0)
		{
			*scheme = REF_NO_KID11;
			return end + 1;
		}
	}
	if (!token_end(s, n, end) || compound_joiner(s, n, end, 1))
		return -1;
	for (int j = 0; j < REF_NSCHEMES; j++)
	{
		RefScheme	sc = dunning_ref_scheme_priority[j];

		if (sc != REF_RF && dunning_reference_check_compact(sc, buf, len, out) >= 0)
		{
			*scheme = sc;
			return end;
		}
	}
	return -1;
}

/*
 * A digit-based reference starting at byte i (a digit at a token start).
 * Tried in order, first match wins: printed OGM (ddd/dddd/ddddd), printed
 * QRR (2 digits then five groups of 5, blank-separated), printed Finnish
 * reference (groups of 5 from the right, longest first), then the bare digit
 * run (with a trailing '-' for a mod 11 KID).  Returns the end byte and sets
 * *scheme, or -1.
 */
static int
scan_digits(const char *s, int n, int i, char *out, RefScheme *scheme)
{
	Run			g[6];
	int			k;
	int			end;
	Run			first = read_run(s, n, i, false, 27);

	/* Part of a date, an amount or a longer number: not a reference. */
	if (compound_joiner(s, n, i - 1, -1))
		return -1;
	if ((end = scan_printed_ogm(s, n, first, out)) >= 0)
	{
		*scheme = REF_BE_OGM;
		return end;
	}
	k = digit_groups(s, n, first, g);
	if ((end = scan_printed_qrr(s, g, k, out)) >= 0)
	{
		*scheme = REF_CH_QRR;
		return end;
	}
	if ((end = scan_printed_fi(s, g, k, out)) >= 0)
	{
		*scheme = REF_FI;
		return end;
	}
	return scan_bare_run(s, n, first, out, scheme);
}


/* Receives each reference the scanner finds (normalised, NUL-terminated). */
typedef void (*RefEmit) (void *arg, RefScheme scheme, const char *norm, int charpos);

/*
 * The valid structured references found in free text, left to right,
 * without overlaps, handed to emit.  One pass over the text with bounded
 * look-ahead at each token start: linear time, no allocation.
 */
static void
scan_references(const char *s, int n, RefEmit emit, void *arg)
{
	int			i = 0;
	int			charpos = 1;
	uint32		steps = 0;

	while (i < n)
	{
		unsigned char c = (unsigned char) s[i];

		if ((++steps & 0x3FFF) == 0)
			CHECK_FOR_INTERRUPTS();

		if (is_alnum(c) && (i == 0 || !is_alnum(s[i - 1])))
		{
			char		out[8][REF_BUF];
			int			nout = 1;
			RefScheme	scheme = REF_NONE;
			int			end = -1;

			if ((c == 'R' || c == 'r') && i + 3 < n &&
				(s[i + 1] == 'F' || s[i + 1] == 'f') &&
				is_digit(s[i + 2]) && is_digit(s[i + 3]))
			{
				nout = 0;
				end = scan_rf(s, n, i, out, &nout);
				scheme = REF_RF;
			}
			else if (is_digit(c))
				end = scan_digits(s, n, i, out[0], &scheme);
			else if (i + 3 < n && is_alnum(s[i + 1]) && !is_digit(s[i + 1]) &&
					 is_digit(s[i + 2]) && is_digit(s[i + 3]))
			{
				int			skip = scan_iban(s, n, i);

				if (skip > i)
				{
					charpos += skip - i;
					i = skip;
					continue;
				}
			}

			if (end > i)
			{
				for (int k = 0; k < nout; k++)
					emit(arg, scheme, out[k], charpos);
				/* A match is all ASCII: one byte per character. */
				charpos += end - i;
				i = end;
				continue;
			}
		}
		/* Next character; ASCII bytes never occur inside a multibyte one. */
		if (c < 0x80)
			i++;
		else
			i += Min(pg_mblen(s + i), n - i);
		charpos++;
	}
}

#define N_REF_COLUMNS 3		/* of extract_references(): scheme, reference, start_pos */

/* Puts what the scanner finds into the result of extract_references. */
static void
emit_tuple(void *arg, RefScheme scheme, const char *norm, int charpos)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	Datum		values[N_REF_COLUMNS];
	bool		nulls[N_REF_COLUMNS] = {false, false, false};

	values[0] = CStringGetTextDatum(dunning_ref_scheme_names[scheme]);
	values[1] = CStringGetTextDatum(norm);
	values[2] = Int32GetDatum(charpos);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

PG_FUNCTION_INFO_V1(extract_references);

/*
 * extract_references(txt text) -> TABLE(scheme, reference, start_pos): see
 * scan_references; memory is the result tuplestore (which spills to disk
 * beyond work_mem).
 */
Datum
extract_references(PG_FUNCTION_ARGS)
{
	text	   *txt = PG_GETARG_TEXT_PP(0);

	dunning_init_srf(fcinfo, N_REF_COLUMNS);
	scan_references(VARDATA_ANY(txt), VARSIZE_ANY_EXHDR(txt), emit_tuple, fcinfo->resultinfo);
	return (Datum) 0;
}

/* The lettering engine's view of the same scanner (reference_scan.h). */
typedef struct RefArray
{
	DunningRef *out;
	int			max;
	int			n;
} RefArray;

/* Collects what the scanner finds into the caller's array, while it has room. */
static void
emit_array(void *arg, RefScheme scheme, const char *norm, int charpos)
{
	RefArray   *a = (RefArray *) arg;

	if (a->n < a->max && strlen(norm) <= DUNNING_REF_MAX)
	{
		strlcpy(a->out[a->n].norm, norm, sizeof(a->out[a->n].norm));
		a->out[a->n].scheme = scheme;
		a->n++;
	}
}

/* See reference_scan.h. */
int
dunning_extract_refs(const char *s, int n, DunningRef *out, int max)
{
	RefArray	a = {out, max, 0};

	scan_references(s, n, emit_array, &a);
	return a.n;
}
