/*
 * reference.c -- structured payment references and IBANs.
 *
 * A structured reference printed on an invoice and quoted back by the payer
 * is the one piece of remittance data that identifies an invoice for sure:
 * its check digits make a typo detectable.  This file validates, normalises,
 * creates and prints the references of six schemes, finds them in free
 * remittance text, and validates IBANs (the payer's account, which tells
 * who paid).
 *
 * Schemes (see doc/matching.md and the test vectors of domain.md):
 *   rf        ISO 11649 creditor reference, RF + 2 check digits + 1-21 alnum
 *   be_ogm    Belgian structured communication (OGM/VCS), 10 + 2 digits
 *   no_kid10  Norwegian KID, Luhn check digit, 2-25 digits
 *   no_kid11  Norwegian KID, mod 11 check digit ('-' for 10), 2-25 chars
 *   fi        Finnish reference, 7-3-1 weights, 4-20 digits
 *   ch_qrr    Swiss QR reference, recursive mod 10, 27 digits
 *
 * Everything here works on bytes.  The characters that matter are ASCII,
 * and every server encoding keeps ASCII bytes out of multibyte characters,
 * so a multibyte character is simply "not a digit, not a letter, not a
 * separator": garbage gives no match, in any server encoding.
 */
#include "postgres.h"

#include "compat.h"
#include "matching.h"
#include "textmatch.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

typedef enum RefScheme
{
	REF_NONE = -1,
	REF_RF = 0,
	REF_BE_OGM,
	REF_NO_KID10,
	REF_NO_KID11,
	REF_FI,
	REF_CH_QRR,
	REF_NSCHEMES
} RefScheme;

static const char *const scheme_names[REF_NSCHEMES] = {
	"rf", "be_ogm", "no_kid10", "no_kid11", "fi", "ch_qrr"
};

#define SCHEME_LIST "rf, be_ogm, no_kid10, no_kid11, fi, ch_qrr"

/*
 * Order in which a reference that fits several schemes is attributed to one
 * of them: the schemes with the strongest and most specific checks first
 * (RF has its prefix, QRR its 27 digits, OGM two check digits on exactly 12
 * digits), then the one-digit checks.  The canonical digits are the same
 * whatever scheme wins, so the order only decides the scheme's name.
 */
static const RefScheme scheme_priority[REF_NSCHEMES] = {
	REF_RF, REF_CH_QRR, REF_BE_OGM, REF_FI, REF_NO_KID10, REF_NO_KID11
};

/*
 * Longest input (in bytes, separators included) that can be a reference:
 * the longest canonical reference has 27 characters; the printed forms add
 * spaces and decoration.  Anything longer is rejected before any work.
 */
#define REF_MAX_INPUT	96
/* Room for a canonical reference (27) or an IBAN (34) plus NUL. */
#define REF_BUF			40

/* Swiss recursive mod 10 table (domain.md). */
static const int qrr_table[10] = {0, 9, 4, 6, 8, 2, 7, 1, 3, 5};

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static inline bool
is_alnum(char c)
{
	return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z');
}

static inline bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline char
to_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
}

static inline bool
all_digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/*
 * A user value quoted in an error message, clipped to a readable length on a
 * character boundary (the value may be a megabyte of remittance text).
 */
static char *
clip_value(const char *s, int len)
{
	if (len <= 40)
		return pnstrdup(s, len);
	return psprintf("%.*s...", pg_mbcliplen(s, len, 40), s);
}

/*
 * The scheme a name designates; raises an error for an unknown name, because
 * a typo in a scheme would otherwise silently turn every reference invalid.
 */
static RefScheme
scheme_from_text(text *name)
{
	const char *s = VARDATA_ANY(name);
	int			len = VARSIZE_ANY_EXHDR(name);

	for (int i = 0; i < REF_NSCHEMES; i++)
		if (len == (int) strlen(scheme_names[i]) &&
			pg_strncasecmp(s, scheme_names[i], len) == 0)
			return (RefScheme) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown payment reference scheme \"%s\"", clip_value(s, len)),
			 errhint("Known schemes: " SCHEME_LIST ".")));
	return REF_NONE;			/* not reached */
}

/*
 * Copy a reference into buf without white space, letters upper-cased.
 * Returns the length, or -1 when the input is too long to be a reference.
 */
static int
compact(const char *s, int len, char *buf)
{
	int			n = 0;

	if (len > REF_MAX_INPUT)
		return -1;
	for (int i = 0; i < len; i++)
	{
		if (is_space(s[i]))
			continue;
		if (n >= REF_BUF - 1)
			return -1;
		buf[n++] = to_upper(s[i]);
	}
	buf[n] = '\0';
	return n;
}

/*
 * ISO 7064 mod 97-10 accumulation over digits and letters (A=10 .. Z=35),
 * continuing from acc.  Returns -1 on any other character.
 */
static int
mod97_alnum(const char *s, int n, int acc)
{
	for (int i = 0; i < n; i++)
	{
		char		c = s[i];

		if (is_digit(c))
			acc = (acc * 10 + (c - '0')) % 97;
		else if (is_upper(c))
			acc = (acc * 100 + (c - 'A' + 10)) % 97;
		else
			return -1;
	}
	return acc;
}

/* Check characters of the schemes, computed over a base of digits. */
static char
luhn_check(const char *d, int n)
{
	int			sum = 0;
	bool		dbl = true;

	for (int i = n - 1; i >= 0; i--)
	{
		int			v = d[i] - '0';

		if (dbl)
		{
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
		dbl = !dbl;
	}
	return '0' + (10 - sum % 10) % 10;
}

static char
mod11_check(const char *d, int n)
{
	int			sum = 0;
	int			w = 2;
	int			r;

	for (int i = n - 1; i >= 0; i--)
	{
		sum += (d[i] - '0') * w;
		w = (w == 7) ? 2 : w + 1;
	}
	r = 11 - sum % 11;
	if (r == 11)
		return '0';
	if (r == 10)
		return '-';
	return '0' + r;
}

static char
fi_check(const char *d, int n)
{
	static const int weights[3] = {7, 3, 1};
	int			sum = 0;

	for (int i = n - 1, k = 0; i >= 0; i--, k++)
		sum += (d[i] - '0') * weights[k % 3];
	return '0' + (10 - sum % 10) % 10;
}

static char
qrr_check(const char *d, int n)
{
	int			c = 0;

	for (int i = 0; i < n; i++)
		c = qrr_table[(c + d[i] - '0') % 10];
	return '0' + (10 - c) % 10;
}

/* OGM check digits of a 10-digit base: base mod 97, 0 written 97. */
static int
ogm_check(const char *d)
{
	int			r = mod97_alnum(d, 10, 0);

	return r == 0 ? 97 : r;
}

/*
 * Is the compact (upper-case, no white space) string c a valid reference of
 * scheme s?  On success the canonical form is written to out (which may be
 * c itself) and its length returned; otherwise -1.
 */
static int
check_compact(RefScheme s, const char *c, int n, char *out)
{
	switch (s)
	{
		case REF_RF:
			{
				int			cc;
				int			acc;

				if (n < 5 || n > 25 || c[0] != 'R' || c[1] != 'F' ||
					!is_digit(c[2]) || !is_digit(c[3]))
					return -1;
				/* ISO 7064 check digits run from 02 to 98. */
				cc = (c[2] - '0') * 10 + (c[3] - '0');
				if (cc < 2 || cc > 98)
					return -1;
				acc = mod97_alnum(c + 4, n - 4, 0);
				if (acc < 0)
					return -1;
				acc = mod97_alnum(c, 4, acc);
				if (acc != 1)
					return -1;
				break;
			}
		case REF_BE_OGM:
			{
				char		d[12];
				int			nd = 0;
				int			lo = 0;
				int			hi = n;

				/* Decoration: +++...+++ or ***...***, in matching pairs. */
				if (n >= 6 && ((strncmp(c, "+++", 3) == 0 && strncmp(c + n - 3, "+++", 3) == 0) ||
							   (strncmp(c, "***", 3) == 0 && strncmp(c + n - 3, "***", 3) == 0)))
				{
					lo = 3;
					hi = n - 3;
				}
				/* Digits, with single / . - separators between them. */
				for (int i = lo; i < hi; i++)
				{
					if (is_digit(c[i]))
					{
						if (nd == 12)
							return -1;
						d[nd++] = c[i];
					}
					else if ((c[i] == '/' || c[i] == '.' || c[i] == '-') &&
							 i > lo && i < hi - 1 && is_digit(c[i - 1]) && is_digit(c[i + 1]))
						continue;
					else
						return -1;
				}
				if (nd != 12)
					return -1;
				if (ogm_check(d) != (d[10] - '0') * 10 + (d[11] - '0'))
					return -1;
				memcpy(out, d, 12);
				out[12] = '\0';
				return 12;
			}
		case REF_NO_KID10:
			if (n < 2 || n > 25 || !all_digits(c, n) || luhn_check(c, n - 1) != c[n - 1])
				return -1;
			break;
		case REF_NO_KID11:
			if (n < 2 || n > 25 || !all_digits(c, n - 1) ||
				!(is_digit(c[n - 1]) || c[n - 1] == '-') ||
				mod11_check(c, n - 1) != c[n - 1])
				return -1;
			break;
		case REF_FI:
			if (n < 4 || n > 20 || !all_digits(c, n) || fi_check(c, n - 1) != c[n - 1])
				return -1;
			break;
		case REF_CH_QRR:
			if (n != 27 || !all_digits(c, n) || qrr_check(c, 26) != c[26])
				return -1;
			break;
		default:
			return -1;
	}
	if (out != c)
		memcpy(out, c, n);
	out[n] = '\0';
	return n;
}

/*
 * Validate a reference as typed or printed (any white space, lower-case RF,
 * OGM decoration).  With s = REF_NONE, the first scheme in priority order
 * that accepts it.  Returns the scheme (REF_NONE when invalid) and writes
 * the canonical form to out.
 */
static RefScheme
reference_check(const char *raw, int len, RefScheme s, char *out)
{
	char		buf[REF_BUF];
	int			n = compact(raw, len, buf);

	if (n <= 0)
		return REF_NONE;
	if (s != REF_NONE)
		return check_compact(s, buf, n, out) >= 0 ? s : REF_NONE;
	for (int i = 0; i < REF_NSCHEMES; i++)
		if (check_compact(scheme_priority[i], buf, n, out) >= 0)
			return scheme_priority[i];
	return REF_NONE;
}

/* Shared argument handling of the (ref, scheme DEFAULT NULL) functions. */
static RefScheme
reference_check_args(FunctionCallInfo fcinfo, char *out)
{
	text	   *ref = PG_GETARG_TEXT_PP(0);
	RefScheme	s = REF_NONE;

	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		s = scheme_from_text(PG_GETARG_TEXT_PP(1));
	return reference_check(VARDATA_ANY(ref), VARSIZE_ANY_EXHDR(ref), s, out);
}

PG_FUNCTION_INFO_V1(reference_valid);

/*
 * reference_valid(ref text, scheme text DEFAULT NULL) -> boolean: does ref
 * carry correct check digits in that scheme (in any scheme when NULL)?
 */
Datum
reference_valid(PG_FUNCTION_ARGS)
{
	char		out[REF_BUF];

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_BOOL(reference_check_args(fcinfo, out) != REF_NONE);
}

PG_FUNCTION_INFO_V1(reference_normalize);

/*
 * reference_normalize(ref text, scheme text DEFAULT NULL) -> text: the
 * electronic form (no spaces, upper case, OGM as 12 digits); NULL when the
 * reference is not valid.
 */
Datum
reference_normalize(PG_FUNCTION_ARGS)
{
	char		out[REF_BUF];

	if (PG_ARGISNULL(0) || reference_check_args(fcinfo, out) == REF_NONE)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

PG_FUNCTION_INFO_V1(reference_scheme);

/*
 * reference_scheme(ref text) -> text: name of the scheme of a valid
 * reference (first in priority order), NULL when valid in none.
 */
Datum
reference_scheme(PG_FUNCTION_ARGS)
{
	text	   *ref = PG_GETARG_TEXT_PP(0);
	char		out[REF_BUF];
	RefScheme	s = reference_check(VARDATA_ANY(ref), VARSIZE_ANY_EXHDR(ref),
									REF_NONE, out);

	if (s == REF_NONE)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(scheme_names[s]));
}

/*
 * Raise the error of a base that reference_create cannot complete.  The
 * detail states the rule of the scheme, the hint an example.
 */
static void
bad_base(const char *s, int len, RefScheme scheme)
{
	static const char *const rules[REF_NSCHEMES] = {
		"An rf base has 1 to 21 letters or digits.",
		"A be_ogm base has 1 to 10 digits (zero-padded to 10).",
		"A no_kid10 base has 1 to 24 digits.",
		"A no_kid11 base has 1 to 24 digits.",
		"An fi base has 3 to 19 digits.",
		"A ch_qrr base has 1 to 26 digits (zero-padded to 26).",
	};
	static const char *const hints[REF_NSCHEMES] = {
		"Pass the creditor's own reference without \"RF\" and check digits, e.g. '539007547034'.",
		"Pass the base without check digits, e.g. '0108068171' gives 010806817183.",
		"Pass the base without its check digit, e.g. '234567' gives 2345676.",
		"Pass the base without its check digit, e.g. '1234567890' gives 12345678903.",
		"Pass the base without its check digit, e.g. '1234567' gives 12345672.",
		"Pass the base without its check digit, e.g. '21000000000313947143000901' gives 210000000003139471430009017.",
	};

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid base \"%s\" for payment reference scheme \"%s\"",
					clip_value(s, len), scheme_names[scheme]),
			 errdetail("%s White space is ignored.", rules[scheme]),
			 errhint("%s", hints[scheme])));
}

PG_FUNCTION_INFO_V1(reference_create);

/*
 * reference_create(base text, scheme text) -> text: the reference of the
 * scheme made of base and its check digits, in electronic form.
 */
Datum
reference_create(PG_FUNCTION_ARGS)
{
	text	   *base_t = PG_GETARG_TEXT_PP(0);
	RefScheme	s = scheme_from_text(PG_GETARG_TEXT_PP(1));
	const char *raw = VARDATA_ANY(base_t);
	int			rawlen = VARSIZE_ANY_EXHDR(base_t);
	char		b[REF_BUF];
	char		out[REF_BUF + 4];
	int			n = compact(raw, rawlen, b);
	int			maxlen[REF_NSCHEMES] = {21, 10, 24, 24, 19, 26};
	int			minlen = (s == REF_FI) ? 3 : 1;

	if (n < minlen || n > maxlen[s] || (s != REF_RF && !all_digits(b, n)) ||
		(s == REF_RF && mod97_alnum(b, n, 0) < 0))
		bad_base(raw, rawlen, s);

	switch (s)
	{
		case REF_RF:
			{
				/* check = 98 - (base || "RF00") mod 97 */
				int			acc = mod97_alnum(b, n, 0);

				acc = mod97_alnum("RF00", 4, acc);
				snprintf(out, sizeof(out), "RF%02d%s", 98 - acc, b);
				break;
			}
		case REF_BE_OGM:
			snprintf(out, sizeof(out), "%010d", 0);
			memcpy(out + 10 - n, b, n);
			snprintf(out + 10, sizeof(out) - 10, "%02d", ogm_check(out));
			break;
		case REF_CH_QRR:
			memset(out, '0', 26);
			memcpy(out + 26 - n, b, n);
			out[26] = qrr_check(out, 26);
			out[27] = '\0';
			break;
		case REF_NO_KID10:
		case REF_NO_KID11:
		case REF_FI:
			memcpy(out, b, n);
			out[n] = (s == REF_NO_KID10) ? luhn_check(b, n) :
				(s == REF_NO_KID11) ? mod11_check(b, n) : fi_check(b, n);
			out[n + 1] = '\0';
			break;
		default:
			elog(ERROR, "unexpected reference scheme %d", (int) s);
	}
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

PG_FUNCTION_INFO_V1(reference_format);

/*
 * reference_format(ref text, scheme text DEFAULT NULL) -> text: the printed
 * form of a valid reference; NULL when not valid.
 */
Datum
reference_format(PG_FUNCTION_ARGS)
{
	char		c[REF_BUF];
	char		out[REF_BUF * 2];
	int			n;
	int			o = 0;
	RefScheme	s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = reference_check_args(fcinfo, c);
	if (s == REF_NONE)
		PG_RETURN_NULL();
	n = strlen(c);
	switch (s)
	{
		case REF_RF:
			/* Groups of 4 from the left. */
			for (int i = 0; i < n; i++)
			{
				if (i > 0 && i % 4 == 0)
					out[o++] = ' ';
				out[o++] = c[i];
			}
			break;
		case REF_BE_OGM:
			o = snprintf(out, sizeof(out), "+++%.3s/%.4s/%.5s+++", c, c + 3, c + 7);
			break;
		case REF_CH_QRR:
			/* 2 digits, then groups of 5. */
			for (int i = 0; i < n; i++)
			{
				if (i == 2 || (i > 2 && (i - 2) % 5 == 0))
					out[o++] = ' ';
				out[o++] = c[i];
			}
			break;
		case REF_FI:
			/* Groups of 5 from the right. */
			for (int i = 0; i < n; i++)
			{
				if (i > 0 && (n - i) % 5 == 0)
					out[o++] = ' ';
				out[o++] = c[i];
			}
			break;
		default:
			/* KIDs are printed as they are. */
			memcpy(out, c, n);
			o = n;
			break;
	}
	out[o] = '\0';
	PG_RETURN_TEXT_P(cstring_to_text(out));
}

/*
 * ---------------------------------------------------------------------------
 * Finding references in free remittance text
 * ---------------------------------------------------------------------------
 */

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

		if (check_compact(REF_RF, out[*nout], len, out[*nout]) < 0)
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

/*
 * A digit-based reference starting at byte i (a digit at a token start).
 * Tried in order, first match wins: printed OGM (ddd/dddd/ddddd), printed
 * QRR (2 digits then five groups of 5, blank-separated), printed Finnish
 * reference (groups of 5 from the right, longest first), then the bare digit
 * run (with a trailing '-' for a mod 11 KID).  Bare runs shorter than 4
 * digits are not reported: too many numbers in a text would qualify.
 * Returns the end byte and sets *scheme, or -1.
 */
static int
scan_digits(const char *s, int n, int i, char *out, RefScheme *scheme)
{
	Run			g[6];
	int			k;
	int			pos;
	Run			first = read_run(s, n, i, false, 27);

	/* Part of a date, an amount or a longer number: not a reference. */
	if (compound_joiner(s, n, i - 1, -1))
		return -1;

	/* Printed OGM: 3/4/5 digits separated by slashes. */
	if (first.len == 3 && i + 3 < n && s[i + 3] == '/')
	{
		Run			b = read_run(s, n, i + 4, false, 5);

		if (b.len == 4 && b.start + 4 < n && s[b.start + 4] == '/')
		{
			Run			c = read_run(s, n, b.start + 5, false, 6);

			if (c.len == 5 && token_end(s, n, c.start + 5))
			{
				char		buf[REF_BUF];
				Run			r[3] = {first, b, c};
				int			len = gather(s, r, 3, buf);

				if (check_compact(REF_BE_OGM, buf, len, out) >= 0)
				{
					*scheme = REF_BE_OGM;
					return c.start + 5;
				}
			}
		}
	}

	/* Blank-separated digit groups after the first (at most 5 more). */
	g[0] = first;
	k = 1;
	pos = first.start + first.len;
	if (first.len <= 5 && !(pos < n && is_alnum(s[pos])))
	{
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
	}

	/* Printed QRR. */
	if (k == 6 && g[0].len == 2)
	{
		bool		ok = true;

		for (int j = 1; j < 6; j++)
			ok = ok && g[j].len == 5;
		if (ok)
		{
			char		buf[REF_BUF];
			int			len = gather(s, g, 6, buf);

			if (check_compact(REF_CH_QRR, buf, len, out) >= 0)
			{
				*scheme = REF_CH_QRR;
				return g[5].start + 5;
			}
		}
	}

	/* Printed Finnish reference: first group 1-5 digits, then groups of 5. */
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
		if (len <= 20 && check_compact(REF_FI, buf, len, out) >= 0)
		{
			*scheme = REF_FI;
			return g[m - 1].start + g[m - 1].len;
		}
	}

	/* The bare run, alone as a token. */
	if (first.len >= 4 && first.len <= 27)
	{
		char		buf[REF_BUF];
		int			end = first.start + first.len;
		int			len = gather(s, &first, 1, buf);

		if (end < n && s[end] == '-' && token_end(s, n, end + 1) && len < 25)
		{
			char		kid[REF_BUF];

			memcpy(kid, buf, len);
			kid[len] = '-';
			if (check_compact(REF_NO_KID11, kid, len + 1, out) >= 0)
			{
				*scheme = REF_NO_KID11;
				return end + 1;
			}
		}
		if (token_end(s, n, end) && !compound_joiner(s, n, end, 1))
		{
			for (int j = 0; j < REF_NSCHEMES; j++)
			{
				RefScheme	sc = scheme_priority[j];

				if (sc != REF_RF && check_compact(sc, buf, len, out) >= 0)
				{
					*scheme = sc;
					return end;
				}
			}
		}
	}
	return -1;
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

static void
emit_tuple(void *arg, RefScheme scheme, const char *norm, int charpos)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	values[0] = CStringGetTextDatum(scheme_names[scheme]);
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

	DUNNING_INIT_SRF(fcinfo);
	scan_references(VARDATA_ANY(txt), VARSIZE_ANY_EXHDR(txt), emit_tuple, fcinfo->resultinfo);
	return (Datum) 0;
}

/* The lettering engine's view of the same scanner (matching.h). */
typedef struct RefArray
{
	DmRef	   *out;
	int			max;
	int			n;
} RefArray;

static void
emit_array(void *arg, RefScheme scheme, const char *norm, int charpos)
{
	RefArray   *a = (RefArray *) arg;

	if (a->n < a->max && strlen(norm) <= DM_REF_MAX)
	{
		strlcpy(a->out[a->n].norm, norm, sizeof(a->out[a->n].norm));
		a->out[a->n].scheme = (int) scheme;
		a->n++;
	}
}

int
dm_extract_refs(const char *s, int n, DmRef *out, int max)
{
	RefArray	a = {out, max, 0};

	scan_references(s, n, emit_array, &a);
	return a.n;
}

bool
dm_reference_normalize(const char *s, int n, char *out)
{
	char		buf[REF_BUF];

	if (reference_check(s, n, REF_NONE, buf) == REF_NONE || strlen(buf) > DM_REF_MAX)
		return false;
	strlcpy(out, buf, DM_REF_MAX + 1);
	return true;
}

/*
 * ---------------------------------------------------------------------------
 * IBAN
 * ---------------------------------------------------------------------------
 */

typedef struct IbanCountry
{
	const char	code[3];
	int8		length;
} IbanCountry;

/*
 * IBAN lengths of the SWIFT IBAN registry (ISO 13616), sorted by country
 * code for binary search.  A country missing here makes an IBAN invalid.
 */
static const IbanCountry iban_countries[] = {
	{"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20},
	{"BE", 16}, {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28},
	{"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27},
	{"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
	{"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23},
	{"GL", 18}, {"GR", 27}, {"GT", 28}, {"HN", 28}, {"HR", 21}, {"HU", 28},
	{"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30},
	{"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20},
	{"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22},
	{"MK", 19}, {"MN", 20}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28},
	{"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24}, {"PL", 28}, {"PS", 29},
	{"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24},
	{"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27},
	{"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26},
	{"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
};

static int
iban_country_length(const char *cc)
{
	int			lo = 0;
	int			hi = lengthof(iban_countries) - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			cmp = strncmp(cc, iban_countries[mid].code, 2);

		if (cmp == 0)
			return iban_countries[mid].length;
		if (cmp < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

/*
 * Validate an IBAN as typed (white space anywhere, any case); on success
 * write the electronic form to out and return true.
 */
static bool
iban_check_raw(const char *raw, int len, char *out)
{
	int			n = compact(raw, len, out);
	int			cc;
	int			acc;

	if (n < 15 || n > 34 || !is_upper(out[0]) || !is_upper(out[1]) ||
		!is_digit(out[2]) || !is_digit(out[3]) ||
		iban_country_length(out) != n)
		return false;
	cc = (out[2] - '0') * 10 + (out[3] - '0');
	if (cc < 2 || cc > 98)
		return false;
	acc = mod97_alnum(out + 4, n - 4, 0);
	if (acc < 0)
		return false;
	return mod97_alnum(out, 4, acc) == 1;
}

static bool
iban_check(text *t, char *out)
{
	return iban_check_raw(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), out);
}

/* See matching.h. */
bool
dm_iban_normalize(const char *s, int n, char *out)
{
	char		buf[REF_BUF];

	if (!iban_check_raw(s, n, buf) || strlen(buf) > DM_IBAN_MAX)
		return false;
	strlcpy(out, buf, DM_IBAN_MAX + 1);
	return true;
}

/* See textmatch.h. */
bool
dunning_iban_like(const char *s, int n)
{
	char		buf[REF_BUF];
	int			acc;

	if (n < 15 || n > 34)
		return false;
	for (int i = 0; i < n; i++)
		buf[i] = to_upper(s[i]);
	if (!is_upper(buf[0]) || !is_upper(buf[1]) || !is_digit(buf[2]) || !is_digit(buf[3]))
		return false;
	acc = mod97_alnum(buf + 4, n - 4, 0);
	return acc >= 0 && mod97_alnum(buf, 4, acc) == 1;
}

PG_FUNCTION_INFO_V1(iban_valid);

/* iban_valid(txt text) -> boolean: country length and mod 97 check. */
Datum
iban_valid(PG_FUNCTION_ARGS)
{
	char		out[REF_BUF];

	PG_RETURN_BOOL(iban_check(PG_GETARG_TEXT_PP(0), out));
}

PG_FUNCTION_INFO_V1(iban_normalize);

/* iban_normalize(txt text) -> text: electronic form, NULL when invalid. */
Datum
iban_normalize(PG_FUNCTION_ARGS)
{
	char		out[REF_BUF];

	if (!iban_check(PG_GETARG_TEXT_PP(0), out))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(out));
}
