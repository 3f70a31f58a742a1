/*
 * render.h -- the renderer of dunning templates (render.c: marks,
 * sections, values; render_doc.c: the document, escaping; render_table.c:
 * the invoice table; render_format.c: money and dates; sms.c: one message).
 * The names are here so that other C parts (a future sender) render exactly
 * as the runner does.
 */
#ifndef DUNNING_RENDER_H
#define DUNNING_RENDER_H

#include "postgres.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "render_doc.h"

/* true when name is a placeholder templates may use */
extern bool dunning_placeholder_known(const char *name, int len);

/*
 * Renders template into out, replacing {{name}} by the value of key name of
 * data (formatted in data's "language", escaped for mode), showing
 * {{#name}}...{{/name}} only when name has a value ({{^name}}: only when it
 * has none); {{invoice_table}} is built from data's "invoices" array.  Pure
 * substitution: nothing is ever evaluated.
 */
extern void dunning_render(StringInfo out, const char *tmpl, int tmpl_len,
						   Jsonb *data, RenderMode mode);

/* The same, with the keys of extra (when not NULL) winning over data's. */
extern void dunning_render_with(StringInfo out, const char *tmpl, int tmpl_len,
								Jsonb *data, Jsonb *extra, RenderMode mode);

#endif							/* DUNNING_RENDER_H */
