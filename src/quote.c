/*
 * quote.c -- user input quoted in error messages (see quote.h).
 *
 * An argument can be a megabyte of text or a numeric of 131,072 digits:
 * echoing it whole would fill logs and clients with it.  Errors quote the
 * beginning, enough to recognise the value.
 */
#include "postgres.h"

#include "quote.h"

#include "mb/pg_wchar.h"

/* See quote.h. */
char *
dunning_clip(const char *s, int len, int max)
{
	if (len <= max)
		return pnstrdup(s, len);
	return psprintf("%.*s...", pg_mbcliplen(s, len, max), s);
}
