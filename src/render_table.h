/*
 * render_table.h -- {{invoice_table}} (render_table.c).
 */
#ifndef DUNNING_RENDER_TABLE_H
#define DUNNING_RENDER_TABLE_H

#include "render_doc.h"

/*
 * Appends the document's "invoices" array as a table for the mode: HTML
 * table, text lines, or (SMS) the invoice numbers only.  Nothing without
 * invoices.
 */
extern void dunning_append_invoice_table(StringInfo out, const RenderDoc *doc);

/* Number of elements of the document's "invoices" array (0 without one). */
extern int	dunning_invoice_count(const RenderDoc *doc);

#endif							/* DUNNING_RENDER_TABLE_H */
