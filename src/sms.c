/*
 * sms.c -- a rendered text made one SMS.
 *
 * One SMS holds 160 characters of the GSM 03.38 alphabet (7-bit septets;
 * the characters of its extension table, such as [ ] { } ^ ~ | \ and the
 * euro sign, take two), or 70 UCS-2 code units for any other text.  French
 * and German messages mostly fit the GSM alphabet (é è à ù ä ö ü ß are in
 * it; ç ê â î ô û ë ï and the no-break spaces are not).  A longer text is
 * cut, at a blank when one is near, and ends with "...".  In a database
 * that is not UTF-8, any non-ASCII byte counts the text as UCS-2.
 */
#include "postgres.h"

#include "sms.h"

#include "mb/pg_wchar.h"

/* Characters of the GSM 03.38 basic table outside ASCII. */
static const pg_wchar gsm_basic_extra[] = {
	0x00A1, 0x00A3, 0x00A4, 0x00A5, 0x00A7, 0x00BF, 0x00C4, 0x00C5, 0x00C6, 0x00C7,
	0x00C9, 0x00D1, 0x00D6, 0x00D8, 0x00DC, 0x00DF, 0x00E0, 0x00E4, 0x00E5, 0x00E6,
	0x00E8, 0x00E9, 0x00EC, 0x00F1, 0x00F2, 0x00F6, 0x00F8, 0x00F9, 0x00FC, 0x0393,
	0x0394, 0x0398, 0x039B, 0x039E, 0x03A0, 0x03A3, 0x03A6, 0x03A8, 0x03A9,
};

/* Septets of c in the GSM alphabet: 1, 2 (extension table), 0 (not in it). */
static int
gsm_septets(pg_wchar c)
{
	if (c < 0x80)
	{
		if (c == '`' || (c < 0x20 && c != '\n' && c != '\r') || c == 0x7f)
			return 0;
		return strchr("[\\]^{|}~", (int) c) ? 2 : 1;
	}
	if (c == 0x20AC)
		return 2;
	for (int i = 0; i < lengthof(gsm_basic_extra); i++)
		if (gsm_basic_extra[i] == c)
			return 1;
	return 0;
}

/* Runs of blanks become one blank; no blank at either end. */
static void
collapse_blanks(StringInfo s)
{
	int			w = 0;

	for (int r = 0; r < s->len; r++)
	{
		if (s->data[r] == ' ' && (w == 0 || s->data[w - 1] == ' '))
			continue;
		s->data[w++] = s->data[r];
	}
	while (w > 0 && s->data[w - 1] == ' ')
		w--;
	s->len = w;
	s->data[w] = '\0';
}

/*
 * The cost of each character in the encoding the text needs: *gsm says
 * which; returns the total, and in cut the byte length of the longest
 * prefix costing at most limit_gsm (GSM) or limit_ucs2 (UCS-2) units.
 */
static int
sms_units(const StringInfo s, bool *gsm, int limit_gsm, int limit_ucs2, int *cut_gsm, int *cut_ucs2)
{
	bool		utf8 = GetDatabaseEncoding() == PG_UTF8;
	int			septets = 0;
	int			ucs2 = 0;

	*gsm = true;
	*cut_gsm = *cut_ucs2 = 0;
	for (int i = 0; i < s->len;)
	{
		const unsigned char *p = (const unsigned char *) s->data + i;
		int			n = utf8 ? pg_utf_mblen(p) : pg_mblen((const char *) p);
		pg_wchar	c = utf8 ? utf8_to_unicode(p) : (*p < 0x80 ? *p : 0xFFFF);
		int			g = (*p < 0x80 || utf8) ? gsm_septets(c) : 0;

		if (g == 0)
			*gsm = false;
		septets += g;
		ucs2 += c > 0xFFFF ? 2 : 1;
		i += n;
		if (septets <= limit_gsm && *gsm)
			*cut_gsm = i;
		if (ucs2 <= limit_ucs2)
			*cut_ucs2 = i;
	}
	return *gsm ? septets : ucs2;
}

void
dunning_fit_sms(StringInfo s)
{
	bool		gsm;
	int			cut_gsm;
	int			cut_ucs2;
	int			units;
	int			cut;
	int			blank;

	collapse_blanks(s);
	units = sms_units(s, &gsm, DUNNING_SMS_GSM_CHARS - 3, DUNNING_SMS_UCS2_CHARS - 3, &cut_gsm, &cut_ucs2);
	if (units <= (gsm ? DUNNING_SMS_GSM_CHARS : DUNNING_SMS_UCS2_CHARS))
		return;
	cut = gsm ? cut_gsm : cut_ucs2;
	/* at the last blank of the kept text, when it is near its end */
	for (blank = cut; blank > 0 && cut - blank < 16 && s->data[blank] != ' '; blank--)
		;
	if (blank > 0 && s->data[blank] == ' ')
		cut = blank;
	while (cut > 0 && (s->data[cut - 1] == ' ' || s->data[cut - 1] == ','))
		cut--;
	s->len = cut;
	s->data[cut] = '\0';
	appendStringInfoString(s, "...");
}
