/*
 * buf.h: growable byte buffers (always NUL-terminated) for dunning-sender.
 */
#ifndef DUNNING_SENDER_BUF_H
#define DUNNING_SENDER_BUF_H

#include <stddef.h>

typedef struct Buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buf;

extern void dunning_buf_init(Buf *b);
extern void dunning_buf_free(Buf *b);
extern void dunning_buf_reset(Buf *b);
extern void dunning_buf_add(Buf *b, const char *s, size_t n);
extern void dunning_buf_puts(Buf *b, const char *s);
extern void dunning_buf_putc(Buf *b, char c);
extern void dunning_buf_printf(Buf *b, const char *fmt,...) __attribute__((format(printf, 2, 3)));

#endif
