/*
 * render_doc.c -- the document a message is rendered from, and the
 * escaping of what is written into it (for render.c and render_table.c).
 */
#include "postgres.h"

#include "render_doc.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

/*
 * Appends s escaped for mode.  Control characters become blanks (newlines
 * are kept in text and HTML, where they are harmless); HTML escapes the five
 * characters that matter in content and attribute values.
 */
void
dunning_append_escaped(StringInfo out, const char *s, int len, RenderMode mode)
{
	for (int i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];
		const char *esc = NULL;

		if (c < 0x20 || c == 0x7f)
		{
			appendStringInfoChar(out, (c == '\n' && mode != RENDER_SMS) ? '\n' : ' ');
			continue;
		}
		if (mode == RENDER_HTML)
		{
			switch (c)
			{
				case '&':
					esc = "&amp;";
					break;
				case '<':
					esc = "&lt;";
					break;
				case '>':
					esc = "&gt;";
					break;
				case '"':
					esc = "&quot;";
					break;
				case '\'':
					esc = "&#39;";
					break;
			}
		}
		if (esc != NULL)
			appendStringInfoString(out, esc);
		else
			appendStringInfoChar(out, (char) c);
	}
}

char *
dunning_scalar_text(JsonbValue *v, int *len)
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

JsonbValue *
dunning_json_key(JsonbContainer *obj, const char *key)
{
	if (obj == NULL || !JsonContainerIsObject(obj))
		return NULL;
	return getKeyJsonValueFromContainer(obj, key, strlen(key), NULL);
}

JsonbValue *
dunning_doc_key(const RenderDoc *doc, const char *key)
{
	JsonbValue *v = dunning_json_key(doc->extra, key);

	return v != NULL ? v : dunning_json_key(doc->root, key);
}
