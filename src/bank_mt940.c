/*
 * bank_mt940.c -- SWIFT MT940: fields :20: (statement reference), :25:
 * (account), :28C: (statement number), :60F:/:60M: (opening balance), :61:
 * (one entry), :86: (its details), :62F:/:62M: (closing balance), in files
 * with or without SWIFT blocks ({1:...}{4:), CRLF or LF, UTF-8, Latin-1,
 * Windows-1252 or code page 850.
 *
 * :86: (the details of an entry) is read by bank_mt940_details.c.
 */
#include "postgres.h"

#include "bank_mt940.h"
#include "bank_mt940_details.h"
#include "iban.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "quote.h"
#include "utils/memutils.h"

typedef struct Mt
{
	char	   *text;			/* the file in the server encoding */
	int			line;			/* the line being read */
	char		tag[5];			/* the open field */
	int			tag_line;
	StringInfoData field;		/* its lines, joined by '\n' */
	MemoryContext stmt_cxt;
	BankStatement *st;
	BankEntry  *en;			/* the last :61:, until a field other than :86: */
	bool		en_details;		/* its :86: has been read */
	int			n_stmt;
	int			message_line;	/* a SWIFT message begun there ({1: to {4:) is not closed yet (-}) */
	bool		message_ended;	/* the last line ended a SWIFT message (-}): trailer blocks may follow */
	int			trailer_depth;	/* the braces of its trailer blocks ({5:{CHK:...}}) still open */
	int			trailer_line;	/* where the first of them was opened */
	BankEmit	emit;
	void	   *arg;
} Mt;

/* "line n" of the file. */
static char *
at_line(int line)
{
	return psprintf("line %d", line);
}

/* See bank_mt940.h. */
bool
dunning_mt940_looks_like(const char *data, int len)
{
	int			n = Min(len, 4096);

	for (int i = 0; i + 3 < n; i++)
		if (data[i] == ':' && data[i + 1] == '2' && data[i + 2] == '0' && data[i + 3] == ':' &&
			(i == 0 || data[i - 1] == '\n' || data[i - 1] == '\r' || data[i - 1] == ':'))
			return true;
	return false;
}

/* Code page 850 (DOS Western Europe): the code points of bytes 0x80-0xFF. */
static const uint16 cp850[128] = {
	0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7,
	0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
	0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
	0x00FF, 0x00D6, 0x00DC, 0x00F8, 0x00A3, 0x00D8, 0x00D7, 0x0192,
	0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA,
	0x00BF, 0x00AE, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
	0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00C1, 0x00C2, 0x00C0,
	0x00A9, 0x2563, 0x2551, 0x2557, 0x255D, 0x00A2, 0x00A5, 0x2510,
	0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x00E3, 0x00C3,
	0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x00A4,
	0x00F0, 0x00D0, 0x00CA, 0x00CB, 0x00C8, 0x0131, 0x00CD, 0x00CE,
	0x00CF, 0x2518, 0x250C, 0x2588, 0x2584, 0x00A6, 0x00CC, 0x2580,
	0x00D3, 0x00DF, 0x00D4, 0x00D2, 0x00F5, 0x00D5, 0x00B5, 0x00FE,
	0x00DE, 0x00DA, 0x00DB, 0x00D9, 0x00FD, 0x00DD, 0x00AF, 0x00B4,
	0x00AD, 0x00B1, 0x2017, 0x00BE, 0x00B6, 0x00A7, 0x00F7, 0x00B8,
	0x00B0, 0x00A8, 0x00B7, 0x00B9, 0x00B3, 0x00B2, 0x25A0, 0x00A0
};

/*
 * Whether raw, not UTF-8, is German text in code page 850 (older German
 * banking software writes it): an umlaut of that code page (ä ö ü Ä Ö Ü are
 * 0x84 0x94 0x81 0x8E 0x99 0x9A there, control characters in Latin-1), and
 * every byte above 0x7F one of its accented letters 0x80-0xA5 or ß (0xE1).
 */
static bool
looks_like_cp850(const char *raw, int len)
{
	bool		umlaut = false;

	for (int i = 0; i < len; i++)
	{
		unsigned char b = (unsigned char) raw[i];

		if (b < 0x80)
			continue;
		if (b > 0xA5 && b != 0xE1)
			return false;
		if (b == 0x81 || b == 0x84 || b == 0x8E || b == 0x94 || b == 0x99 || b == 0x9A)
			umlaut = true;
	}
	return umlaut;
}

/*
 * Whether raw, not UTF-8, is Windows-1252 rather than Latin-1: it has bytes
 * 0x80-0x9F (the euro sign, curly quotes, dashes there; control characters
 * in Latin-1), all of them characters of Windows-1252 (0x81, 0x8D, 0x8F,
 * 0x90 and 0x9D are none).
 */
static bool
looks_like_win1252(const char *raw, int len)
{
	bool		c1 = false;

	for (int i = 0; i < len; i++)
	{
		unsigned char b = (unsigned char) raw[i];

		if (b < 0x80 || b > 0x9F)
			continue;
		if (b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D)
			return false;
		c1 = true;
	}
	return c1;
}

/* raw (len bytes of code page 850) as UTF-8. */
static char *
cp850_to_utf8(const char *raw, int len)
{
	StringInfoData out;
	unsigned char utf8[4];

	initStringInfo(&out);
	for (int i = 0; i < len; i++)
	{
		unsigned char b = (unsigned char) raw[i];

		if (b < 0x80)
			appendStringInfoChar(&out, (char) b);
		else
		{
			unicode_to_utf8(cp850[b - 0x80], utf8);
			appendBinaryStringInfo(&out, (char *) utf8, pg_utf_mblen(utf8));
		}
	}
	return out.data;
}

/*
 * The file as text of the server encoding: control characters other than
 * line ends become spaces, then the bytes are converted from the given
 * encoding (a PostgreSQL name, or CP850), UTF-8 when they are valid UTF-8,
 * code page 850 or Windows-1252 when they look like it, else Latin-1.
 */
static char *
decode(const char *data, int len, const char *encoding)
{
	char	   *raw = palloc(len + 1);
	int			enc = PG_LATIN1;
	bool		is_cp850 = false;

	for (int i = 0; i < len; i++)
	{
		unsigned char b = (unsigned char) data[i];

		raw[i] = (b < ' ' && b != '\n' && b != '\r') || b == 0x7f ? ' ' : (char) b;
	}
	raw[len] = '\0';
	if (encoding != NULL && (pg_strcasecmp(encoding, "CP850") == 0 || pg_strcasecmp(encoding, "IBM850") == 0))
		is_cp850 = true;
	else if (encoding != NULL)
	{
		enc = pg_char_to_encoding(encoding);
		if (enc < 0 || !PG_VALID_ENCODING(enc))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"%s\" is not an encoding", dunning_clip(encoding, strlen(encoding), 60)),
					 errhint("Give a PostgreSQL encoding name such as UTF8, LATIN1 or WIN1252, or CP850, or NULL to detect it.")));
	}
	else if (pg_verify_mbstr(PG_UTF8, raw, len, true))
		enc = PG_UTF8;
	else if (!(is_cp850 = looks_like_cp850(raw, len)) && looks_like_win1252(raw, len))
		enc = PG_WIN1252;
	if (is_cp850)
	{
		char	   *utf8 = cp850_to_utf8(raw, len);

		return pg_any_to_server(utf8, strlen(utf8), PG_UTF8);
	}
	if (!pg_verify_mbstr(enc, raw, len, true))
		dunning_bank_refuse("the start", psprintf("the file is not valid %s", pg_encoding_to_char(enc)));
	return pg_any_to_server(raw, len, enc);
}

/* s as an amount; refused at where. */
static char *
amount_at(const char *s, const char *where)
{
	char	   *a = dunning_bank_amount(s);

	if (a == NULL)
		dunning_bank_refuse(where, psprintf("\"%s\" is not an amount", dunning_clip(s, strlen(s), DUNNING_QUOTE_MAX)));
	return a;
}

/* The date of YYMMDD at s (dunning_bank_yymmdd); refused at where. */
static DateADT
date_at(const char *s, const char *where)
{
	DateADT		d;

	if (!dunning_bank_yymmdd(s, &d))
		dunning_bank_refuse(where, psprintf("\"%s\" is not a date (YYMMDD)",
											dunning_clip(s, pg_mbcharcliplen(s, strlen(s), 6), DUNNING_QUOTE_MAX)));
	return d;
}

/* The first n characters of s after skipping *pos, NUL-terminated; *pos moves on. */
static char *
take(const char *s, int *pos, int n)
{
	int			len = pg_mbcharcliplen(s + *pos, strlen(s + *pos), n);
	char	   *out = pnstrdup(s + *pos, len);

	*pos += len;
	return out;
}

/* A balance field :60x:/:62x:/:64:/:65: "C230131EUR1234,56": the signed amount and its date. */
static char *
read_balance(Mt *m, const char *f, DateADT *on, bool *has_on)
{
	char	   *where = psprintf("line %d (:%s:)", m->tag_line, m->tag);
	bool		debit;
	char	   *amount;
	char	   *currency;

	if (strlen(f) < 11 || (f[0] != 'C' && f[0] != 'D'))
		dunning_bank_refuse(where, psprintf("\"%s\" is not a balance (C or D, YYMMDD, currency, amount)",
											dunning_clip(f, strlen(f), DUNNING_QUOTE_MAX)));
	debit = f[0] == 'D';
	*on = date_at(f + 1, where);
	*has_on = true;
	currency = dunning_bank_currency(pnstrdup(f + 7, 3));
	if (currency == NULL)
		dunning_bank_refuse(where, psprintf("\"%.*s\" is not a currency code (C or D, YYMMDD, currency, amount)",
											pg_mbcharcliplen(f + 7, strlen(f + 7), 3), f + 7));
	if (m->st->currency == NULL)
		m->st->currency = currency;
	else if (strcmp(currency, m->st->currency) != 0)
		dunning_bank_refuse(where, psprintf("the balance is in %s, the statement in %s", currency, m->st->currency));
	/* SWIFT requires the decimal comma (a Knab :61: omits it, no balance does): a cut in the amount drops it */
	if (strpbrk(f + 10, ",.") == NULL)
		dunning_bank_refuse(where, psprintf("\"%s\" has no decimal comma (MT940 writes 1234,56 or 1234,): the file is cut short or altered",
											dunning_clip(f + 10, strlen(f + 10), DUNNING_QUOTE_MAX)));
	amount = amount_at(f + 10, where);
	return debit ? psprintf("-%s", amount) : amount;
}

/*
 * :25: an IBAN, or another account number, possibly followed by the
 * account's currency ("NL68INGB0000012345EUR", "NL84RABO0121212121 EUR"),
 * which is not part of it.  One per statement.
 */
static void
read_account(Mt *m, const char *f)
{
	char		iban[DUNNING_IBAN_MAX + 1];
	char	   *account = dunning_bank_clean(f);
	const char *last_slash;
	int			n;

	if (m->st->account_iban != NULL || m->st->account_id != NULL)
		dunning_bank_refuse(at_line(m->tag_line), "a second :25: account in one statement");
	if (account == NULL)
		dunning_bank_refuse(at_line(m->tag_line), "the :25: field names no account");
	n = strlen(account);
	if (dunning_iban_normalize(account, n, iban))
	{
		m->st->account_iban = pstrdup(iban);	/* MU17...MUR: an IBAN that ends in letters */
		return;
	}
	if (n > 5 && isalpha((unsigned char) account[n - 1]) && isalpha((unsigned char) account[n - 2]) &&
		isalpha((unsigned char) account[n - 3]) && dunning_bank_currency(pnstrdup(account + n - 3, 3)) != NULL &&
		(isdigit((unsigned char) account[n - 4]) || account[n - 4] == ' ' || account[n - 4] == '/'))
	{
		n -= 3;
		while (n > 0 && (account[n - 1] == ' ' || account[n - 1] == '/'))
			n--;
		account[n] = '\0';
		if (n == 0)
			dunning_bank_refuse(at_line(m->tag_line), "the :25: field names no account");
	}
	last_slash = strrchr(account, '/');
	if (dunning_iban_normalize(account, n, iban) ||
		(last_slash && dunning_iban_normalize(last_slash + 1, strlen(last_slash + 1), iban)))
		m->st->account_iban = pstrdup(iban);	/* "NL91ABNA0417164300", "ABNANL2A/NL91ABNA0417164300" */
	else
		m->st->account_id = account;
}

/*
 * A :61: reference at s is 16 characters, padded with blanks when details
 * follow on the line ("NONREF          MR X"); a longer one without a blank
 * in its first 17 characters is kept whole.  s is cut after the reference;
 * the details after it, or NULL.
 */
static char *
cut_reference(char *s)
{
	int			n = strlen(s);
	int			ref = pg_mbcharcliplen(s, n, 16);	/* characters, not bytes */
	char	   *details;

	if (n <= ref || memchr(s, ' ', ref + pg_mblen(s + ref)) == NULL)
		return NULL;
	details = pstrdup(s + ref);
	s[ref] = '\0';
	return details;
}

/* Value date, entry date, mark and amount of a :61: line; *pos moves past them. */
static void
read_61_head(Mt *m, BankEntry *en, const char *f, int *pos, const char *where)
{
	DateADT		value_on = date_at(f, where);
	int			p = 6;
	int			n = 0;

	en->value_on = value_on;
	en->has_value_on = true;
	en->booked_on = value_on;
	if (strncmp(f + p, "    ", 4) == 0)
		p += 4;					/* an entry date left blank */
	else if (isdigit((unsigned char) f[p]) && isdigit((unsigned char) f[p + 1]) &&
		isdigit((unsigned char) f[p + 2]) && isdigit((unsigned char) f[p + 3]))
	{
		/* entry date MMDD, in the value date's year or the next/previous one */
		char		d[7];
		int			vm = (f[2] - '0') * 10 + (f[3] - '0');
		int			em = (f[p] - '0') * 10 + (f[p + 1] - '0');
		int			y = (f[0] - '0') * 10 + (f[1] - '0');

		y = (em == 12 && vm == 1) ? (y + 99) % 100 : (em == 1 && vm == 12) ? (y + 1) % 100 : y;
		snprintf(d, sizeof(d), "%02d%.4s", y, f + p);
		en->booked_on = date_at(d, where);
		p += 4;
	}
	if (pg_toupper(f[p]) == 'R' && (pg_toupper(f[p + 1]) == 'C' || pg_toupper(f[p + 1]) == 'D'))
	{
		en->reversal = true;
		en->credit = pg_toupper(f[p + 1]) == 'D';	/* RD: a debit reversed is a credit */
		p += 2;
	}
	else if (pg_toupper(f[p]) == 'C' || pg_toupper(f[p]) == 'D')
		en->credit = pg_toupper(f[p++]) == 'C';	/* (some banks write c and d) */
	else
		dunning_bank_refuse(where, "the :61: mark is not C, D, RC or RD");
	if (isalpha((unsigned char) f[p]))
		p++;					/* funds code: the third letter of the currency */
	while (isdigit((unsigned char) f[p + n]) || f[p + n] == ',' || f[p + n] == '.')
		n++;
	en->amount = amount_at(pnstrdup(f + p, n), where);
	*pos = p + n;
}


/*
 * The supplementary details of :61: (its second line): the counterparty's
 * account when they are an IBAN (Rabobank), nothing when they are bank
 * codes ("/TRCD/00100/", ING), else text that stands for the remittance
 * when :86: gives none.
 */
static void
read_61_details(BankEntry *en, BankTxn *tx, char *details)
{
	char		iban[DUNNING_IBAN_MAX + 1];

	if (details == NULL || details[0] == '/')
		return;
	if (dunning_iban_normalize(details, strlen(details), iban))
		tx->iban = pstrdup(iban);
	else
		en->info = details;
}

/* :61: one entry: value date, entry date, mark, amount, type, references. */
static void
read_61(Mt *m, const char *f)
{
	char	   *where = psprintf("line %d (:61:)", m->tag_line);
	BankEntry  *en = palloc0(sizeof(BankEntry));
	BankTxn    *tx = palloc0(sizeof(BankTxn));
	int			p;
	const char *eol = strchr(f, '\n');
	int			first = eol ? eol - f : strlen(f);
	char	   *line = pnstrdup(f, first);
	char	   *slash;
	char	   *same_line = NULL;	/* details on the :61: line itself */
	char	   *details;

	en->booked = true;
	en->has_booked_on = true;
	read_61_head(m, en, line, &p, where);
	while (line[p] == ' ')
		p++;					/* a space before the type (Commerzbank) */
	if (pg_strncasecmp(line + p, "NONREF", 6) == 0 || strncmp(line + p, "//", 2) == 0)
		;						/* no type: the reference (or the bank's) at once */
	else if (line[p] != 'N' && line[p] != 'F' && line[p] != 'S')
		dunning_bank_refuse(where, psprintf("\"%s\" is not a transaction type (N, F or S and three characters)",
											dunning_clip(line + p, strlen(line + p), 20)));
	else
		en->bank_code = dunning_bank_clean(take(line, &p, 4));
	slash = strstr(line + p, "//");
	if (slash)
	{
		/* the bank's reference after "//", then the account owner's before it */
		same_line = cut_reference(slash + 2);
		en->bank_ref = dunning_mt940_reference(slash + 2);
		*slash = '\0';
	}
	details = cut_reference(line + p);
	if (same_line == NULL)
		same_line = details;
	tx->txn_ref = dunning_mt940_reference(line + p);
	if (eol)
		read_61_details(en, tx, dunning_bank_clean(eol + 1));
	else if (same_line)
		read_61_details(en, tx, dunning_bank_clean(same_line));
	en->currency = m->st->currency;
	tx->where.text = where;
	en->where.text = where;
	en->txns = list_make1(tx);
	m->st->entries = lappend(m->st->entries, en);
	m->en = en;
	m->en_details = false;
}


/* :86: the details of the last :61:. */
static void
read_86(Mt *m, const char *f)
{
	BankEntry  *en = m->en;
	BankTxn    *tx = linitial(en->txns);
	char	   *s;

	if (m->en_details)
	{
		/* another :86: of the same entry (older Dutch files): more text */
		if ((s = dunning_mt940_text(f)) != NULL)
		{
			StringInfoData text;

			initStringInfo(&text);
			if (tx->remittance)
				appendStringInfoString(&text, tx->remittance);
			dunning_bank_append(&text, " ", s, at_line(m->tag_line));
			tx->remittance = text.data;
		}
		return;
	}
	m->en_details = true;
	dunning_mt940_details(en, tx, f);
}

/* The statement read so far is complete: checked and handed over. */
static void
end_statement(Mt *m)
{
	BankStatement *st = m->st;

	if (st == NULL)
		return;
	if (st->opening == NULL)
		dunning_bank_refuse(dunning_bank_place(&st->where), "the statement has no :60F: or :60M: opening balance");
	if (st->closing == NULL)
		dunning_bank_refuse(dunning_bank_place(&st->where), "the statement has no :62F: or :62M: closing balance (a truncated file?)");
	m->emit(st, m->arg);
	m->st = NULL;
	m->en = NULL;
}

/* The field that ends goes where it belongs. */
static void
end_field(Mt *m)
{
	MemoryContext old;
	const char *f = m->field.data;
	const char *t = m->tag;

	if (t[0] == '\0')
		return;
	if (strcmp(t, "20") == 0)
	{
		end_statement(m);
		MemoryContextReset(m->stmt_cxt);
	}
	old = MemoryContextSwitchTo(m->stmt_cxt);
	if (strcmp(t, "20") == 0)
	{
		m->st = palloc0(sizeof(BankStatement));
		m->st->format = "mt940";
		m->st->statement_ref = dunning_mt940_reference(pstrdup(f));
		m->st->where.text = psprintf("line %d (statement %d)", m->tag_line, ++m->n_stmt);
	}
	else if (m->st == NULL)
		dunning_bank_refuse(at_line(m->tag_line), psprintf("field :%s: comes before the :20: of its statement", t));
	else if (strcmp(t, "25") == 0)
		read_account(m, f);
	else if (strncmp(t, "28", 2) == 0)
		m->st->sequence_no = dunning_bank_clean(pnstrdup(f, strcspn(f, "/")));
	else if (strcmp(t, "60F") == 0 || strcmp(t, "60M") == 0)
		m->st->opening = read_balance(m, f, &m->st->opening_on, &m->st->has_opening_on);
	else if (strcmp(t, "62F") == 0 || strcmp(t, "62M") == 0)
		m->st->closing = read_balance(m, f, &m->st->closing_on, &m->st->has_closing_on);
	else if (strcmp(t, "64") == 0 || strcmp(t, "65") == 0)
	{
		/*
		 * available and forward balances: not kept, but their line (what
		 * follows it is not theirs) well-formed: a cut-short file ends in one
		 */
		DateADT		on;
		bool		has_on;

		(void) read_balance(m, pnstrdup(f, strcspn(f, "\n")), &on, &has_on);
	}
	else if (strcmp(t, "61") == 0)
		read_61(m, f);
	else if (strcmp(t, "86") == 0 && m->en != NULL)
		read_86(m, f);
	/* every field but :61:, :86: and :NS: ends the last entry */
	if (strcmp(t, "61") != 0 && strcmp(t, "86") != 0 && strcmp(t, "NS") != 0)
		m->en = NULL;
	MemoryContextSwitchTo(old);
	m->tag[0] = '\0';
	resetStringInfo(&m->field);
}

/*
 * The tag of a field's first line ":61:..." into tag, and the length of
 * ":61:"; 0 if the line starts no field of MT940 (or of the MT942 and
 * bank-specific ones met in MT940 files, read and left aside): a wrapped
 * :86: line may start with ":26:" or the like.
 */
static int
field_tag(const char *line, char *tag)
{
	static const char *const tags[] = {"20", "21", "25", "25P", "28", "28C", "60F", "60M", "61", "62F", "62M",
	"64", "65", "86", "13", "13D", "34F", "90C", "90D", "NS"};
	int			n = 1;

	if (line[0] != ':' || !isalnum((unsigned char) line[1]) || !isalnum((unsigned char) line[2]))
		return 0;
	n = 3;
	if (isalpha((unsigned char) line[3]))
		n = 4;
	if (line[n] != ':')
		return 0;
	for (int k = 0; k < lengthof(tags); k++)
		if (strlen(tags[k]) == n - 1 && strncmp(line + 1, tags[k], n - 1) == 0)
		{
			memcpy(tag, line + 1, n - 1);
			tag[n - 1] = '\0';
			return n + 1;
		}
	return 0;
}

/*
 * A line "-" (or "-}", possibly indented) ends a SWIFT message: once the
 * statement has its closing balance, or outside a statement.  Before that
 * it is a dash in the text of :86:.
 */
static bool
ends_message(Mt *m, const char *line)
{
	while (*line == ' ')
		line++;
	if (line[0] != '-' || !(line[1] == '\0' || line[1] == '}'))
		return false;			/* ("- text": a line's ending blanks are gone) */
	if (m->st == NULL || line[1] == '}')
		return true;
	/* the closing balance read, or its field still open */
	return m->st->closing != NULL || strncmp(m->tag, "62", 2) == 0 || strncmp(m->tag, "64", 2) == 0 ||
		strncmp(m->tag, "65", 2) == 0 || (strcmp(m->tag, "86") == 0 && m->en == NULL);
}

/*
 * Whether a field tag can follow the open field: within :86: (whose
 * wrapped text may start with "14:25:37" cut before its colon) only what
 * follows an entry's details: another entry, a closing or available
 * balance, :86:, :NS:, the MT942 sums, and the next statement once this
 * one is closed.
 */
static bool
follows_field(Mt *m, const char *tag)
{
	static const char *const after_86[] = {"61", "62F", "62M", "64", "65", "86", "NS", "90C", "90D"};

	if (strcmp(m->tag, "86") != 0)
		return true;
	for (int k = 0; k < lengthof(after_86); k++)
		if (strcmp(tag, after_86[k]) == 0)
			return true;
	return strcmp(tag, "20") == 0 && (m->st == NULL || m->st->closing != NULL);
}

/*
 * The trailer blocks after a SWIFT message's end ("-}{5:{CHK:...}}", on
 * that line or the next): their braces must close, or the file was cut in
 * them.  They end where the next message's header begins ({1:).
 */
static void
read_trailer(Mt *m, const char *s)
{
	for (; *s; s++)
	{
		if (strncmp(s, "{1:", 3) == 0)
		{
			m->trailer_depth = 0;
			return;
		}
		if (*s == '{' && m->trailer_depth++ == 0)
			m->trailer_line = m->line;
		else if (*s == '}' && m->trailer_depth > 0)
			m->trailer_depth--;
	}
}

/* One line of the file. */
static void
read_line(Mt *m, char *line)
{
	char		tag[5];
	int			n;
	char	   *block;
	bool		message_ended = m->message_ended;

	m->message_ended = false;
	if (line[0] == '{' && line[1] >= '1' && line[1] <= '4')
		m->message_line = m->line;
	if (line[0] == '{' && (block = strstr(line, "{4:")) != NULL)
		line = block + 3;		/* SWIFT blocks 1-3 before the text block */
	else if (line[0] == '{')
	{
		if (message_ended || m->trailer_depth > 0)
		{
			read_trailer(m, line);
			m->message_ended = true;
		}
		return;
	}
	if (line[0] == ' ' && field_tag(line + strspn(line, " "), tag) > 0)
		line += strspn(line, " ");	/* a field after blanks (a DOS end-of-file byte, made a space) */
	if ((n = field_tag(line, tag)) > 0 && follows_field(m, tag))
	{
		end_field(m);
		strlcpy(m->tag, tag, sizeof(m->tag));
		m->tag_line = m->line;
		dunning_bank_append(&m->field, "\n", line + n, at_line(m->line));
	}
	else if (ends_message(m, line))
	{
		if (line[strspn(line, " ") + 1] == '}')
		{
			m->message_line = 0;	/* "-}": the message's end */
			m->message_ended = true;
			read_trailer(m, line + strspn(line, " ") + 2);
		}
		end_field(m);
		end_statement(m);
	}
	else if (line[0] == '\0')
		;						/* a blank line (or a DOS end-of-file mark): its blanks are gone */
	else if (m->tag[0] != '\0')
		dunning_bank_append(&m->field, "\n", line, at_line(m->line));
	else if (m->st != NULL)
		dunning_bank_refuse(at_line(m->line), "a line outside any field");
}

/* See bank_mt940.h. */
void
dunning_mt940_read(const char *data, int len, const char *encoding, BankEmit emit, void *arg)
{
	Mt			m = {0};
	char	   *p;

	m.text = decode(data, len, encoding);
	m.emit = emit;
	m.arg = arg;
	initStringInfo(&m.field);
	m.stmt_cxt = AllocSetContextCreate(CurrentMemoryContext, "mt940 statement", ALLOCSET_DEFAULT_SIZES);
	p = m.text;
	while (*p)
	{
		char	   *eol = p + strcspn(p, "\r\n");
		char	   *next = eol;

		if (*next == '\r')
			next++;
		if (*next == '\n')
			next++;
		*eol = '\0';
		while (eol > p && eol[-1] == ' ')
			*--eol = '\0';		/* blanks that end a line (ING ends each with one) */
		m.line++;
		read_line(&m, p);
		p = next;
		CHECK_FOR_INTERRUPTS();
	}
	end_field(&m);
	if (m.n_stmt == 0)
		dunning_bank_refuse("the start", "no :20: statement in the file");
	if (m.message_line > 0)
		dunning_bank_refuse(at_line(m.message_line),
							"a SWIFT message begins here, but the file ends before its end (-}): it is cut short");
	if (m.trailer_depth > 0)
		dunning_bank_refuse(at_line(m.trailer_line),
							"a SWIFT trailer block ({5:) begins here, but the file ends before its closing brace: it is cut short");
	end_statement(&m);
	MemoryContextDelete(m.stmt_cxt);
}
