/*
 * render.h -- private interface of src/render.c: rendering of dunning
 * templates from structured data.  Only render.c includes it today; the
 * names are here so that other C parts (a future sender) render exactly as
 * the runner does.
 */
#ifndef DUNNING_RENDER_H
#define DUNNING_RENDER_H

#include "postgres.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"

/* How values are escaped, and how long the result may be. */
typedef enum RenderMode
{
	RENDER_TEXT,				/* letters, calls, tasks: control characters removed */
	RENDER_HTML,				/* e-mail bodies: HTML-escaped values, table markup */
	RENDER_SMS					/* one line, at most one SMS (160 GSM / 70 UCS-2 chars) */
} RenderMode;

/* SMS lengths: one GSM 03.38 message, or one UCS-2 message. */
#define DUNNING_SMS_GSM_CHARS	160
#define DUNNING_SMS_UCS2_CHARS	70

/* true when name is a placeholder templates may use */
extern bool dunning_placeholder_known(const char *name, int len);

/*
 * Renders template into out, replacing {{name}} by the value of key name of
 * data (escaped for mode); {{invoice_table}} is built from data's
 * "invoices" array.  Pure substitution: nothing is ever evaluated.
 */
extern void dunning_render(StringInfo out, const char *tmpl, int tmpl_len,
						   Jsonb *data, RenderMode mode);

/* The same, with the keys of extra (when not NULL) winning over data's. */
extern void dunning_render_with(StringInfo out, const char *tmpl, int tmpl_len,
								Jsonb *data, Jsonb *extra, RenderMode mode);

#endif							/* DUNNING_RENDER_H */
