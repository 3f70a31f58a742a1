/*
 * bank_model.c -- the checks the bank file readers share: dates, amounts and
 * text as they come from camt and MT940 files, refused with the place they
 * were found at (doc/bank.md, "What is refused").
 */
#include "postgres.h"

#include "bank_model.h"
#include "datatype/timestamp.h"
#include "utils/datetime.h"

/* See bank_model.h. */
void
dunning_bank_refuse(const char *where, const char *msg)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("bank file refused at %s: %s", where, msg),
			 errhint("Nothing of the file was imported; correct or replace the file and import it again.")));
}

/* See bank_model.h. */
const char *
dunning_bank_place(const BankPlace *p)
{
	StringInfoData s;

	if (!p->numbered)
		return p->text ? p->text : "?";
	initStringInfo(&s);
	appendStringInfoString(&s, p->text);
	if (p->stmt > 0)
		appendStringInfo(&s, " (statement %d", p->stmt);
	if (p->stmt > 0 && p->entry > 0)
		appendStringInfo(&s, ", entry %d", p->entry);
	appendStringInfo(&s, "%sline %d)", p->stmt > 0 ? ", " : " (", p->line);
	return s.data;
}

/* *d: the date y-m-d when it exists. */
static bool
checked_date(int y, int m, int d, DateADT *out)
{
	int			yy,
				mm,
				dd;
	int			j;

	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	j = date2j(y, m, d);
	j2date(j, &yy, &mm, &dd);
	if (yy != y || mm != m || dd != d)
		return false;
	*out = j - POSTGRES_EPOCH_JDATE;
	return true;
}

/* True when s[0..n-1] are digits. */
static bool
digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The number of the n digits at s. */
static int
number(const char *s, int n)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* See bank_model.h. */
bool
dunning_bank_not_provided(const char *s)
{
	return s != NULL && (pg_strcasecmp(s, "NOTPROVIDED") == 0 || pg_strcasecmp(s, "NOT PROVIDED") == 0);
}

/* See bank_model.h. */
bool
dunning_bank_iso_date(const char *s, DateADT *d)
{
	if (s == NULL || strlen(s) < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
		!digits(s + 8, 2) || (s[10] != '\0' && s[10] != 'T' && s[10] != '+' && s[10] != 'Z' && s[10] != '-'))
		return false;
	return checked_date(number(s, 4), number(s + 5, 2), number(s + 8, 2), d);
}

/* See bank_model.h. */
bool
dunning_bank_yymmdd(const char *s, DateADT *d)
{
	int			y,
				m,
				day;

	if (strnlen(s, 6) < 6 || !digits(s, 6))
		return false;
	y = number(s, 2) + (number(s, 2) < 80 ? 2000 : 1900);
	m = number(s + 2, 2);
	day = number(s + 4, 2);
	/* "30 February": a day past the end of its month, up to 31, is its last */
	if (m >= 1 && m <= 12 && day <= 31 && day > day_tab[isleap(y)][m - 1])
		day = day_tab[isleap(y)][m - 1];
	return checked_date(y, m, day, d);
}

/* See bank_model.h. */
char *
dunning_bank_amount(const char *s)
{
	char	   *out = palloc(strlen(s) + 1);
	int			n = 0;
	int			before = 0,
				after = 0,
				significant = 0;
	bool		point = false;

	for (const char *p = s; *p; p++)
	{
		if (*p >= '0' && *p <= '9')
		{
			if (point)
				after++;
			else
			{
				before++;
				if (*p != '0' || significant > 0)
					significant++;	/* leading zeros of a padded field do not count */
			}
			out[n++] = *p;
		}
		else if ((*p == '.' || *p == ',') && !point)
		{
			point = true;
			out[n++] = '.';
		}
		else
			before = 99;
	}
	if (before == 0 || significant > 15 || before > 40 || after > 6)
	{
		pfree(out);
		return NULL;
	}
	if (point && after == 0)
		n--;					/* MT940 writes 100, for 100 */
	out[n] = '\0';
	return out;
}

/* See bank_model.h. */
char *
dunning_bank_currency(char *s)
{
	if (s == NULL || strlen(s) != 3 || !isupper((unsigned char) s[0]) || !isupper((unsigned char) s[1]) ||
		!isupper((unsigned char) s[2]))
		return NULL;
	return s;
}

/* See bank_model.h. */
char *
dunning_bank_clean(const char *s)
{
	char	   *out;
	int			n = 0;
	bool		space = false;

	if (s == NULL)
		return NULL;
	out = palloc(strlen(s) + 1);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (*p <= ' ' || *p == 0x7f)
			space = n > 0;
		else
		{
			if (space)
				out[n++] = ' ';
			space = false;
			out[n++] = (char) *p;
		}
	}
	out[n] = '\0';
	if (n == 0)
	{
		pfree(out);
		return NULL;
	}
	return out;
}

/* See bank_model.h. */
void
dunning_bank_append(StringInfo buf, const char *sep, const char *text, const char *where)
{
	size_t		n = strlen(text);

	if (buf->len + n + strlen(sep) > DUNNING_BANK_MAX_TEXT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("bank file refused at %s: text longer than %d bytes", where, DUNNING_BANK_MAX_TEXT),
				 errhint("Nothing of the file was imported.")));
	if (buf->len > 0 && n > 0)
		appendStringInfoString(buf, sep);
	appendBinaryStringInfo(buf, text, n);
}

