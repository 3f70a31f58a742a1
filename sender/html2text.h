/*
 * html2text.h: the plain-text alternative of an HTML e-mail body.
 */
#ifndef DUNNING_SENDER_HTML2TEXT_H
#define DUNNING_SENDER_HTML2TEXT_H

#include "buf.h"
#include <stdbool.h>

/* True when the body holds HTML markup (a tag such as <p>, <br>, <table>). */
extern bool dunning_looks_like_html(const char *body);

/*
 * Appends to out the text of html: tags dropped, blocks and <br> as line
 * breaks, table cells separated by " | ", list items as "- ", a link's
 * address after its text, entities decoded, whitespace collapsed; script,
 * style and head contents left out.  Never fails: any input gives text.
 */
extern void dunning_html_to_text(const char *html, Buf *out);

#endif
