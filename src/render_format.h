/*
 * render_format.h -- how rendered messages write money, dates and day
 * counts in the template's language (render_format.c).  Used by the
 * renderer (render.c, render_table.c).
 */
#ifndef DUNNING_RENDER_FORMAT_H
#define DUNNING_RENDER_FORMAT_H

#include "postgres.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"

/* How a language writes a date. */
typedef enum DunningDateStyle
{
	DUNNING_DATE_ISO,			/* 2026-03-05 */
	DUNNING_DATE_DMY_SLASH,		/* 05/03/2026 */
	DUNNING_DATE_DMY_DOT		/* 05.03.2026 */
} DunningDateStyle;

/*
 * The conventions of one language: number marks, where the currency code
 * stands, the date style, and the few words the renderer writes itself
 * (UTF-8).  Adding a language is adding a row to render_format.c's table.
 */
typedef struct DunningLang
{
	const char *tag;			/* primary language subtag: "en" */
	const char *decimal_mark;
	const char *group_mark;		/* thousands separator (UTF-8) */
	const char *group_mark_plain;	/* the same in ASCII (SMS) */
	bool		code_first;		/* EUR 1,234.50 (true) or 1 234,50 EUR */
	DunningDateStyle date_style;
	const char *list_and;		/* last separator of a list: " and " */
	const char *due_today;		/* an item due today */
	const char *due_in_one;		/* an item due tomorrow */
	const char *due_in_many;	/* an item due in %d days (%d > 1) */
	const char *interest;		/* parts of the charges */
	const char *compensation;
	const char *fee;
} DunningLang;

/* The language and the characters a rendering may use. */
typedef struct DunningFormat
{
	const DunningLang *lang;
	bool		plain;			/* ASCII blanks only (SMS, or not UTF-8) */
	bool		convert;		/* the database is not UTF-8: convert words */
} DunningFormat;

/* The format of a language tag (en, fr-BE, ...; unknown or NULL: en). */
extern void dunning_format_init(DunningFormat *fmt, const char *tag, int tag_len, bool sms);

/*
 * Appends amount (a jsonb number, or a string holding a plain decimal) with
 * the currency's minor units and code in the language's form; false (and
 * nothing appended) when amount is not a number.
 */
extern bool dunning_format_money(StringInfo out, const DunningFormat *fmt, JsonbValue *amount,
								 const char *currency, int currency_len);

/*
 * Appends an object of amounts per currency ({"EUR": 1500, "JPY": 2000})
 * as a list in the language ("EUR 1,500.00 and JPY 2,000"); zero amounts
 * are left out.  Never a sum across currencies.
 */
extern void dunning_format_money_map(StringInfo out, const DunningFormat *fmt, JsonbContainer *map);

/*
 * Appends the charges per currency ({"EUR": {"interest": .., "compensation":
 * .., "fee": ..}}): per currency their sum and the parts that are not zero.
 */
extern void dunning_format_charges(StringInfo out, const DunningFormat *fmt, JsonbContainer *charges);

/* Appends a YYYY-MM-DD date in the language's style; false when s is not one. */
extern bool dunning_format_date(StringInfo out, const DunningFormat *fmt, const char *s, int len);

/*
 * Appends days overdue: a positive count as a number, 0 and negative counts
 * (items coming due) in words ("due in 3 days"); false when not a number.
 */
extern bool dunning_format_days(StringInfo out, const DunningFormat *fmt, JsonbValue *days);

#endif							/* DUNNING_RENDER_FORMAT_H */
