/*
 * buf.c: growable byte buffers.  Out of memory ends the program: a sender
 * that cannot allocate a few kilobytes has nothing sensible left to do, and
 * every action it holds returns to the queue when its session ends.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
buf_reserve(Buf *b, size_t extra)
{
	size_t		need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 256;
	while (b->cap < need)
		b->cap *= 2;
	b->data = realloc(b->data, b->cap);
	if (b->data == NULL)
	{
		fputs("dunning-sender: out of memory\n", stderr);
		exit(1);
	}
}

void
dunning_buf_init(Buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	buf_reserve(b, 0);
	b->data[0] = '\0';
}

void
dunning_buf_free(Buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
dunning_buf_reset(Buf *b)
{
	b->len = 0;
	b->data[0] = '\0';
}

void
dunning_buf_add(Buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
dunning_buf_puts(Buf *b, const char *s)
{
	dunning_buf_add(b, s, strlen(s));
}

void
dunning_buf_putc(Buf *b, char c)
{
	dunning_buf_add(b, &c, 1);
}

void
dunning_buf_printf(Buf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t) n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}
