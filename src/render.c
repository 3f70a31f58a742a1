/*
 * render.c -- dunning messages rendered from structured data.
 *
 * A template is text with {{placeholder}} marks.  Rendering is plain
 * substitution of values taken from a jsonb document that the runner builds
 * (customer, totals, invoices, charges, pay link): a template can never
 * execute SQL or reach anything the document does not hold.  Values are
 * escaped for the channel: HTML for e-mail, one line within one message for
 * SMS, control characters removed everywhere.
 *
 * SQL interface (src/sql/templates.sql):
 *   dunning.render_template(template text, data jsonb, mode text) -> text
 *   dunning.render_action(template text, data jsonb, extra jsonb, mode text) -> text
 *   dunning.template_is_valid(template text) -> boolean
 * The signing of payment links is token.c's.
 */
#include "postgres.h"

#include "render.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "quote.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

/* Placeholders a template may use (documented in doc/dunning.md). */
static const char *const known_placeholders[] = {
	"customer_name", "customer_ref", "customer_id", "collector",
	"step", "action_date", "invoice_count", "total", "max_days_overdue",
	"oldest_due_on", "invoice_table", "charges", "total_with_charges",
	"pay_link", "promise_date", NULL
};

bool
dunning_placeholder_known(const char *name, int len)
{
	for (int i = 0; known_placeholders[i] != NULL; i++)
	{
		if ((int) strlen(known_placeholders[i]) == len &&
			strncmp(known_placeholders[i], name, len) == 0)
			return true;
	}
	return false;
}

/*
 * Finds the placeholder starting at p ("{{", optional blanks, a name of
 * [a-z0-9_], optional blanks, "}}").  Returns the length of the whole mark
 * and the name's position, or 0 when p does not start a well-formed mark
 * (then the text is copied literally).
 */
static int
match_placeholder(const char *p, const char *end, const char **name, int *name_len)
{
	const char *q = p;

	if (end - q < 4 || q[0] != '{' || q[1] != '{')
		return 0;
	q += 2;
	while (q < end && *q == ' ')
		q++;
	*name = q;
	while (q < end && ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_'))
		q++;
	*name_len = (int) (q - *name);
	while (q < end && *q == ' ')
		q++;
	if (*name_len == 0 || end - q < 2 || q[0] != '}' || q[1] != '}')
		return 0;
	return (int) (q + 2 - p);
}

/*
 * Appends s escaped for mode.  Control characters become blanks (newlines
 * are kept in text and HTML, where they are harmless); HTML escapes the five
 * characters that matter in content and attribute values.
 */
static void
append_escaped(StringInfo out, const char *s, int len, RenderMode mode)
{
	for (int i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c < 0x20 || c == 0x7f)
		{
			if (c == '\n' && mode != RENDER_SMS)
				appendStringInfoChar(out, '\n');
			else
				appendStringInfoChar(out, ' ');
			continue;
		}
		if (mode == RENDER_HTML)
		{
			switch (c)
			{
				case '&':
					appendStringInfoString(out, "&amp;");
					continue;
				case '<':
					appendStringInfoString(out, "&lt;");
					continue;
				case '>':
					appendStringInfoString(out, "&gt;");
					continue;
				case '"':
					appendStringInfoString(out, "&quot;");
					continue;
				case '\'':
					appendStringInfoString(out, "&#39;");
					continue;
			}
		}
		appendStringInfoChar(out, (char) c);
	}
}

/* The text of a scalar jsonb value (strings as they are, numbers printed). */
static char *
scalar_text(JsonbValue *v, int *len)
{
	char	   *s;

	switch (v->type)
	{
		case jbvString:
			*len = v->val.string.len;
			return v->val.string.val;
		case jbvNumeric:
			s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
			*len = (int) strlen(s);
			return s;
		case jbvBool:
			s = v->val.boolean ? "true" : "false";
			*len = (int) strlen(s);
			return s;
		default:
			*len = 0;
			return "";
	}
}

/* Value of key of an object container, or NULL. */
static JsonbValue *
get_key(JsonbContainer *obj, const char *key)
{
	if (obj == NULL || !JsonContainerIsObject(obj))
		return NULL;
	return getKeyJsonValueFromContainer(obj, key, strlen(key), NULL);
}

/*
 * The document a template is rendered from: the keys of extra (when set)
 * win over those of root.  The runner passes the action's payload as root
 * and the rendering-only values (texts, table header) as extra, so that the
 * large payload is never copied into a merged document.
 */
typedef struct RenderDoc
{
	JsonbContainer *extra;
	JsonbContainer *root;
} RenderDoc;

/* Value of key in the document: extra first, then root. */
static JsonbValue *
doc_key(const RenderDoc *doc, const char *key)
{
	JsonbValue *v = get_key(doc->extra, key);

	return v != NULL ? v : get_key(doc->root, key);
}

/* Appends the escaped text of key of an object, nothing when absent. */
static void
append_field(StringInfo out, JsonbContainer *obj, const char *key, RenderMode mode)
{
	JsonbValue *v = get_key(obj, key);
	int			len;
	char	   *s;

	if (v == NULL)
		return;
	s = scalar_text(v, &len);
	append_escaped(out, s, len, mode);
}

/*
 * The column titles of the invoice table: data's "table_header" array (4
 * strings, the template's language), else English.
 */
static void
table_header(const RenderDoc *doc, const char *header[4], int header_len[4])
{
	static const char *const english[] = {"Invoice", "Due date", "Days overdue", "Open amount"};
	JsonbValue *hdr = doc_key(doc, "table_header");

	for (int k = 0; k < 4; k++)
	{
		JsonbValue *h = NULL;

		if (hdr != NULL && hdr->type == jbvBinary && JsonContainerIsArray(hdr->val.binary.data))
			h = getIthJsonbValueFromContainer(hdr->val.binary.data, k);
		if (h != NULL && h->type == jbvString)
		{
			header[k] = h->val.string.val;
			header_len[k] = h->val.string.len;
		}
		else
		{
			header[k] = english[k];
			header_len[k] = (int) strlen(english[k]);
		}
	}
}

/* The title row: HTML table head, or one text line; an SMS has none. */
static void
append_header_row(StringInfo out, const RenderDoc *doc, RenderMode mode)
{
	const char *header[4];
	int			header_len[4];

	table_header(doc, header, header_len);
	if (mode == RENDER_HTML)
	{
		appendStringInfoString(out, "<table class=\"invoices\">\n<tr>");
		for (int k = 0; k < 4; k++)
		{
			appendStringInfoString(out, "<th>");
			append_escaped(out, header[k], header_len[k], mode);
			appendStringInfoString(out, "</th>");
		}
		appendStringInfoString(out, "</tr>\n");
	}
	else if (mode == RENDER_TEXT)
	{
		for (int k = 0; k < 4; k++)
		{
			if (k > 0)
				appendStringInfoString(out, " | ");
			append_escaped(out, header[k], header_len[k], mode);
		}
		appendStringInfoChar(out, '\n');
	}
}

/* One invoice's row (HTML or text): number, due date, days overdue, amount. */
static void
append_invoice_row(StringInfo out, JsonbContainer *obj, RenderMode mode)
{
	static const char *const fields[] = {"number", "due_on", "days_overdue", "open_amount"};

	if (mode == RENDER_HTML)
		appendStringInfoString(out, "<tr>");
	for (int k = 0; k < 4; k++)
	{
		if (mode == RENDER_HTML)
			appendStringInfoString(out, k == 3 ? "<td align=\"right\">" : "<td>");
		else if (k > 0)
			appendStringInfoString(out, " | ");
		append_field(out, obj, fields[k], mode);
		if (k == 3)
		{
			appendStringInfoChar(out, ' ');
			append_field(out, obj, "currency", mode);
		}
		if (mode == RENDER_HTML)
			appendStringInfoString(out, "</td>");
	}
	appendStringInfoString(out, mode == RENDER_HTML ? "</tr>\n" : "\n");
}

/*
 * {{invoice_table}}: one row per element of data's "invoices" array (keys
 * number, due_on, days_overdue, open_amount, currency), under the column
 * titles.  HTML: a table; text: one line per invoice; SMS: the invoice
 * numbers only.
 */
static void
append_invoice_table(StringInfo out, const RenderDoc *doc, RenderMode mode)
{
	JsonbValue *inv = doc_key(doc, "invoices");
	JsonbContainer *arr;
	int			n;

	if (inv == NULL || inv->type != jbvBinary || !JsonContainerIsArray(inv->val.binary.data))
		return;
	arr = inv->val.binary.data;
	n = JsonContainerSize(arr);

	append_header_row(out, doc, mode);
	for (int i = 0; i < n; i++)
	{
		JsonbValue *row = getIthJsonbValueFromContainer(arr, i);
		JsonbContainer *obj;

		if (row == NULL || row->type != jbvBinary || !JsonContainerIsObject(row->val.binary.data))
			continue;
		obj = row->val.binary.data;
		if (mode == RENDER_SMS)
		{
			if (i > 0)
				appendStringInfoString(out, ", ");
			append_field(out, obj, "number", mode);
			continue;
		}
		append_invoice_row(out, obj, mode);
	}
	if (mode == RENDER_HTML)
		appendStringInfoString(out, "</table>");
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
	const char *p = tmpl;
	const char *end = tmpl + tmpl_len;
	RenderDoc	doc;

	doc.root = (data != NULL && JB_ROOT_IS_OBJECT(data)) ? &data->root : NULL;
	doc.extra = (extra != NULL && JB_ROOT_IS_OBJECT(extra)) ? &extra->root : NULL;

	while (p < end)
	{
		const char *name;
		int			name_len;
		int			mark = match_placeholder(p, end, &name, &name_len);

		if (mark == 0)
		{
			/* literal text: the template's own newlines stay, except in an SMS */
			if (mode == RENDER_SMS && (*p == '\n' || *p == '\r'))
				appendStringInfoChar(out, ' ');
			else
				appendStringInfoChar(out, *p);
			p++;
			continue;
		}
		if (name_len == 13 && strncmp(name, "invoice_table", 13) == 0)
			append_invoice_table(out, &doc, mode);
		else if (doc.root != NULL || doc.extra != NULL)
		{
			char	   *key = pnstrdup(name, name_len);
			JsonbValue *v = doc_key(&doc, key);

			if (v != NULL)
			{
				int			len;
				char	   *s = scalar_text(v, &len);

				append_escaped(out, s, len, mode);
			}
			pfree(key);
		}
		p += mark;
	}
}

/*
 * Cuts an SMS to one message: 160 characters when every character is in the
 * ASCII range (a fair stand-in for GSM 03.38), else 70 (UCS-2).  A cut text
 * ends with "..." and is cut at a character boundary.
 */
static void
fit_sms(StringInfo s)
{
	int			nchars = pg_mbstrlen_with_len(s->data, s->len);
	bool		ascii = true;
	int			limit;

	for (int i = 0; i < s->len; i++)
		if ((unsigned char) s->data[i] >= 0x80)
		{
			ascii = false;
			break;
		}
	limit = ascii ? DUNNING_SMS_GSM_CHARS : DUNNING_SMS_UCS2_CHARS;
	if (nchars <= limit)
		return;
	s->len = pg_mbcharcliplen(s->data, s->len, limit - 3);
	s->data[s->len] = '\0';
	appendStringInfoString(s, "...");
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

PG_FUNCTION_INFO_V1(render_template);
Datum
render_template(PG_FUNCTION_ARGS)
{
	text	   *tmpl = PG_GETARG_TEXT_PP(0);
	Jsonb	   *data = PG_GETARG_JSONB_P(1);
	RenderMode	mode = parse_mode(PG_GETARG_TEXT_PP(2));
	StringInfoData out;

	initStringInfo(&out);
	dunning_render(&out, VARDATA_ANY(tmpl), VARSIZE_ANY_EXHDR(tmpl), data, mode);
	if (mode == RENDER_SMS)
		fit_sms(&out);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, out.len));
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
	text	   *tmpl = PG_GETARG_TEXT_PP(0);
	Jsonb	   *data = PG_GETARG_JSONB_P(1);
	Jsonb	   *extra = PG_GETARG_JSONB_P(2);
	RenderMode	mode = parse_mode(PG_GETARG_TEXT_PP(3));
	StringInfoData out;

	initStringInfo(&out);
	dunning_render_with(&out, VARDATA_ANY(tmpl), VARSIZE_ANY_EXHDR(tmpl), data, extra, mode);
	if (mode == RENDER_SMS)
		fit_sms(&out);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, out.len));
}

/* A template is valid when every well-formed mark names a known placeholder. */
PG_FUNCTION_INFO_V1(template_is_valid);
Datum
template_is_valid(PG_FUNCTION_ARGS)
{
	text	   *tmpl = PG_GETARG_TEXT_PP(0);
	const char *p = VARDATA_ANY(tmpl);
	const char *end = p + VARSIZE_ANY_EXHDR(tmpl);

	while (p < end)
	{
		const char *name;
		int			name_len;
		int			mark = match_placeholder(p, end, &name, &name_len);

		if (mark == 0)
		{
			p++;
			continue;
		}
		if (!dunning_placeholder_known(name, name_len))
			PG_RETURN_BOOL(false);
		p += mark;
	}
	PG_RETURN_BOOL(true);
}
