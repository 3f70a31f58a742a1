/*
 * ascii.h -- ASCII character classes and character steps for the text
 * scanners (reference.c, reference_scan.c, iban.c, checkdigit.c,
 * textmatch.c, company_name.c).  Header-only: static inline functions,
 * nothing to link.
 *
 * The scanners work on bytes.  The characters that matter are ASCII, and
 * every server encoding keeps ASCII bytes out of multibyte characters, so a
 * multibyte character is simply "not a digit, not a letter, not a
 * separator".  Unlike <ctype.h>, these never depend on the locale.
 */
#ifndef DUNNING_ASCII_H
#define DUNNING_ASCII_H

#include "mb/pg_wchar.h"

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static inline bool
is_letter(char c)
{
	return is_upper(c) || (c >= 'a' && c <= 'z');
}

static inline bool
is_alnum(char c)
{
	return is_digit(c) || is_letter(c);
}

static inline bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline char
to_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
}

static inline char
to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static inline bool
all_digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* Byte length of the character at s[i]; ASCII bytes are single characters
 * in every server encoding. */
static inline int
char_len(const char *s, int n, int i)
{
	if ((unsigned char) s[i] < 0x80)
		return 1;
	return Max(1, Min(pg_mblen(s + i), n - i));
}

#endif							/* DUNNING_ASCII_H */
