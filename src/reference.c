/*
 * reference.c -- structured payment references.
 *
 * A structured reference printed on an invoice and quoted back by the payer
 * is the one piece of remittance data that identifies an invoice for sure:
 * its check digits make a typo detectable.  This file validates, normalises,
 * creates and prints the references of six schemes; reference_scan.c finds
 * them in free remittance text, iban.c validates IBANs.
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

#include "reference.h"

#include "ascii.h"
#include "checkdigit.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "quote.h"
#include "utils/builtins.h"

const char *const dunning_ref_scheme_names[REF_NSCHEMES] = {
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
const RefScheme dunning_ref_scheme_priority[REF_NSCHEMES] = {
	REF_RF, REF_CH_QRR, REF_BE_OGM, REF_FI, REF_NO_KID10, REF_NO_KID11
};

#define REF_BUF DUNNING_COMPACT_BUF

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
		if (len == (int) strlen(dunning_ref_scheme_names[i]) &&
			pg_strncasecmp(s, dunning_ref_scheme_names[i], len) == 0)
			return (RefScheme) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown payment reference scheme \"%s\"", dunning_clip(s, len, 40)),
			 errhint("Known schemes: " SCHEME_LIST ".")));
	return REF_NONE;			/* not reached */
}

/* A compact RF reference: "RF", check digits 02..98, ISO 7064 mod 97 = 1. */
static bool
rf_valid(const char *c, int n)
{
	int			cc;
	int			acc;

	if (n < 5 || n > 25 || c[0] != 'R' || c[1] != 'F' ||
		!is_digit(c[2]) || !is_digit(c[3]))
		return false;
	/* ISO 7064 check digits run from 02 to 98. */
	cc = (c[2] - '0') * 10 + (c[3] - '0');
	if (cc < 2 || cc > 98)
		return false;
	acc = dunning_mod97(c + 4, n - 4, 0);
	if (acc < 0)
		return false;
	return dunning_mod97(c, 4, acc) == 1;
}

/*
 * A compact OGM: 12 digits, maybe decorated (+++...+++ or ***...***) and
 * separated by single / . - between digits, the last two the check digits.
 * Writes the 12 digits to out; returns 12, or -1 when not valid.
 */
static int
ogm_canonical(const char *c, int n, char *out)
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
	if (nd != 12 || dunning_ogm_check(d) != (d[10] - '0') * 10 + (d[11] - '0'))
		return -1;
	memcpy(out, d, 12);
	out[12] = '\0';
	return 12;
}

/* Is the compact c valid in scheme s, whose canonical form is c itself? */
static bool
plain_valid(RefScheme s, const char *c, int n)
{
	switch (s)
	{
		case REF_RF:
			return rf_valid(c, n);
		case REF_NO_KID10:
			return n >= 2 && n <= 25 && all_digits(c, n) && dunning_luhn_check(c, n - 1) == c[n - 1];
		case REF_NO_KID11:
			return n >= 2 && n <= 25 && all_digits(c, n - 1) &&
				(is_digit(c[n - 1]) || c[n - 1] == '-') &&
				dunning_mod11_check(c, n - 1) == c[n - 1];
		case REF_FI:
			return n >= 4 && n <= 20 && all_digits(c, n) && dunning_fi_check(c, n - 1) == c[n - 1];
		case REF_CH_QRR:
			return n == 27 && all_digits(c, n) && dunning_qrr_check(c, 26) == c[26];
		default:
			return false;
	}
}

/* See reference.h. */
int
dunning_reference_check_compact(RefScheme s, const char *c, int n, char *out)
{
	if (s == REF_BE_OGM)
		return ogm_canonical(c, n, out);
	if (!plain_valid(s, c, n))
		return -1;
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
	int			n = dunning_compact(raw, len, buf);

	if (n <= 0)
		return REF_NONE;
	if (s != REF_NONE)
		return dunning_reference_check_compact(s, buf, n, out) >= 0 ? s : REF_NONE;
	for (int i = 0; i < REF_NSCHEMES; i++)
		if (dunning_reference_check_compact(dunning_ref_scheme_priority[i], buf, n, out) >= 0)
			return dunning_ref_scheme_priority[i];
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
	PG_RETURN_TEXT_P(cstring_to_text(dunning_ref_scheme_names[s]));
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
					dunning_clip(s, len, 40), dunning_ref_scheme_names[scheme]),
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
	int			n = dunning_compact(raw, rawlen, b);
	int			maxlen[REF_NSCHEMES] = {21, 10, 24, 24, 19, 26};
	int			minlen = (s == REF_FI) ? 3 : 1;

	if (n < minlen || n > maxlen[s] || (s != REF_RF && !all_digits(b, n)) ||
		(s == REF_RF && dunning_mod97(b, n, 0) < 0))
		bad_base(raw, rawlen, s);

	switch (s)
	{
		case REF_RF:
			{
				/* check = 98 - (base || "RF00") mod 97 */
				int			acc = dunning_mod97(b, n, 0);

				acc = dunning_mod97("RF00", 4, acc);
				snprintf(out, sizeof(out), "RF%02d%s", 98 - acc, b);
				break;
			}
		case REF_BE_OGM:
			snprintf(out, sizeof(out), "%010d", 0);
			memcpy(out + 10 - n, b, n);
			snprintf(out + 10, sizeof(out) - 10, "%02d", dunning_ogm_check(out));
			break;
		case REF_CH_QRR:
			memset(out, '0', 26);
			memcpy(out + 26 - n, b, n);
			out[26] = dunning_qrr_check(out, 26);
			out[27] = '\0';
			break;
		case REF_NO_KID10:
		case REF_NO_KID11:
		case REF_FI:
			memcpy(out, b, n);
			out[n] = (s == REF_NO_KID10) ? dunning_luhn_check(b, n) :
				(s == REF_NO_KID11) ? dunning_mod11_check(b, n) : dunning_fi_check(b, n);
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

/* See reference.h. */
bool
dunning_reference_normalize(const char *s, int n, char *out)
{
	char		buf[REF_BUF];

	if (reference_check(s, n, REF_NONE, buf) == REF_NONE || strlen(buf) > DUNNING_REF_MAX)
		return false;
	strlcpy(out, buf, DUNNING_REF_MAX + 1);
	return true;
}
