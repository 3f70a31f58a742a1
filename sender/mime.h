/*
 * mime.h: the RFC 5322 / MIME text of a reminder e-mail.
 */
#ifndef DUNNING_SENDER_MIME_H
#define DUNNING_SENDER_MIME_H

#include "buf.h"
#include <time.h>

typedef struct Mail
{
	const char *from;			/* From header as configured: addr or Name <addr> */
	const char *to;				/* where it goes */
	const char *original_to;	/* test mode: the action's recipient; else NULL */
	const char *subject;
	const char *body;			/* HTML (multipart with a text part) or text */
	const char *message_id;		/* <...> */
	long long	action_id;
} Mail;

/*
 * Writes the whole message with CRLF line ends (dot-stuffing is libcurl's):
 * Date, From, To, Subject (RFC 2047 when not plain ASCII), Message-ID,
 * MIME headers, then text/plain or multipart/alternative text + HTML, each
 * part 7bit, 8bit or quoted-printable as its content needs.
 */
extern void dunning_mime_compose(const Mail *m, time_t now, Buf *out);

/* Appends s as header text: as is when plain ASCII, else RFC 2047 words. */
extern void dunning_mime_header_text(Buf *out, const char *s);

#endif
