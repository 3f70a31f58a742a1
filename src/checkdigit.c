/*
 * checkdigit.c -- the compact form and the check characters of payment
 * identifiers (see checkdigit.h): ISO 7064 mod 97-10 (RF references, OGM,
 * IBANs), Luhn and mod 11 (Norwegian KID), 7-3-1 weights (Finland) and the
 * Swiss recursive mod 10 (QRR).  A check character makes a typo detectable:
 * that is what lets the matcher trust a reference found in free text.
 */
#include "postgres.h"

#include "checkdigit.h"

#include "ascii.h"

/* Swiss recursive mod 10 table (domain.md). */
static const int qrr_table[10] = {0, 9, 4, 6, 8, 2, 7, 1, 3, 5};

/*
 * Copy a reference into buf without white space, letters upper-cased.
 * Returns the length, or -1 when the input is too long to be a reference.
 */
int
dunning_compact(const char *s, int len, char *buf)
{
	int			n = 0;

	if (len > DUNNING_COMPACT_MAX_INPUT)
		return -1;
	for (int i = 0; i < len; i++)
	{
		if (is_space(s[i]))
			continue;
		if (n >= DUNNING_COMPACT_BUF - 1)
			return -1;
		buf[n++] = to_upper(s[i]);
	}
	buf[n] = '\0';
	return n;
}

/*
 * ISO 7064 mod 97-10 accumulation over digits and letters (A=10 .. Z=35),
 * continuing from acc.  Returns -1 on any other character.
 */
int
dunning_mod97(const char *s, int n, int acc)
{
	for (int i = 0; i < n; i++)
	{
		char		c = s[i];

		if (is_digit(c))
			acc = (acc * 10 + (c - '0')) % 97;
		else if (is_upper(c))
			acc = (acc * 100 + (c - 'A' + 10)) % 97;
		else
			return -1;
	}
	return acc;
}

/* Check characters of the schemes, computed over a base of digits. */
char
dunning_luhn_check(const char *d, int n)
{
	int			sum = 0;
	bool		dbl = true;

	for (int i = n - 1; i >= 0; i--)
	{
		int			v = d[i] - '0';

		if (dbl)
		{
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
		dbl = !dbl;
	}
	return '0' + (10 - sum % 10) % 10;
}

char
dunning_mod11_check(const char *d, int n)
{
	int			sum = 0;
	int			w = 2;
	int			r;

	for (int i = n - 1; i >= 0; i--)
	{
		sum += (d[i] - '0') * w;
		w = (w == 7) ? 2 : w + 1;
	}
	r = 11 - sum % 11;
	if (r == 11)
		return '0';
	if (r == 10)
		return '-';
	return '0' + r;
}

char
dunning_fi_check(const char *d, int n)
{
	static const int weights[3] = {7, 3, 1};
	int			sum = 0;

	for (int i = n - 1, k = 0; i >= 0; i--, k++)
		sum += (d[i] - '0') * weights[k % 3];
	return '0' + (10 - sum % 10) % 10;
}

char
dunning_qrr_check(const char *d, int n)
{
	int			c = 0;

	for (int i = 0; i < n; i++)
		c = qrr_table[(c + d[i] - '0') % 10];
	return '0' + (10 - c) % 10;
}

/* OGM check digits of a 10-digit base: base mod 97, 0 written 97. */
int
dunning_ogm_check(const char *d)
{
	int			r = dunning_mod97(d, 10, 0);

	return r == 0 ? 97 : r;
}
