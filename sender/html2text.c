/*
 * html2text.c: HTML to plain text for the text/plain part of reminders.
 *
 * Simple on purpose: a single pass over the markup the templates produce
 * (paragraphs, line breaks, a table of invoices, links), with no attempt at
 * CSS or layout.  Safe on any input: unknown tags are dropped, unterminated
 * tags and comments end the text, and numeric entities outside Unicode
 * become U+FFFD.
 */
#include "html2text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct TextState
{
	Buf		   *out;
	size_t		start;			/* where our text starts in out */
	int			breaks;			/* line breaks owed before the next text */
	bool		space;			/* whitespace owed before the next text */
	int			cell;			/* table cells so far in this row */
	char	   *href;			/* link being written, if any */
	size_t		link_start;		/* where its text starts in out */
} TextState;

bool
dunning_looks_like_html(const char *body)
{
	const char *p;

	for (p = strchr(body, '<'); p != NULL; p = strchr(p + 1, '<'))
	{
		const char *q = p + 1;
		size_t		n;

		if (*q == '/')
			q++;
		n = strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
		if (n > 0 && isalpha((unsigned char) *q) && (q[n] == '>' || q[n] == ' ' || q[n] == '/' || q[n] == '\n'))
			return true;
	}
	return false;
}

static void
put_utf8(Buf *b, unsigned long cp)
{
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80)
		dunning_buf_putc(b, (char) cp);
	else if (cp < 0x800)
	{
		dunning_buf_putc(b, (char) (0xC0 | (cp >> 6)));
		dunning_buf_putc(b, (char) (0x80 | (cp & 0x3F)));
	}
	else if (cp < 0x10000)
	{
		dunning_buf_putc(b, (char) (0xE0 | (cp >> 12)));
		dunning_buf_putc(b, (char) (0x80 | ((cp >> 6) & 0x3F)));
		dunning_buf_putc(b, (char) (0x80 | (cp & 0x3F)));
	}
	else
	{
		dunning_buf_putc(b, (char) (0xF0 | (cp >> 18)));
		dunning_buf_putc(b, (char) (0x80 | ((cp >> 12) & 0x3F)));
		dunning_buf_putc(b, (char) (0x80 | ((cp >> 6) & 0x3F)));
		dunning_buf_putc(b, (char) (0x80 | (cp & 0x3F)));
	}
}

/*
 * Decodes the entity at p (which points at '&') into b; returns the bytes
 * consumed, 0 when it is not an entity we know (the '&' is then text).
 */
static size_t
decode_entity(const char *p, Buf *b)
{
	static const struct
	{
		const char *name;
		unsigned long cp;
	}			named[] = {
		{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''},
		{"nbsp;", ' '}, {"euro;", 0x20AC}, {"copy;", 0xA9}, {"eacute;", 0xE9}, {"egrave;", 0xE8},
		{"agrave;", 0xE0}, {"ccedil;", 0xE7}, {"ndash;", 0x2013}, {"mdash;", 0x2014}, {"hellip;", 0x2026}
	};
	size_t		i;

	if (p[1] == '#')
	{
		char	   *end;
		unsigned long cp = (p[2] == 'x' || p[2] == 'X') ? strtoul(p + 3, &end, 16) : strtoul(p + 2, &end, 10);

		if (end == p + 2 || end == p + 3 || *end != ';' || end - p > 12)
			return 0;
		put_utf8(b, cp);
		return (size_t) (end - p) + 1;
	}
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strncmp(p + 1, named[i].name, strlen(named[i].name)) == 0)
		{
			put_utf8(b, named[i].cp);
			return strlen(named[i].name) + 1;
		}
	return 0;
}

static void
want_breaks(TextState *st, int n)
{
	if (st->breaks < n)
		st->breaks = n;
}

/* Writes what is owed (line breaks, a space) before a piece of text. */
static void
flush_owed(TextState *st)
{
	Buf		   *o = st->out;

	if (st->breaks > 0 && o->len > st->start)
	{
		int			i;

		while (o->len > st->start && o->data[o->len - 1] == ' ')
			o->data[--o->len] = '\0';
		for (i = 0; i < st->breaks; i++)
			dunning_buf_putc(o, '\n');
		st->space = false;
	}
	st->breaks = 0;
	if (st->space && o->len > st->start && o->data[o->len - 1] != '\n')
		dunning_buf_putc(o, ' ');
	st->space = false;
}

static void
put_text(TextState *st, const char *s, size_t n)
{
	flush_owed(st);
	dunning_buf_add(st->out, s, n);
}

/* Value of attribute name in the tag text [p, end), entities decoded; NULL if absent. */
static char *
tag_attribute(const char *p, const char *end, const char *name)
{
	size_t		nlen = strlen(name);

	while (p < end)
	{
		const char *v;
		char		quote;
		Buf			val;

		if (!(strncasecmp(p, name, nlen) == 0 && (p[nlen] == '=' || p[nlen] == ' ') && isspace((unsigned char) p[-1])))
		{
			p++;
			continue;
		}
		for (v = p + nlen; v < end && (*v == ' ' || *v == '='); v++)
			;
		quote = (*v == '"' || *v == '\'') ? *v++ : '\0';
		dunning_buf_init(&val);
		while (v < end && (quote ? *v != quote : !isspace((unsigned char) *v) && *v != '>'))
		{
			size_t		k = *v == '&' ? decode_entity(v, &val) : 0;

			if (k == 0)
				dunning_buf_putc(&val, *v++);
			else
				v += k;
		}
		return val.data;
	}
	return NULL;
}

static void
close_link(TextState *st)
{
	Buf		   *o = st->out;
	const char *text = o->data + st->link_start;
	const char *h = st->href;

	if (strncmp(h, "mailto:", 7) == 0)
		h += 7;
	while (*text == ' ' || *text == '\n')
		text++;
	if (*h != '\0' && *h != '#' && strncasecmp(h, "javascript:", 11) != 0 && strcmp(text, h) != 0)
	{
		put_text(st, " (", 2);
		dunning_buf_puts(o, h);
		dunning_buf_putc(o, ')');
	}
	free(st->href);
	st->href = NULL;
}

/* Acts on one tag: name (lower case), closing or not, its attribute text. */
static void
on_tag(TextState *st, const char *name, bool closing, const char *attrs, const char *attrs_end)
{
	static const char *const para[] = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "pre", NULL};
	static const char *const line[] = {"div", "tr", "hr", "section", "article", "header", "footer", "dl", "dt", "dd", NULL};
	int			i;

	for (i = 0; para[i]; i++)
		if (strcmp(name, para[i]) == 0)
			want_breaks(st, 2);
	for (i = 0; line[i]; i++)
		if (strcmp(name, line[i]) == 0)
			want_breaks(st, 1);
	if (strcmp(name, "br") == 0)
		st->breaks = st->breaks >= 1 ? 2 : 1;
	else if (strcmp(name, "tr") == 0)
		st->cell = 0;
	else if (!closing && (strcmp(name, "td") == 0 || strcmp(name, "th") == 0))
	{
		if (st->cell++ > 0)
			put_text(st, " | ", 3);
		st->space = false;
	}
	else if (!closing && strcmp(name, "li") == 0)
	{
		want_breaks(st, 1);
		put_text(st, "- ", 2);
	}
	else if (strcmp(name, "a") == 0)
	{
		if (closing && st->href != NULL)
			close_link(st);
		else if (!closing && st->href == NULL && (st->href = tag_attribute(attrs, attrs_end, "href")) != NULL)
		{
			flush_owed(st);
			st->link_start = st->out->len;
		}
	}
}

/* Skips past "</name ... >" (case-insensitive); returns where to go on. */
static const char *
skip_element(const char *p, const char *name)
{
	size_t		n = strlen(name);

	for (p = strchr(p, '<'); p != NULL; p = strchr(p + 1, '<'))
		if (p[1] == '/' && strncasecmp(p + 2, name, n) == 0 && !isalnum((unsigned char) p[2 + n]))
		{
			const char *gt = strchr(p, '>');

			return gt ? gt + 1 : p + strlen(p);
		}
	return NULL;
}

/* Handles the markup at p ('<'); returns where text resumes, NULL at the end. */
static const char *
on_markup(TextState *st, const char *p)
{
	const char *q = p + 1;
	bool		closing = false;
	char		name[16];
	size_t		n;
	const char *gt;

	if (strncmp(q, "!--", 3) == 0)
	{
		gt = strstr(q + 3, "-->");
		return gt ? gt + 3 : NULL;
	}
	if (*q == '/')
		closing = true, q++;
	n = strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
	if ((n == 0 || !isalpha((unsigned char) *q)) && *q != '!' && *q != '?')
	{
		put_text(st, "<", 1);
		return p + 1;
	}
	for (gt = q + n; *gt && *gt != '>'; gt++)
		if (*gt == '"' || *gt == '\'')
		{
			const char *close = strchr(gt + 1, *gt);

			gt = close ? close : gt + strlen(gt) - 1;
		}
	if (*gt == '\0')
		return NULL;
	if (n == 0 || n >= sizeof(name))
		return gt + 1;
	for (size_t i = 0; i < n; i++)
		name[i] = (char) tolower((unsigned char) q[i]);
	name[n] = '\0';
	if (!closing && (strcmp(name, "script") == 0 || strcmp(name, "style") == 0 ||
					 strcmp(name, "head") == 0 || strcmp(name, "title") == 0))
		return skip_element(gt + 1, name);
	on_tag(st, name, closing, q + n, gt);
	return gt + 1;
}

void
dunning_html_to_text(const char *html, Buf *out)
{
	TextState	st = {out, out->len, 0, false, 0, NULL, 0};
	const char *p = html;
	Buf			ent;

	dunning_buf_init(&ent);
	while (p != NULL && *p != '\0')
	{
		if (*p == '<')
			p = on_markup(&st, p);
		else if (isspace((unsigned char) *p))
			st.space = true, p++;
		else if (*p == '&')
		{
			size_t		k;

			dunning_buf_reset(&ent);
			k = decode_entity(p, &ent);
			put_text(&st, k ? ent.data : "&", k ? ent.len : 1);
			p += k ? k : 1;
		}
		else
		{
			size_t		n = strcspn(p, "<& \t\r\n\f\v");

			put_text(&st, p, n);
			p += n;
		}
	}
	free(st.href);
	dunning_buf_free(&ent);
	while (out->len > st.start && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\n'))
		out->data[--out->len] = '\0';
	dunning_buf_putc(out, '\n');
}
