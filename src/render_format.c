/*
 * render_format.c -- money, dates and day counts as a customer reads them,
 * in the language of the template being rendered.
 *
 * An amount is shown with its currency's minor units (JPY 0, EUR 2, KWD 3:
 * currency.c), rounded half away from zero as numeric's round() does, with
 * the language's decimal mark and thousands separator and the ISO 4217 code
 * (never a symbol: "$" and "¥" name several currencies).  Amounts of
 * several currencies are listed, never added up.  The renderer escapes
 * everything written here for the channel (render.c).
 *
 * Languages without a row below are written as English.
 */
#include "postgres.h"

#include "render_format.h"

#include "currency.h"
#include "fmgr.h"
#include "nodes/pg_list.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

/* no-break space (between an amount and its code), narrow no-break space */
#define NBSP	"\xC2\xA0"
#define NNBSP	"\xE2\x80\xAF"

static const DunningLang languages[] = {
	{
		"en", ".", ",", ",", true, DUNNING_DATE_ISO, " and ",
		"due today", "due in 1 day", "due in %d days",
		"interest", "fixed compensation", "reminder fee"
	},
	{
		"fr", ",", NNBSP, " ", false, DUNNING_DATE_DMY_SLASH, " et ",
		"échéance aujourd'hui", "échéance dans 1 jour", "échéance dans %d jours",
		"intérêts de retard", "indemnité forfaitaire de recouvrement", "frais de relance"
	},
	{
		"de", ",", ".", ".", false, DUNNING_DATE_DMY_DOT, " und ",
		"heute fällig", "fällig in 1 Tag", "fällig in %d Tagen",
		"Verzugszinsen", "Verzugspauschale", "Mahngebühr"
	},
};

void
dunning_format_init(DunningFormat *fmt, const char *tag, int tag_len, bool sms)
{
	int			primary = 0;

	while (tag != NULL && primary < tag_len && tag[primary] != '-' && tag[primary] != '_')
		primary++;
	fmt->lang = &languages[0];
	for (int i = 0; i < lengthof(languages); i++)
		if ((int) strlen(languages[i].tag) == primary &&
			pg_strncasecmp(languages[i].tag, tag, primary) == 0)
			fmt->lang = &languages[i];
	fmt->convert = GetDatabaseEncoding() != PG_UTF8;
	fmt->plain = sms || fmt->convert;
}

/* Appends a word of the language table (UTF-8) in the database encoding. */
static void
append_word(StringInfo out, const DunningFormat *fmt, const char *utf8)
{
	if (fmt->convert)
		appendStringInfoString(out, pg_any_to_server(utf8, strlen(utf8), PG_UTF8));
	else
		appendStringInfoString(out, utf8);
}

/* true when s (len bytes) is a plain decimal: -?digits(.digits)? */
static bool
plain_decimal(const char *s, int len)
{
	int			i = 0;
	int			digits = 0;

	if (i < len && s[i] == '-')
		i++;
	while (i < len && isdigit((unsigned char) s[i]))
		i++, digits++;
	if (digits == 0)
		return false;
	if (i < len && s[i] == '.')
	{
		i++;
		digits = 0;
		while (i < len && isdigit((unsigned char) s[i]))
			i++, digits++;
		if (digits == 0)
			return false;
	}
	return i == len;
}

/* The numeric of a jsonb number or plain-decimal string, else NULL. */
static Numeric
value_numeric(JsonbValue *v)
{
	char	   *s;

	if (v == NULL)
		return NULL;
	if (v->type == jbvNumeric)
		return v->val.numeric;
	if (v->type != jbvString || !plain_decimal(v->val.string.val, v->val.string.len))
		return NULL;
	s = pnstrdup(v->val.string.val, v->val.string.len);
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(s),
											   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

/*
 * num as plain decimal text ("-1234.50") with exactly minor decimals
 * (rounded when it has more, padded when fewer); as numeric prints it when
 * minor < 0 (unknown currency).
 */
static char *
decimal_text(Numeric num, int minor)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));
	char	   *dot = strchr(s, '.');
	int			decimals = dot ? (int) strlen(dot + 1) : 0;
	StringInfoData buf;

	if (minor < 0 || decimals == minor)
		return s;
	if (decimals > minor)
		return DatumGetCString(DirectFunctionCall1(numeric_out,
												   DirectFunctionCall2(numeric_round, NumericGetDatum(num),
																	   Int32GetDatum(minor))));
	initStringInfo(&buf);
	appendStringInfoString(&buf, s);
	if (decimals == 0)
		appendStringInfoChar(&buf, '.');
	for (; decimals < minor; decimals++)
		appendStringInfoChar(&buf, '0');
	return buf.data;
}

/* true when decimal text holds no digit but zeros */
static bool
decimal_is_zero(const char *s)
{
	for (; *s; s++)
		if (*s >= '1' && *s <= '9')
			return false;
	return true;
}

/* Appends decimal text with the language's marks: 1234567.5 -> 1,234,567.5 */
static void
append_grouped(StringInfo out, const DunningFormat *fmt, const char *s)
{
	const char *group = fmt->plain ? fmt->lang->group_mark_plain : fmt->lang->group_mark;
	int			int_len;

	if (*s == '-')
		appendStringInfoChar(out, *s++);
	int_len = (int) strcspn(s, ".");
	for (int i = 0; i < int_len; i++)
	{
		if (i > 0 && (int_len - i) % 3 == 0)
			appendStringInfoString(out, group);
		appendStringInfoChar(out, s[i]);
	}
	if (s[int_len] == '.')
	{
		appendStringInfoString(out, fmt->lang->decimal_mark);
		appendStringInfoString(out, s + int_len + 1);
	}
}

/* Appends decimal text with its currency code where the language puts it. */
static void
append_amount_with_code(StringInfo out, const DunningFormat *fmt, const char *digits,
						const char *currency, int currency_len)
{
	const char *blank = fmt->plain ? " " : NBSP;

	if (currency_len > 0 && fmt->lang->code_first)
	{
		appendBinaryStringInfo(out, currency, currency_len);
		appendStringInfoString(out, blank);
	}
	append_grouped(out, fmt, digits);
	if (currency_len > 0 && !fmt->lang->code_first)
	{
		appendStringInfoString(out, blank);
		appendBinaryStringInfo(out, currency, currency_len);
	}
}

/* Minor unit of a currency code that need not be NUL-terminated; -1 unknown. */
static int
minor_unit(const char *currency, int len)
{
	char		code[4];

	if (currency == NULL || len != 3)
		return -1;
	memcpy(code, currency, 3);
	code[3] = '\0';
	return dunning_currency_minor_unit(code);
}

/* The decimal text of amount in currency, NULL when amount is not a number. */
static char *
money_digits(JsonbValue *amount, const char *currency, int currency_len)
{
	Numeric		num = value_numeric(amount);

	if (num == NULL)
		return NULL;
	return decimal_text(num, minor_unit(currency, currency_len));
}

bool
dunning_format_money(StringInfo out, const DunningFormat *fmt, JsonbValue *amount,
					 const char *currency, int currency_len)
{
	char	   *digits = money_digits(amount, currency, currency_len);

	if (digits == NULL)
		return false;
	append_amount_with_code(out, fmt, digits, currency, currency_len);
	return true;
}

/* Appends the separator before item i of n in a list: ", " or " and ". */
static void
append_list_separator(StringInfo out, const DunningFormat *fmt, int i, int n)
{
	if (i == 0)
		return;
	if (i == n - 1)
		append_word(out, fmt, fmt->lang->list_and);
	else
		appendStringInfoString(out, ", ");
}

/* Appends the items of a list (already formatted) joined in the language. */
static void
append_list(StringInfo out, const DunningFormat *fmt, List *items)
{
	int			n = list_length(items);
	int			i = 0;
	ListCell   *lc;

	foreach(lc, items)
	{
		append_list_separator(out, fmt, i++, n);
		appendStringInfoString(out, (char *) lfirst(lc));
	}
}

/*
 * Calls fn for each key (a currency code) and value of an object, in the
 * object's order (jsonb sorts keys: alphabetical for 3-letter codes).
 */
typedef char *(*CurrencyItemFn) (const DunningFormat *fmt, const char *currency, int currency_len,
								 JsonbValue *value);

static List *
map_items(const DunningFormat *fmt, JsonbContainer *map, CurrencyItemFn fn)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	List	   *items = NIL;
	char	   *key = NULL;
	int			key_len = 0;

	if (map == NULL || !JsonContainerIsObject(map))
		return NIL;
	it = JsonbIteratorInit(map);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *item;

		if (tok == WJB_KEY)
		{
			key = v.val.string.val;
			key_len = v.val.string.len;
		}
		else if (tok == WJB_VALUE && (item = fn(fmt, key, key_len, &v)) != NULL)
			items = lappend(items, item);
	}
	return items;
}

/* One currency of a money map: its amount, NULL when zero or not a number. */
static char *
money_item(const DunningFormat *fmt, const char *currency, int currency_len, JsonbValue *value)
{
	char	   *digits = money_digits(value, currency, currency_len);
	StringInfoData buf;

	if (digits == NULL || decimal_is_zero(digits))
		return NULL;
	initStringInfo(&buf);
	append_amount_with_code(&buf, fmt, digits, currency, currency_len);
	return buf.data;
}

void
dunning_format_money_map(StringInfo out, const DunningFormat *fmt, JsonbContainer *map)
{
	append_list(out, fmt, map_items(fmt, map, money_item));
}

/*
 * One currency of the charges: the sum of its parts, then the parts that
 * are not zero in parentheses; NULL when there is nothing to charge.
 */
static char *
charges_item(const DunningFormat *fmt, const char *currency, int currency_len, JsonbValue *value)
{
	static const char *const keys[] = {"interest", "compensation", "fee"};
	const char *labels[] = {fmt->lang->interest, fmt->lang->compensation, fmt->lang->fee};
	int			minor = minor_unit(currency, currency_len);
	Datum		sum = DirectFunctionCall3(numeric_in, CStringGetDatum("0"),
										  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	StringInfoData parts;
	StringInfoData buf;
	char	   *total;

	if (value->type != jbvBinary || !JsonContainerIsObject(value->val.binary.data))
		return NULL;
	initStringInfo(&parts);
	for (int k = 0; k < lengthof(keys); k++)
	{
		Numeric		num = value_numeric(getKeyJsonValueFromContainer(value->val.binary.data, keys[k],
																	 strlen(keys[k]), NULL));
		char	   *digits = num ? decimal_text(num, minor) : NULL;

		if (digits == NULL || decimal_is_zero(digits))
			continue;
		sum = DirectFunctionCall2(numeric_add, sum, NumericGetDatum(num));
		appendStringInfoString(&parts, parts.len > 0 ? ", " : " (");
		append_word(&parts, fmt, labels[k]);
		appendStringInfoChar(&parts, ' ');
		append_amount_with_code(&parts, fmt, digits, currency, currency_len);
	}
	if (parts.len == 0)
		return NULL;
	total = decimal_text(DatumGetNumeric(sum), minor);
	initStringInfo(&buf);
	append_amount_with_code(&buf, fmt, total, currency, currency_len);
	appendStringInfo(&buf, "%s)", parts.data);
	return buf.data;
}

void
dunning_format_charges(StringInfo out, const DunningFormat *fmt, JsonbContainer *charges)
{
	append_list(out, fmt, map_items(fmt, charges, charges_item));
}

bool
dunning_format_date(StringInfo out, const DunningFormat *fmt, const char *s, int len)
{
	if (len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char) s[i]))
			return false;
	switch (fmt->lang->date_style)
	{
		case DUNNING_DATE_ISO:
			appendBinaryStringInfo(out, s, 10);
			break;
		case DUNNING_DATE_DMY_SLASH:
		case DUNNING_DATE_DMY_DOT:
			{
				char		sep = fmt->lang->date_style == DUNNING_DATE_DMY_DOT ? '.' : '/';

				appendStringInfo(out, "%.2s%c%.2s%c%.4s", s + 8, sep, s + 5, sep, s);
				break;
			}
	}
	return true;
}

bool
dunning_format_days(StringInfo out, const DunningFormat *fmt, JsonbValue *days)
{
	Numeric		num = value_numeric(days);
	int32		n;
	bool		have_error = false;

	if (num == NULL)
		return false;
	n = numeric_int4_opt_error(num, &have_error);
	if (have_error)
		return false;
	if (n > 0)
		appendStringInfo(out, "%d", n);
	else if (n == 0)
		append_word(out, fmt, fmt->lang->due_today);
	else if (n == -1)
		append_word(out, fmt, fmt->lang->due_in_one);
	else
	{
		StringInfoData words;

		initStringInfo(&words);
		append_word(&words, fmt, fmt->lang->due_in_many);
		appendStringInfo(out, words.data, -n);
	}
	return true;
}
