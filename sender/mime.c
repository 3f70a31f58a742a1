/*
 * mime.c: composing reminder e-mails.  Header values never carry a line
 * break from the data (subjects and names are flattened, recipients were
 * checked before), non-ASCII header text is RFC 2047 encoded in UTF-8, and
 * every body part is written with the lightest transfer encoding that keeps
 * it within SMTP's limits (998-byte lines, CRLF only).
 */
#include "mime.h"
#include "html2text.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
put_base64(Buf *out, const unsigned char *s, size_t n)
{
	size_t		i;

	for (i = 0; i + 2 < n; i += 3)
	{
		dunning_buf_putc(out, b64chars[s[i] >> 2]);
		dunning_buf_putc(out, b64chars[((s[i] & 3) << 4) | (s[i + 1] >> 4)]);
		dunning_buf_putc(out, b64chars[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)]);
		dunning_buf_putc(out, b64chars[s[i + 2] & 63]);
	}
	if (n - i == 1)
	{
		dunning_buf_putc(out, b64chars[s[i] >> 2]);
		dunning_buf_putc(out, b64chars[(s[i] & 3) << 4]);
		dunning_buf_puts(out, "==");
	}
	else if (n - i == 2)
	{
		dunning_buf_putc(out, b64chars[s[i] >> 2]);
		dunning_buf_putc(out, b64chars[((s[i] & 3) << 4) | (s[i + 1] >> 4)]);
		dunning_buf_putc(out, b64chars[(s[i + 1] & 15) << 2]);
		dunning_buf_putc(out, '=');
	}
}

void
dunning_mime_header_text(Buf *out, const char *s)
{
	Buf			flat;
	const unsigned char *p;
	bool		plain = true;
	size_t		i;

	/* line breaks and other controls become spaces: one header line */
	dunning_buf_init(&flat);
	for (p = (const unsigned char *) s; *p; p++)
	{
		unsigned char c = (*p < 0x20 || *p == 0x7f) ? ' ' : *p;

		if (c >= 0x80)
			plain = false;
		dunning_buf_putc(&flat, (char) c);
	}
	if (plain && flat.len <= 900 && strstr(flat.data, "=?") == NULL)
	{
		dunning_buf_add(out, flat.data, flat.len);
		dunning_buf_free(&flat);
		return;
	}
	/* encoded words of at most 45 bytes each (75 characters), cut between characters */
	for (i = 0; i < flat.len;)
	{
		size_t		n = flat.len - i < 45 ? flat.len - i : 45;

		while (i + n < flat.len && n > 1 && ((unsigned char) flat.data[i + n] & 0xC0) == 0x80)
			n--;
		if (i > 0)
			dunning_buf_puts(out, "\r\n ");
		dunning_buf_puts(out, "=?UTF-8?B?");
		put_base64(out, (const unsigned char *) flat.data + i, n);
		dunning_buf_puts(out, "?=");
		i += n;
	}
	dunning_buf_free(&flat);
}

/* From: the address as is, a display name quoted or encoded. */
static void
put_from(Buf *out, const char *from)
{
	const char *lt = strrchr(from, '<');
	char		name[512];
	size_t		n;
	const char *p;
	bool		atext = true;

	if (lt == NULL)
	{
		dunning_buf_puts(out, from);
		return;
	}
	for (p = from; p < lt && (*p == ' ' || *p == '"'); p++)
		;
	n = (size_t) (lt - p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '"'))
		n--;
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, p, n);
	name[n] = '\0';
	for (p = name; *p; p++)
		if ((unsigned char) *p >= 0x80 || *p == '"' || *p == '\\' || (unsigned char) *p < 0x20)
			atext = false;
	if (n == 0)
		;
	else if (atext)
		dunning_buf_printf(out, "\"%s\" ", name);
	else
	{
		dunning_mime_header_text(out, name);
		dunning_buf_putc(out, ' ');
	}
	dunning_buf_puts(out, lt);
}

typedef enum Cte
{
	CTE_7BIT,
	CTE_8BIT,
	CTE_QP
} Cte;

static const char *const cte_names[] = {"7bit", "8bit", "quoted-printable"};

static Cte
choose_cte(const char *s)
{
	const unsigned char *p;
	size_t		line = 0;
	bool		eight = false;

	for (p = (const unsigned char *) s; *p; p++)
	{
		if (*p == '\n')
			line = 0;
		else if (*p == '\r' && p[1] != '\n')
			return CTE_QP;		/* a bare CR */
		else if (++line > 998)
			return CTE_QP;
		if (*p >= 0x80)
			eight = true;
	}
	return eight ? CTE_8BIT : CTE_7BIT;
}

/* The text with CRLF line ends, ending with one. */
static void
put_crlf_text(Buf *out, const char *s)
{
	const char *p;

	for (p = s; *p; p++)
	{
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n')
			dunning_buf_puts(out, "\r\n");
		else
			dunning_buf_putc(out, *p);
	}
	if (out->len < 2 || strcmp(out->data + out->len - 2, "\r\n") != 0)
		dunning_buf_puts(out, "\r\n");
}

/* Quoted-printable (RFC 2045 6.7), lines of at most 76 characters. */
static void
put_qp(Buf *out, const char *s)
{
	const unsigned char *p;
	int			col = 0;

	for (p = (const unsigned char *) s; *p; p++)
	{
		char		enc[4];
		bool		line_end = p[1] == '\0' || p[1] == '\n' || (p[1] == '\r' && p[2] == '\n');

		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n')
		{
			dunning_buf_puts(out, "\r\n");
			col = 0;
			continue;
		}
		if ((*p >= 33 && *p <= 126 && *p != '=') || ((*p == ' ' || *p == '\t') && !line_end))
			enc[0] = (char) *p, enc[1] = '\0';
		else
			snprintf(enc, sizeof(enc), "=%02X", *p);
		if (col + (int) strlen(enc) > 75)
		{
			dunning_buf_puts(out, "=\r\n");
			col = 0;
		}
		dunning_buf_puts(out, enc);
		col += (int) strlen(enc);
	}
	dunning_buf_puts(out, "\r\n");
}

static void
put_part_headers_and_body(Buf *out, const char *type, const char *content)
{
	Cte			cte = choose_cte(content);

	dunning_buf_printf(out, "Content-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: %s\r\n\r\n",
					   type, cte_names[cte]);
	if (cte == CTE_QP)
		put_qp(out, content);
	else
		put_crlf_text(out, content);
}

static void
put_headers(Buf *out, const Mail *m, time_t now)
{
	struct tm	tm;
	char		date[64];

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	dunning_buf_printf(out, "Date: %s\r\nFrom: ", date);
	put_from(out, m->from);
	dunning_buf_printf(out, "\r\nTo: %s\r\nSubject: ", m->to);
	dunning_mime_header_text(out, m->subject ? m->subject : "");
	dunning_buf_printf(out, "\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
					   "X-Dunning-Action: %lld\r\n", m->message_id, m->action_id);
	if (m->original_to != NULL)
		dunning_buf_printf(out, "X-Dunning-Original-To: %s\r\n", m->original_to);
}

void
dunning_mime_compose(const Mail *m, time_t now, Buf *out)
{
	const char *body = m->body ? m->body : "";
	Buf			text;
	char		boundary[80];
	int			k = 0;

	put_headers(out, m, now);
	if (!dunning_looks_like_html(body))
	{
		put_part_headers_and_body(out, "text/plain", body);
		return;
	}
	dunning_buf_init(&text);
	dunning_html_to_text(body, &text);
	do
		snprintf(boundary, sizeof(boundary), "=_dunning_%lld_%d", m->action_id, k++);
	while (strstr(body, boundary) != NULL || strstr(text.data, boundary) != NULL);
	dunning_buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
					   "This is a message in MIME format.\r\n\r\n--%s\r\n", boundary, boundary);
	put_part_headers_and_body(out, "text/plain", text.data);
	dunning_buf_printf(out, "--%s\r\n", boundary);
	put_part_headers_and_body(out, "text/html", body);
	dunning_buf_printf(out, "--%s--\r\n", boundary);
	dunning_buf_free(&text);
}
