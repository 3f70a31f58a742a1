/*
 * render.c -- dunning messages rendered from structured data.
 *
 * A template is text with {{placeholder}} marks and {{#name}}...{{/name}}
 * sections (shown only when name has a value; {{^name}}...{{/name}} only
 * when it has none).  Rendering is plain substitution of values taken from
 * a jsonb document that the runner builds (customer, totals per currency,
 * invoices, charges, pay link): a template can never execute SQL or reach
 * anything the document does not hold.  Money, dates and day counts are
 * written in the document's language (render_format.c).  Values are
 * escaped for the channel: HTML for e-mail, one line within one message for
 * SMS (sms.c), control characters removed everywhere.  A template written
 * in HTML also renders as plain text for letters and tasks: its own
 * paragraph and line-break tags become line breaks, its other tags of a
 * small set disappear.
 *
 * SQL interface (src/sql/templates.sql):
 *   dunning.render_template(template text, data jsonb, mode text) -> text
 *   dunning_internal.render_action(template text, data jsonb, extra jsonb, mode text) -> text
 *   dunning.template_is_valid(template text) -> boolean
 * The signing of payment links is token.c's.
 */
#include "postgres.h"

#include "render.h"
#include "render_doc.h"
#include "render_table.h"
#include "sms.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "quote.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

/* What a placeholder shows, and from which keys of the document. */
typedef enum PlaceholderKind
{
	PH_TEXT,					/* the value as it is */
	PH_DATE,					/* a YYYY-MM-DD date in the language's style */
	PH_MONEY_MAP,				/* amounts per currency, listed */
	PH_CHARGES,					/* charges per currency with their parts */
	PH_MONEY,					/* one amount; currency from key `also` */
	PH_TABLE					/* {{invoice_table}} */
} PlaceholderKind;

typedef struct Placeholder
{
	const char *name;
	PlaceholderKind kind;
	const char *source;			/* key of the structured value (money) */
	const char *also;			/* fallback key (money map) or currency key */
} Placeholder;

/* Placeholders a template may use (documented in doc/dunning.md). */
static const Placeholder placeholders[] = {
	{"customer_name", PH_TEXT}, {"customer_ref", PH_TEXT}, {"customer_id", PH_TEXT},
	{"collector", PH_TEXT}, {"step", PH_TEXT}, {"action_date", PH_DATE},
	{"invoice_count", PH_TEXT}, {"total", PH_MONEY_MAP, "totals"},
	{"max_days_overdue", PH_TEXT}, {"oldest_due_on", PH_DATE}, {"invoice_table", PH_TABLE},
	{"charges", PH_CHARGES, "charges"},
	{"total_with_charges", PH_MONEY_MAP, "totals_with_charges", "totals"},
	{"pay_link", PH_TEXT}, {"promise_date", PH_DATE},
	{"remaining", PH_MONEY_MAP, "remaining"},
	{"coming_due_total", PH_MONEY_MAP, "coming_totals"},
	{"instalment_amount", PH_MONEY, "instalment_amount", "instalment_currency"},
	{"instalment_due_on", PH_DATE},
	{NULL}
};

/* sections nest at most this deep */
#define MAX_SECTION_DEPTH 16

static const Placeholder *
find_placeholder(const char *name, int len)
{
	for (int i = 0; placeholders[i].name != NULL; i++)
	{
		if ((int) strlen(placeholders[i].name) == len &&
			strncmp(placeholders[i].name, name, len) == 0)
			return &placeholders[i];
	}
	return NULL;
}

bool
dunning_placeholder_known(const char *name, int len)
{
	return find_placeholder(name, len) != NULL;
}

/* A mark: {{name}}, or a section's {{#name}}, {{^name}}, {{/name}}. */
typedef struct Mark
{
	char		sigil;			/* 0, '#', '^' or '/' */
	const char *name;
	int			name_len;
} Mark;

/*
 * Finds the mark starting at p ("{{", optional blanks, an optional sigil #
 * ^ /, a name of [a-z0-9_], optional blanks, "}}").  Returns the length of
 * the whole mark, or 0 when p does not start a well-formed mark (then the
 * text is copied literally).
 */
static int
match_mark(const char *p, const char *end, Mark *m)
{
	const char *q = p;

	if (end - q < 4 || q[0] != '{' || q[1] != '{')
		return 0;
	q += 2;
	while (q < end && *q == ' ')
		q++;
	m->sigil = 0;
	if (q < end && (*q == '#' || *q == '^' || *q == '/'))
		m->sigil = *q++;
	m->name = q;
	while (q < end && ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_'))
		q++;
	m->name_len = (int) (q - m->name);
	while (q < end && *q == ' ')
		q++;
	if (m->name_len == 0 || end - q < 2 || q[0] != '}' || q[1] != '}')
		return 0;
	return (int) (q + 2 - p);
}

/* The next mark at or after p (its length in *len), or end when none. */
static const char *
next_mark(const char *p, const char *end, Mark *m, int *len)
{
	while ((p = memchr(p, '{', end - p)) != NULL)
	{
		if ((*len = match_mark(p, end, m)) > 0)
			return p;
		p++;
	}
	return end;
}

static bool
same_name(const Mark *a, const Mark *b)
{
	return a->name_len == b->name_len && strncmp(a->name, b->name, a->name_len) == 0;
}

/*
 * The {{/name}} closing the section opened just before p: its position,
 * and in *after the position after it; NULL when the section is not closed.
 */
static const char *
find_close(const char *p, const char *end, const Mark *open, const char **after)
{
	int			depth = 0;
	Mark		m;
	int			len;

	while ((p = next_mark(p, end, &m, &len)) < end)
	{
		if (m.sigil != 0 && same_name(&m, open))
		{
			if (m.sigil != '/')
				depth++;
			else if (depth-- == 0)
			{
				*after = p + len;
				return p;
			}
		}
		p += len;
	}
	return NULL;
}

/* The object container of v, or NULL. */
static JsonbContainer *
object_of(JsonbValue *v)
{
	if (v != NULL && v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data))
		return v->val.binary.data;
	return NULL;
}

/*
 * Money placeholders: a string under the placeholder's own name is shown
 * as it is (a caller's ready text); else the amounts per currency of the
 * source key (else of the fallback key), or the one amount of the source
 * key with the currency of the `also` key.
 */
static void
format_money_value(StringInfo buf, const RenderDoc *doc, const Placeholder *ph, JsonbValue *own)
{
	JsonbContainer *map = object_of(own);
	JsonbValue *cur;

	if (ph->kind == PH_MONEY)
	{
		cur = dunning_doc_key(doc, ph->also);
		if (cur != NULL && cur->type == jbvString &&
			dunning_format_money(buf, &doc->fmt, own, cur->val.string.val, cur->val.string.len))
			return;
		if (!dunning_format_money(buf, &doc->fmt, own, NULL, 0) && own != NULL)
		{
			int			len;
			char	   *s = dunning_scalar_text(own, &len);

			appendBinaryStringInfo(buf, s, len);
		}
		return;
	}
	if (map == NULL)
		map = object_of(dunning_doc_key(doc, ph->source));
	if (map == NULL && ph->also != NULL)
		map = object_of(dunning_doc_key(doc, ph->also));
	if (ph->kind == PH_CHARGES)
		dunning_format_charges(buf, &doc->fmt, map);
	else
		dunning_format_money_map(buf, &doc->fmt, map);
}

/* The unescaped text of a placeholder other than the table. */
static void
format_value(StringInfo buf, const RenderDoc *doc, const Placeholder *ph)
{
	JsonbValue *v = dunning_doc_key(doc, ph->name);
	int			len;
	char	   *s;

	switch (ph->kind)
	{
		case PH_DATE:
			if (v != NULL && v->type == jbvString &&
				dunning_format_date(buf, &doc->fmt, v->val.string.val, v->val.string.len))
				return;
			break;
		case PH_MONEY_MAP:
		case PH_CHARGES:
		case PH_MONEY:
			if (v == NULL || v->type != jbvString || ph->kind == PH_MONEY)
			{
				format_money_value(buf, doc, ph, v);
				return;
			}
			break;
		default:
			break;
	}
	if (v == NULL)
		return;
	s = dunning_scalar_text(v, &len);
	appendBinaryStringInfo(buf, s, len);
}

/* Appends the value of placeholder name, escaped; nothing when unknown. */
static void
append_value(StringInfo out, const RenderDoc *doc, const char *name, int name_len)
{
	const Placeholder *ph = find_placeholder(name, name_len);
	StringInfoData buf;

	if (ph == NULL)
		return;
	if (ph->kind == PH_TABLE)
	{
		dunning_append_invoice_table(out, doc);
		return;
	}
	initStringInfo(&buf);
	format_value(&buf, doc, ph);
	dunning_append_escaped(out, buf.data, buf.len, doc->mode);
	pfree(buf.data);
}

/* true when the section of name shows: the placeholder renders something. */
static bool
section_shown(const RenderDoc *doc, const Mark *m)
{
	const Placeholder *ph = find_placeholder(m->name, m->name_len);
	StringInfoData buf;
	bool		shown;

	if (ph == NULL)
		return false;
	if (ph->kind == PH_TABLE)
		return dunning_invoice_count(doc) > 0;
	initStringInfo(&buf);
	format_value(&buf, doc, ph);
	shown = buf.len > 0;
	pfree(buf.data);
	return shown;
}

/*
 * The template's own markup in a text or SMS rendering: a tag of the small
 * set below is replaced (a paragraph's end and a line break by a newline,
 * a list item's start by "- ", the others by nothing), with its attributes
 * and any placeholder they hold; returns the tag's length, 0 when p does
 * not start one.
 */
static int
match_tag(const char *p, const char *end, const char **replacement)
{
	/* name, replacement of the opening tag, of the closing tag */
	static const char *const tags[][3] = {
		{"p", "", "\n"}, {"div", "", "\n"}, {"h1", "", "\n"}, {"h2", "", "\n"}, {"h3", "", "\n"},
		{"br", "\n", ""}, {"li", "- ", "\n"}, {"ul", "", ""}, {"ol", "", ""}, {"a", "", ""},
		{"b", "", ""}, {"strong", "", ""}, {"em", "", ""}, {"i", "", ""}, {"span", "", ""},
	};
	const char *q = p + 1;
	const char *name;
	int			len;
	bool		closing = q < end && *q == '/';

	if (closing)
		q++;
	for (name = q; q < end && isalnum((unsigned char) *q); q++)
		;
	len = (int) (q - name);
	if (q >= end || (*q != '>' && *q != ' ' && *q != '/'))
		return 0;
	for (int i = 0; i < lengthof(tags); i++)
	{
		if ((int) strlen(tags[i][0]) != len || pg_strncasecmp(tags[i][0], name, len) != 0)
			continue;
		while (q < end && *q != '>' && *q != '<')
			q++;
		if (q >= end || *q != '>')
			return 0;
		*replacement = tags[i][closing ? 2 : 1];
		return (int) (q + 1 - p);
	}
	return 0;
}

/* In text and SMS: the template's own character entities, decoded. */
static int
match_entity(const char *p, const char *end, const RenderDoc *doc, const char **replacement)
{
	static const char *const entities[][2] = {
		{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"},
		{"&nbsp;", "\xC2\xA0"}, {NULL, NULL}
	};

	for (int i = 0; entities[i][0] != NULL; i++)
	{
		int			len = (int) strlen(entities[i][0]);

		if (end - p >= len && strncmp(p, entities[i][0], len) == 0)
		{
			*replacement = (i == 5 && doc->fmt.plain) ? " " : entities[i][1];
			return len;
		}
	}
	return 0;
}

/*
 * Appends the template's literal character (or tag, or entity) at p, in
 * text or SMS; returns the bytes consumed.
 */
static int
append_literal(StringInfo out, const RenderDoc *doc, const char *p, const char *end)
{
	const char *replacement;
	int			len = 0;

	if (*p == '<')
		len = match_tag(p, end, &replacement);
	else if (*p == '&')
		len = match_entity(p, end, doc, &replacement);
	if (len > 0)
	{
		if (doc->mode == RENDER_SMS && *replacement == '\n')
			replacement = " ";
		appendStringInfoString(out, replacement);
		return len;
	}
	/* the template's own newlines stay, except in an SMS */
	if (doc->mode == RENDER_SMS && (*p == '\n' || *p == '\r'))
		appendStringInfoChar(out, ' ');
	else
		appendStringInfoChar(out, *p);
	return 1;
}

/*
 * Appends the template's literal text from p up to the mark at `at`: as it
 * is in HTML, with its own markup made text otherwise (append_literal).
 * Returns where it stopped: `at`, or beyond it when a tag of the template
 * held the mark (<a href="{{pay_link}}"> is left out whole in a text).
 */
static const char *
append_literals(StringInfo out, const RenderDoc *doc, const char *p, const char *at, const char *end)
{
	if (doc->mode == RENDER_HTML)
	{
		appendBinaryStringInfo(out, p, (int) (at - p));
		return at;
	}
	while (p < at)
		p += append_literal(out, doc, p, end);
	return p;
}

/* Renders the template text from p to end (a whole template or a section). */
static void
render_span(StringInfo out, const RenderDoc *doc, const char *p, const char *end)
{
	Mark		m;
	int			len;
	const char *at;
	const char *close;
	const char *after;

	check_stack_depth();
	while (p < end)
	{
		CHECK_FOR_INTERRUPTS();
		at = next_mark(p, end, &m, &len);
		if ((p = append_literals(out, doc, p, at, end)) != at)
			continue;			/* the mark was inside a tag */
		if (at == end)
			break;
		p = at + len;
		if (m.sigil == 0)
			append_value(out, doc, m.name, m.name_len);
		else if (m.sigil != '/' && (close = find_close(p, end, &m, &after)) != NULL)
		{
			if (section_shown(doc, &m) == (m.sigil == '#'))
				render_span(out, doc, p, close);
			p = after;
		}
		/* a stray or unclosed section mark shows nothing */
	}
}

void
dunning_render(StringInfo out, const char *tmpl, int tmpl_len, Jsonb *data, RenderMode mode)
{
	dunning_render_with(out, tmpl, tmpl_len, data, NULL, mode);
}

void
dunning_render_with(StringInfo out, const char *tmpl, int tmpl_len, Jsonb *data, Jsonb *extra,
					RenderMode mode)
{
	RenderDoc	doc;
	JsonbValue *lang;

	doc.root = (data != NULL && JB_ROOT_IS_OBJECT(data)) ? &data->root : NULL;
	doc.extra = (extra != NULL && JB_ROOT_IS_OBJECT(extra)) ? &extra->root : NULL;
	doc.mode = mode;
	lang = dunning_doc_key(&doc, "language");
	if (lang != NULL && lang->type == jbvString)
		dunning_format_init(&doc.fmt, lang->val.string.val, lang->val.string.len, mode == RENDER_SMS);
	else
		dunning_format_init(&doc.fmt, NULL, 0, mode == RENDER_SMS);
	render_span(out, &doc, tmpl, tmpl + tmpl_len);
}

/* The render mode named by text: text, html or sms (22023 otherwise). */
static RenderMode
parse_mode(text *mode)
{
	char	   *m = text_to_cstring(mode);

	if (strcmp(m, "text") == 0)
		return RENDER_TEXT;
	if (strcmp(m, "html") == 0)
		return RENDER_HTML;
	if (strcmp(m, "sms") == 0)
		return RENDER_SMS;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown render mode \"%s\"", dunning_clip(m, strlen(m), DUNNING_QUOTE_MAX)),
			 errhint("Use text, html or sms.")));
	return RENDER_TEXT;			/* keep the compiler quiet */
}

/* Renders and returns the text datum (one message for an SMS). */
static Datum
render_datum(text *tmpl, Jsonb *data, Jsonb *extra, RenderMode mode)
{
	StringInfoData out;

	initStringInfo(&out);
	dunning_render_with(&out, VARDATA_ANY(tmpl), VARSIZE_ANY_EXHDR(tmpl), data, extra, mode);
	if (mode == RENDER_SMS)
		dunning_fit_sms(&out);
	/* a text ends with its last line (no blank lines a closing tag left) */
	while (mode == RENDER_TEXT && out.len > 0 &&
		   (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == ' '))
		out.data[--out.len] = '\0';
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, out.len));
}

PG_FUNCTION_INFO_V1(render_template);
Datum
render_template(PG_FUNCTION_ARGS)
{
	return render_datum(PG_GETARG_TEXT_PP(0), PG_GETARG_JSONB_P(1), NULL,
						parse_mode(PG_GETARG_TEXT_PP(2)));
}

/*
 * render_action(template, data, extra, mode): render_template over data with
 * the keys of extra added (extra wins), without building the merged
 * document (internal: the runner).
 */
PG_FUNCTION_INFO_V1(render_action);
Datum
render_action(PG_FUNCTION_ARGS)
{
	return render_datum(PG_GETARG_TEXT_PP(0), PG_GETARG_JSONB_P(1), PG_GETARG_JSONB_P(2),
						parse_mode(PG_GETARG_TEXT_PP(3)));
}

/*
 * A template is valid when every well-formed mark names a known placeholder
 * and its sections are closed, in order, at most MAX_SECTION_DEPTH deep.
 */
PG_FUNCTION_INFO_V1(template_is_valid);
Datum
template_is_valid(PG_FUNCTION_ARGS)
{
	text	   *tmpl = PG_GETARG_TEXT_PP(0);
	const char *p = VARDATA_ANY(tmpl);
	const char *end = p + VARSIZE_ANY_EXHDR(tmpl);
	Mark		open[MAX_SECTION_DEPTH];
	int			depth = 0;
	Mark		m;
	int			len;

	while ((p = next_mark(p, end, &m, &len)) < end)
	{
		if (!dunning_placeholder_known(m.name, m.name_len))
			PG_RETURN_BOOL(false);
		if (m.sigil == '#' || m.sigil == '^')
		{
			if (depth == MAX_SECTION_DEPTH)
				PG_RETURN_BOOL(false);
			open[depth++] = m;
		}
		else if (m.sigil == '/' && (depth == 0 || !same_name(&open[--depth], &m)))
			PG_RETURN_BOOL(false);
		p += len;
	}
	PG_RETURN_BOOL(depth == 0);
}
