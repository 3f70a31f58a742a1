/*
 * jsonid.c: a small JSON reader that finds one top-level member.  Nested
 * values are skipped whole (strings with their escapes, objects and arrays
 * by depth), so an "id" inside them is never taken for the provider's.
 */
#include "jsonid.h"
#include "buf.h"

#include <stdlib.h>
#include <string.h>

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static void
put_code_point(Buf *b, unsigned long cp)
{
	if (cp < 0x80)
		dunning_buf_putc(b, (char) cp);
	else if (cp < 0x800)
	{
		dunning_buf_putc(b, (char) (0xC0 | (cp >> 6)));
		dunning_buf_putc(b, (char) (0x80 | (cp & 0x3F)));
	}
	else
	{
		if (cp >= 0xD800 && cp <= 0xDFFF)
			cp = 0xFFFD;
		dunning_buf_putc(b, (char) (0xE0 | (cp >> 12)));
		dunning_buf_putc(b, (char) (0x80 | ((cp >> 6) & 0x3F)));
		dunning_buf_putc(b, (char) (0x80 | (cp & 0x3F)));
	}
}

/* Reads the string at p ('"'); its text into b when b is not NULL; NULL if malformed. */
static const char *
read_string(const char *p, Buf *b)
{
	static const char esc_in[] = "\"\\/bfnrt";
	static const char esc_out[] = "\"\\/\b\f\n\r\t";

	for (p++; *p != '"'; p++)
	{
		if (*p == '\0' || (unsigned char) *p < 0x20)
			return NULL;
		if (*p != '\\')
		{
			if (b)
				dunning_buf_putc(b, *p);
			continue;
		}
		p++;
		if (*p == 'u')
		{
			char		hex[5] = {0};

			if (strspn(p + 1, "0123456789abcdefABCDEF") < 4)
				return NULL;
			memcpy(hex, p + 1, 4);
			if (b)
				put_code_point(b, strtoul(hex, NULL, 16));
			p += 4;
		}
		else if (*p != '\0' && strchr(esc_in, *p) != NULL)
		{
			if (b)
				dunning_buf_putc(b, esc_out[strchr(esc_in, *p) - esc_in]);
		}
		else
			return NULL;
	}
	return p + 1;
}

/* Skips one value; NULL if malformed. */
static const char *
skip_value(const char *p)
{
	int			depth = 0;

	do
	{
		p = skip_ws(p);
		if (*p == '"')
			p = read_string(p, NULL);
		else if (*p == '{' || *p == '[')
			depth++, p++;
		else if (*p == '}' || *p == ']')
			depth--, p++;
		else if (*p == ',' || *p == ':')
			p++;
		else if (*p != '\0' && strchr("-0123456789tfn", *p) != NULL)
			p += strspn(p, "-+.0123456789eEtruefalsn");
		else
			return NULL;
	} while (p != NULL && depth > 0);
	return depth < 0 ? NULL : p;
}

int
dunning_json_id(const char *s, char *out, size_t outsize)
{
	const char *p = skip_ws(s);
	Buf			key;
	int			found = 0;

	if (*p++ != '{')
		return 0;
	dunning_buf_init(&key);
	for (p = skip_ws(p); p != NULL && *p == '"'; p = skip_ws(p + 1))
	{
		dunning_buf_reset(&key);
		p = read_string(p, &key);
		if (p == NULL || *(p = skip_ws(p)) != ':')
			break;
		p = skip_ws(p + 1);
		if (strcmp(key.data, "id") == 0 && (*p == '"' || *p == '-' || (*p >= '0' && *p <= '9')))
		{
			Buf			v;

			dunning_buf_init(&v);
			if (*p == '"' ? read_string(p, &v) != NULL : (dunning_buf_add(&v, p, strspn(p, "-+.0123456789eE")), 1))
			{
				found = v.len > 0 && v.len < outsize;
				if (found)
					memcpy(out, v.data, v.len + 1);
			}
			dunning_buf_free(&v);
			break;
		}
		p = skip_value(p);
		if (p == NULL || *(p = skip_ws(p)) != ',')
			break;
	}
	dunning_buf_free(&key);
	return found;
}
