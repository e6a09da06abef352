// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The JSON writer (json.h): the parts that are not worth inlining.
 */
#include "json.h"

void xt_json_init(struct xt_json *j, FILE *f)
{
	j->f = f;
	j->n = 0;
	j->depth = 0;
	j->key = false;
	j->more = 0;
}

void xt_json_flush(struct xt_json *j)
{
	if (j->f && j->n) {
		fwrite(j->b, 1, j->n, j->f);
		j->n = 0;
	}
}

void xt_json_spill(struct xt_json *j, const char *s, size_t l)
{
	size_t room = sizeof(j->b) - j->n;

	if (!j->f) {
		/* Bounded: keep what fits. */
		memcpy(j->b + j->n, s, room);
		j->n += room;
		return;
	}
	xt_json_flush(j);
	if (l >= sizeof(j->b)) {
		fwrite(s, 1, l, j->f);
		return;
	}
	memcpy(j->b, s, l);
	j->n = l;
}

/*
 * The escaping rule.  Each character needs at most 6 bytes; a bounded
 * writer stops the string short of its end, so that what closes the line
 * still fits.
 */
static void str_body(struct xt_json *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	xt_json_lit(j, "\"");
	for (; *s; s++) {
		unsigned char ch = *s;

		if (j->n > sizeof(j->b) - 8) {
			if (!j->f)
				break;
			xt_json_flush(j);
		}
		if (ch == '"' || ch == '\\') {
			j->b[j->n++] = '\\';
			j->b[j->n++] = ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			memcpy(j->b + j->n, "\\u00", 4);
			j->b[j->n + 4] = hex[ch >> 4];
			j->b[j->n + 5] = hex[ch & 15];
			j->n += 6;
		} else {
			j->b[j->n++] = ch;
		}
	}
	xt_json_lit(j, "\"");
}

void xt_json_str(struct xt_json *j, const char *s)
{
	xt_json_sep(j);
	str_body(j, s);
}

void xt_json_key(struct xt_json *j, const char *k)
{
	xt_json_sep(j);
	str_body(j, k);
	xt_json_lit(j, ":");
	j->key = true;
}

void xt_json_fixed(struct xt_json *j, double v, int decimals)
{
	char t[64];
	int l = snprintf(t, sizeof(t), "%.*f", decimals, v);

	xt_json_sep(j);
	xt_json_mem(j, t, l < (int)sizeof(t) ? (size_t)l : sizeof(t) - 1);
}
