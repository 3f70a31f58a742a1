/*
 * bank_mt940_details.c -- the :86: field of SWIFT MT940 (an entry's
 * details), which has no standard layout.  Read: the German one (a
 * business code then subfields ?00 text, ?20-?29 and ?60-?63 purpose with
 * the SEPA keywords EREF+ SVWZ+ ..., ?30/?31 bank and account, ?32/?33
 * name; Triodos's >20 BIC and >21 IBAN), the slash-tagged one of Dutch and
 * other banks (/EREF/ /REMI/ /NAME/ /IBAN/ /CNTP/ /ACCW/ /RTRN/ ...), the
 * labelled free text of older Dutch layouts (IBAN: NAAM: OMSCHRIJVING:,
 * REK:), and free text.  Also the references of :61: and :86:.
 */
#include "postgres.h"

#include "bank_mt940_details.h"
#include "iban.h"

/*
 * See bank_mt940_details.h.  The placeholders: NONREF, NONE, SEPA's
 * NOTPROVIDED, and the keywords some banks put in :61: to say that the
 * reference is in :86: (EREF, KREF+, ING's MARF and PREF).
 */
char *
dunning_mt940_reference(char *s)
{
	static const char *const placeholders[] = {"NONREF", "NONE", "EREF", "KREF+", "MARF", "PREF"};
	char	   *r = dunning_bank_clean(s);

	if (dunning_bank_not_provided(r))
		return NULL;
	for (int k = 0; r != NULL && k < lengthof(placeholders); k++)
		if (pg_strcasecmp(r, placeholders[k]) == 0)
			return NULL;
	return r;
}

/* s without the line breaks of its field (lines wrapped at a fixed width). */
static char *
unwrap(const char *s, bool free_text)
{
	StringInfoData out;
	int			len = 0;

	initStringInfo(&out);
	for (const char *p = s; *p; p++)
	{
		if (*p == '\n')
		{
			/* free text: a line shorter than 65 characters ended at a word */
			if (free_text && len < 65)
				appendStringInfoChar(&out, ' ');
			len = 0;
		}
		else
		{
			appendStringInfoChar(&out, *p);
			len++;
		}
	}
	return out.data;
}

/* The value of SEPA keyword kw ("EREF+") in a German purpose text, up to the next keyword. */
static char *
sepa_keyword(const char *purpose, const char *kw)
{
	static const char *const keys[] = {"EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+", "ABWA+", "ABWE+",
	"IBAN+", "BIC+", "COAM+", "OAMT+", "SQTP+", "PURP+", "RTRN+"};
	const char *v = strstr(purpose, kw);
	const char *end;

	if (v == NULL)
		return NULL;
	v += strlen(kw);
	end = v + strlen(v);
	for (int k = 0; k < lengthof(keys); k++)
	{
		const char *x = strstr(v, keys[k]);

		if (x && x < end)
			end = x;
	}
	return dunning_bank_clean(pnstrdup(v, end - v));
}

/*
 * Whether a purpose subfield ending in character a is continued within a
 * word by the next one, starting with b.  A subfield filled to its 27
 * characters always is; a shorter one ended at a word ("Apple Pay" /
 * "DATUM", "7402050699" / "BANKLEITZAHL"), except where banks cut a word or
 * number short all the same: lower case on both sides ("inklusi" / "ve"),
 * digits on both sides ("RE-2026-00" / "42").
 */
static bool
continues_word(char a, char b)
{
	return (islower((unsigned char) a) && islower((unsigned char) b)) ||
		(isdigit((unsigned char) a) && isdigit((unsigned char) b));
}

/* Whether the n characters at s are a BIC: 8 or 11, six letters first. */
static bool
is_bic(const char *s, int n)
{
	if (n != 8 && n != 11)
		return false;
	for (int i = 0; i < n; i++)
		if (i < 6 ? !isupper((unsigned char) s[i]) : !isalnum((unsigned char) s[i]))
			return false;
	return true;
}

/* Whether a German subfield ("?20", separator sep) starts at s. */
static bool
subfield_starts(const char *s, char sep)
{
	return s[0] == sep && isdigit((unsigned char) s[1]) && isdigit((unsigned char) s[2]);
}

/*
 * The next subfield of a German :86: from *cursor on: its code and its text
 * [*v, *end); *cursor moves past it.  False after the last one.
 */
static bool
next_subfield(const char **cursor, char sep, int *code, const char **v, const char **end)
{
	const char *p = *cursor;

	while ((p = strchr(p, sep)) != NULL && !subfield_starts(p, sep))
		p++;
	if (p == NULL)
		return false;
	*code = (p[1] - '0') * 10 + (p[2] - '0');
	*v = p + 3;
	for (*end = *v; **end && !subfield_starts(*end, sep); (*end)++)
		;
	*cursor = *end;
	return true;
}

/* The text of subfield code of a German :86: (separator sep), or NULL. */
static char *
subfield(const char *s, char sep, int code)
{
	const char *cursor = s,
			   *v,
			   *end;
	int			c;

	while (next_subfield(&cursor, sep, &c, &v, &end))
		if (c == code)
			return pnstrdup(v, end - v);
	return NULL;
}

/* An account number from v to end, without blanks (a wrapped line left one). */
static char *
account_number(const char *v, const char *end)
{
	char	   *out = palloc(end - v + 1);
	int			n = 0;

	for (const char *p = v; p < end; p++)
		if (!isspace((unsigned char) *p))
			out[n++] = *p;
	out[n] = '\0';
	return n > 0 ? out : NULL;
}

/*
 * Triodos's layout: ?20 the counterparty's BIC and ?21 its IBAN.  The IBAN,
 * normalized, when ?20 is a BIC and ?21 an IBAN that checks; else NULL.
 */
static char *
triodos_iban(const char *s, char sep)
{
	char	   *bic = subfield(s, sep, 20);
	char	   *account = subfield(s, sep, 21);
	char		iban[DUNNING_IBAN_MAX + 1];

	if (bic && account && is_bic(bic, strlen(bic)) && dunning_iban_normalize(account, strlen(account), iban))
		return pstrdup(iban);
	return NULL;
}

/*
 * German :86: "166?00GUTSCHRIFT?20...?32NAME": subfields after separator sep;
 * coded: after a business code, which is kept in the entry's bank code.
 */
static void
read_86_german(BankEntry *en, BankTxn *tx, const char *s, char sep, bool coded)
{
	StringInfoData purpose,
				name;
	char	   *svwz;
	int			last_len = 27;
	char	   *bic_iban = triodos_iban(s, sep);
	const char *cursor = s,
			   *v,
			   *end;
	int			code;

	initStringInfo(&purpose);
	initStringInfo(&name);
	if (coded)
		en->bank_code = psprintf("%s-%.3s", en->bank_code ? en->bank_code : "", s);
	if (bic_iban)
		tx->iban = bic_iban;
	while (next_subfield(&cursor, sep, &code, &v, &end))
	{
		if ((code == 20 || code == 21) && bic_iban)
			continue;
		else if ((code >= 20 && code <= 29) || (code >= 60 && code <= 63))
		{
			if (purpose.len > 0 && last_len < 27 && !continues_word(purpose.data[purpose.len - 1], *v))
				appendStringInfoChar(&purpose, ' ');
			appendBinaryStringInfo(&purpose, v, end - v);
			last_len = end - v;
		}
		else if (code == 32 || code == 33)
		{
			/* ?33 continues ?32: within a word when ?32 was full (27) */
			if (name.len > 0 && name.len < 27)
				appendStringInfoChar(&name, ' ');
			appendBinaryStringInfo(&name, v, end - v);
		}
		else if (code == 31 && !bic_iban)
			tx->iban = account_number(v, end);
	}
	tx->name = dunning_bank_clean(name.data);
	tx->end_to_end_id = sepa_keyword(purpose.data, "EREF+");
	if (dunning_bank_not_provided(tx->end_to_end_id))
		tx->end_to_end_id = NULL;
	tx->return_reason = sepa_keyword(purpose.data, "RTRN+");
	svwz = sepa_keyword(purpose.data, "SVWZ+");
	tx->remittance = svwz ? svwz : dunning_bank_clean(purpose.data);
	if (tx->name == NULL)
		tx->name = sepa_keyword(purpose.data, "ABWA+");
}

static const char *const slash_tags[] = {"EREF", "REMI", "NAME", "IBAN", "BIC", "ORDP", "BENM", "CNTP", "RTRN", "ACCW",
	"RTYP",
	"TRCD", "TRTP", "MARF", "CSID", "PREF", "ISDT", "SVCL", "PURP", "ULTD", "ULTC", "ADDR", "ID", "CDTRREF",
"CDTRREFTP", "CD", "ISSR", "BUSP", "ORIG", "EXCH", "CHGS", "CREF", "CREFTP", "RTRNRSN"};

/* The slash tag at s ("/NAME/..."), or NULL. */
static const char *
slash_tag_at(const char *s)
{
	if (s[0] != '/')
		return NULL;
	for (int k = 0; k < lengthof(slash_tags); k++)
	{
		size_t		n = strlen(slash_tags[k]);

		if (strncmp(s + 1, slash_tags[k], n) == 0 && s[n + 1] == '/')
			return slash_tags[k];
	}
	return NULL;
}

/* One tag's value of a slash-tagged :86:. */
static void
slash_value(BankTxn *tx, const char *tag, char *v)
{
	int			n = strlen(v);

	while (n > 0 && v[n - 1] == '/')
		v[--n] = '\0';
	if (strcmp(tag, "EREF") == 0)
		tx->end_to_end_id = dunning_mt940_reference(v);
	else if (strcmp(tag, "NAME") == 0 && tx->name == NULL)
		tx->name = dunning_bank_clean(v);
	else if (strcmp(tag, "IBAN") == 0 && tx->iban == NULL)
		tx->iban = dunning_bank_clean(v);
	else if (strcmp(tag, "ACCW") == 0 && tx->iban == NULL)
		tx->iban = dunning_bank_clean(pnstrdup(v, strcspn(v, ",")));	/* Rabobank: account,BIC */
	else if (strcmp(tag, "RTRN") == 0 || strcmp(tag, "RTRNRSN") == 0)
		tx->return_reason = dunning_bank_clean(v);
	else if (strcmp(tag, "CDTRREF") == 0)
		tx->structured_ref = dunning_bank_clean(v);
	else if (strcmp(tag, "REMI") == 0)
	{
		if (strncmp(v, "USTD//", 6) == 0)
			v += 6;
		else if (strncmp(v, "STRD/", 5) == 0)
		{
			char	   *ref = strrchr(v, '/');

			tx->structured_ref = dunning_bank_clean(ref + 1);
			return;
		}
		tx->remittance = dunning_bank_clean(v);
	}
	else if (strcmp(tag, "CNTP") == 0)
	{
		/* account/BIC/name/city */
		char	   *parts[4] = {v, NULL, NULL, NULL};

		for (int k = 1; k < 4 && parts[k - 1]; k++)
			if ((parts[k] = strchr(parts[k - 1], '/')) != NULL)
				*parts[k]++ = '\0';
		tx->iban = tx->iban ? tx->iban : dunning_bank_clean(parts[0]);
		tx->name = tx->name ? tx->name : dunning_bank_clean(parts[2]);
	}
}

/* Slash-tagged :86: "/EREF/x/REMI/USTD//text/NAME/n/IBAN/i/". */
static void
read_86_slash(BankTxn *tx, const char *s)
{
	const char *tag = NULL;
	const char *v = NULL;

	for (const char *p = s;; p++)
	{
		const char *next = *p ? slash_tag_at(p) : NULL;

		if (*p == '\0' || next)
		{
			if (tag)
				slash_value(tx, tag, pnstrdup(v, p - v));
			if (*p == '\0')
				break;
			tag = next;
			p += strlen(next) + 1;
			v = p + 1;
		}
	}
}

static const char *const labels[] = {"IBAN:", "REK:", "BIC:", "NAAM:", "OMSCHRIJVING:", "KENMERK:", "MACHTIGING:",
"INCASSANT:", "BETALINGSKENM.:", "ID DEBITEUR:"};

/*
 * The label of the Dutch free text at s ("NAAM:"), or NULL.  Lines of 65
 * characters are joined without a space, so a label of five characters or
 * more may follow any character; a shorter one (REK:, BIC:) starts a word.
 */
static const char *
label_at(const char *s, const char *text)
{
	bool		word = s == text || s[-1] == ' ' || s[-1] == '/';

	for (int k = 0; k < lengthof(labels); k++)
		if (strncmp(s, labels[k], strlen(labels[k])) == 0 && (word || strlen(labels[k]) >= 5))
			return labels[k];
	return NULL;
}

/*
 * Free text, with the labels of older Dutch layouts when it has two of them
 * or more (ABN AMRO "IBAN: ... BIC: ... NAAM: ... OMSCHRIJVING: ... KENMERK:
 * ...", Knab "REK: .../NAAM: ..."): the name, the account (an IBAN that
 * checks, or the REK: number), and as remittance the description with the
 * payment's references (KENMERK:, BETALINGSKENM.:); without a description,
 * the whole text.  Otherwise all of it is the remittance.
 */
static void
read_86_labelled(BankTxn *tx, char *text)
{
	StringInfoData description;
	const char *label = NULL;
	const char *v = NULL;
	char	   *name = NULL;
	char	   *account = NULL;
	int			n_labels = 0;
	bool		described = false;

	initStringInfo(&description);
	for (const char *p = text;; p++)
	{
		const char *next = *p ? label_at(p, text) : NULL;

		if (*p != '\0' && next == NULL)
			continue;
		if (label != NULL)
		{
			char	   *value = pnstrdup(v, p - v);
			int			n = strlen(value);
			char		iban[DUNNING_IBAN_MAX + 1];
			size_t		token = strcspn(value + strspn(value, " "), " /");

			while (n > 0 && (value[n - 1] == '/' || value[n - 1] == ' '))
				value[--n] = '\0';
			value += strspn(value, " ");
			if (strcmp(label, "NAAM:") == 0 && name == NULL)
				name = dunning_bank_clean(value);
			else if (strcmp(label, "IBAN:") == 0 && account == NULL && dunning_iban_normalize(value, token, iban))
				account = pstrdup(iban);
			else if (strcmp(label, "REK:") == 0 && account == NULL)
				account = dunning_iban_normalize(value, token, iban) ? pstrdup(iban) : pnstrdup(value, token);
			else if (strcmp(label, "OMSCHRIJVING:") == 0 || strcmp(label, "KENMERK:") == 0 ||
					 strcmp(label, "BETALINGSKENM.:") == 0)
			{
				described |= strcmp(label, "OMSCHRIJVING:") == 0;
				dunning_bank_append(&description, " ", value, "a :86: text");
			}
		}
		if (*p == '\0')
			break;
		n_labels++;
		label = next;
		v = p + strlen(next);
		p = v - 1;
	}
	if (n_labels < 2)
	{
		tx->remittance = text;	/* free text, a label in it by chance */
		return;
	}
	tx->name = tx->name ? tx->name : name;
	tx->iban = tx->iban ? tx->iban : dunning_bank_clean(account);
	tx->remittance = described ? dunning_bank_clean(description.data) : text;
}

/*
 * Older ING and ASN free text: a first line of the counterparty's IBAN (one
 * that checks) and name, then the description ("NL47INGB0001234567 J
 * Jansen" / "Betaling sieraden").  Returns whether f has that shape.
 */
static bool
read_86_account_line(BankTxn *tx, const char *f)
{
	char		iban[DUNNING_IBAN_MAX + 1];
	size_t		first = strcspn(f, "\n");
	size_t		token = strcspn(f, " \n");

	if (token >= first || !isupper((unsigned char) f[0]) || !dunning_iban_normalize(f, token, iban))
		return false;
	tx->iban = pstrdup(iban);
	tx->name = dunning_bank_clean(pnstrdup(f + token, first - token));
	tx->remittance = f[first] ? dunning_mt940_text(f + first + 1) : NULL;
	return true;
}

/* See bank_mt940_details.h. */
char *
dunning_mt940_text(const char *f)
{
	return dunning_bank_clean(unwrap(f, true));
}

/* See bank_mt940_details.h. */
void
dunning_mt940_details(BankEntry *en, BankTxn *tx, const char *f)
{
	char	   *s;

	if (isdigit((unsigned char) f[0]) && isdigit((unsigned char) f[1]) && isdigit((unsigned char) f[2]) &&
		f[3] != '\0' && !isalnum((unsigned char) f[3]) && f[3] != ' ' && f[3] != '/')
		read_86_german(en, tx, unwrap(f, false), f[3], true);
	else if ((f[0] == '?' || f[0] == '>') && subfield_starts(f, f[0]))
		/*
		 * the same subfields without the business code; with '>' (Polish
		 * banks: >20 purpose, >31 account, >32 name) lines end at a word
		 */
		read_86_german(en, tx, unwrap(f, f[0] == '>'), f[0], false);
	else if (f[0] == '/' && slash_tag_at(f))
		read_86_slash(tx, unwrap(f, false));
	else if (read_86_account_line(tx, f))
		;
	else if ((s = dunning_mt940_text(f)) != NULL)
		read_86_labelled(tx, s);
	if (tx->return_reason)
		tx->returned = true;
}
