/*
 * iban.c -- IBANs (ISO 13616): validation and the electronic form.
 *
 * The payer's account tells who paid: the lettering engine learns which
 * customer pays from which IBAN, and the reference scanner skips account
 * numbers so that their digit groups are not taken for references.  An IBAN
 * is valid when its country is registered, its length is that country's and
 * its ISO 7064 mod 97-10 check is right.
 */
#include "postgres.h"

#include "iban.h"

#include "ascii.h"
#include "checkdigit.h"
#include "fmgr.h"
#include "utils/builtins.h"

#define REF_BUF DUNNING_COMPACT_BUF

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

/* The registered IBAN length of a country code; -1 when not registered. */
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
	int			n = dunning_compact(raw, len, out);
	int			cc;
	int			acc;

	if (n < 15 || n > 34 || !is_upper(out[0]) || !is_upper(out[1]) ||
		!is_digit(out[2]) || !is_digit(out[3]) ||
		iban_country_length(out) != n)
		return false;
	cc = (out[2] - '0') * 10 + (out[3] - '0');
	if (cc < 2 || cc > 98)
		return false;
	acc = dunning_mod97(out + 4, n - 4, 0);
	if (acc < 0)
		return false;
	return dunning_mod97(out, 4, acc) == 1;
}

/* iban_check_raw on a text argument. */
static bool
iban_check(text *t, char *out)
{
	return iban_check_raw(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), out);
}

/* See iban.h. */
bool
dunning_iban_normalize(const char *s, int n, char *out)
{
	char		buf[REF_BUF];

	if (!iban_check_raw(s, n, buf) || strlen(buf) > DUNNING_IBAN_MAX)
		return false;
	strlcpy(out, buf, DUNNING_IBAN_MAX + 1);
	return true;
}

/* See iban.h. */
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
	acc = dunning_mod97(buf + 4, n - 4, 0);
	return acc >= 0 && dunning_mod97(buf, 4, acc) == 1;
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
