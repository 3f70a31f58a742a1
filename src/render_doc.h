/*
 * render_doc.h -- the document a message is rendered from (render_doc.c):
 * the render modes, the document's keys, escaping.  Shared by the renderer
 * (render.c) and the invoice table (render_table.c).
 */
#ifndef DUNNING_RENDER_DOC_H
#define DUNNING_RENDER_DOC_H

#include "postgres.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "render_format.h"

/* How values are escaped, and how long the result may be. */
typedef enum RenderMode
{
	RENDER_TEXT,				/* letters, calls, tasks: control characters removed */
	RENDER_HTML,				/* e-mail bodies: HTML-escaped values, table markup */
	RENDER_SMS					/* one line, at most one SMS (sms.h) */
} RenderMode;

/*
 * The document a template is rendered from: the keys of extra (when set)
 * win over those of root.  The runner passes the action's payload as root
 * and the rendering-only values (language, table header, collector, pay
 * link) as extra, so that the large payload is never copied into a merged
 * document.  fmt: the language of the document's "language" key.
 */
typedef struct RenderDoc
{
	JsonbContainer *extra;
	JsonbContainer *root;
	RenderMode	mode;
	DunningFormat fmt;
} RenderDoc;

/* Value of key in the document (extra first, then root), or NULL. */
extern JsonbValue *dunning_doc_key(const RenderDoc *doc, const char *key);

/* Value of key of an object container, or NULL. */
extern JsonbValue *dunning_json_key(JsonbContainer *obj, const char *key);

/* The text of a scalar jsonb value (strings as they are, numbers printed). */
extern char *dunning_scalar_text(JsonbValue *v, int *len);

/*
 * Appends s escaped for mode.  Control characters become blanks (newlines
 * are kept in text and HTML, where they are harmless); HTML escapes the five
 * characters that matter in content and attribute values.
 */
extern void dunning_append_escaped(StringInfo out, const char *s, int len, RenderMode mode);

#endif							/* DUNNING_RENDER_DOC_H */
