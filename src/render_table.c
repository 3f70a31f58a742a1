/*
 * render_table.c -- {{invoice_table}}: the invoices of a message, one row
 * each, under the four column titles of the template's language.
 *
 * Columns: invoice number, due date, days overdue (an item coming due says
 * "due in N days" in words, never a negative count; a settled item of a
 * confirmation shows the day it was paid instead), amount (the settled
 * amount of a confirmation, else the open amount) with its currency's minor
 * units and code.  Dates and amounts follow the template's language
 * (render_format.c); every cell is escaped for the channel.
 */
#include "postgres.h"

#include "render_table.h"

/* The column titles: data's "table_header" (4 strings), else English. */
static void
table_header(const RenderDoc *doc, const char *header[4], int header_len[4])
{
	static const char *const english[] = {"Invoice", "Due date", "Days overdue", "Open amount"};
	JsonbValue *hdr = dunning_doc_key(doc, "table_header");

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
append_header_row(StringInfo out, const RenderDoc *doc)
{
	const char *header[4];
	int			header_len[4];

	table_header(doc, header, header_len);
	if (doc->mode == RENDER_HTML)
	{
		appendStringInfoString(out, "<table class=\"invoices\">\n<tr>");
		for (int k = 0; k < 4; k++)
		{
			appendStringInfoString(out, k == 3 ? "<th align=\"right\">" : "<th>");
			dunning_append_escaped(out, header[k], header_len[k], doc->mode);
			appendStringInfoString(out, "</th>");
		}
		appendStringInfoString(out, "</tr>\n");
	}
	else
	{
		for (int k = 0; k < 4; k++)
		{
			if (k > 0)
				appendStringInfoString(out, " | ");
			dunning_append_escaped(out, header[k], header_len[k], doc->mode);
		}
		appendStringInfoChar(out, '\n');
	}
}

/* The text of a scalar value as it is (for a value no format applies to). */
static void
append_raw(StringInfo cell, JsonbValue *v)
{
	int			len;
	char	   *s;

	if (v == NULL)
		return;
	s = dunning_scalar_text(v, &len);
	appendBinaryStringInfo(cell, s, len);
}

/* A date value of a row, in the language's style (else as it is). */
static void
append_date_cell(StringInfo cell, const RenderDoc *doc, JsonbValue *v)
{
	if (v != NULL && v->type == jbvString &&
		dunning_format_date(cell, &doc->fmt, v->val.string.val, v->val.string.len))
		return;
	append_raw(cell, v);
}

/* Cell k of a row, unescaped. */
static void
row_cell(StringInfo cell, const RenderDoc *doc, JsonbContainer *row, int k)
{
	JsonbValue *v;

	switch (k)
	{
		case 0:
			append_raw(cell, dunning_json_key(row, "number"));
			break;
		case 1:
			append_date_cell(cell, doc, dunning_json_key(row, "due_on"));
			break;
		case 2:
			if ((v = dunning_json_key(row, "paid_on")) != NULL)
				append_date_cell(cell, doc, v);
			else if (!dunning_format_days(cell, &doc->fmt, v = dunning_json_key(row, "days_overdue")))
				append_raw(cell, v);
			break;
		case 3:
			{
				JsonbValue *cur = dunning_json_key(row, "currency");
				const char *code = (cur && cur->type == jbvString) ? cur->val.string.val : NULL;
				int			code_len = code ? cur->val.string.len : 0;

				if ((v = dunning_json_key(row, "settled_amount")) == NULL)
					v = dunning_json_key(row, "open_amount");
				if (!dunning_format_money(cell, &doc->fmt, v, code, code_len))
					append_raw(cell, v);
				break;
			}
	}
}

/* One invoice's row (HTML or text). */
static void
append_invoice_row(StringInfo out, const RenderDoc *doc, JsonbContainer *row, StringInfo cell)
{
	bool		html = doc->mode == RENDER_HTML;

	if (html)
		appendStringInfoString(out, "<tr>");
	for (int k = 0; k < 4; k++)
	{
		if (html)
			appendStringInfoString(out, k == 3 ? "<td align=\"right\">" : "<td>");
		else if (k > 0)
			appendStringInfoString(out, " | ");
		resetStringInfo(cell);
		row_cell(cell, doc, row, k);
		dunning_append_escaped(out, cell->data, cell->len, doc->mode);
		if (html)
			appendStringInfoString(out, "</td>");
	}
	appendStringInfoString(out, html ? "</tr>\n" : "\n");
}

/* The "invoices" array of the document, or NULL. */
static JsonbContainer *
invoices(const RenderDoc *doc)
{
	JsonbValue *inv = dunning_doc_key(doc, "invoices");

	if (inv == NULL || inv->type != jbvBinary || !JsonContainerIsArray(inv->val.binary.data))
		return NULL;
	return inv->val.binary.data;
}

int
dunning_invoice_count(const RenderDoc *doc)
{
	JsonbContainer *arr = invoices(doc);

	return arr ? JsonContainerSize(arr) : 0;
}

void
dunning_append_invoice_table(StringInfo out, const RenderDoc *doc)
{
	JsonbContainer *arr = invoices(doc);
	StringInfoData cell;
	int			n;

	if (arr == NULL)
		return;
	n = JsonContainerSize(arr);
	initStringInfo(&cell);
	if (doc->mode != RENDER_SMS)
		append_header_row(out, doc);
	for (int i = 0; i < n; i++)
	{
		JsonbValue *row = getIthJsonbValueFromContainer(arr, i);
		JsonbContainer *obj;

		if (row == NULL || row->type != jbvBinary || !JsonContainerIsObject(row->val.binary.data))
			continue;
		obj = row->val.binary.data;
		if (doc->mode == RENDER_SMS)
		{
			if (i > 0)
				appendStringInfoString(out, ", ");
			resetStringInfo(&cell);
			row_cell(&cell, doc, obj, 0);
			dunning_append_escaped(out, cell.data, cell.len, doc->mode);
			continue;
		}
		append_invoice_row(out, doc, obj, &cell);
	}
	if (doc->mode == RENDER_HTML)
		appendStringInfoString(out, "</table>");
	pfree(cell.data);
}
