// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The one number syntax: user/num.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "num.h"

static int digit(char c, int base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int xt_num_parse(const char *s, unsigned long long max, unsigned long long *v)
{
	unsigned long long x = 0;
	int base = 10, d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && digit(s[1], 10) >= 0) {
		return -EDOM;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		d = digit(*s, base);
		if (d < 0)
			return -EINVAL;
		/* Past max, or past what unsigned long long holds. */
		if ((unsigned long long)d > max || x > (max - d) / base)
			goto range;
		x = x * base + d;
	}
	*v = x;
	return 0;
range:
	/* The rest must still be digits for the answer to be "too big". */
	for (; *s; s++)
		if (digit(*s, base) < 0)
			return -EINVAL;
	return -ERANGE;
}

const char *xt_num_why(int err, unsigned long long min, unsigned long long max,
		       char *buf, size_t len)
{
	if (err == -EDOM)
		snprintf(buf, len, "has a leading zero: %s",
			 "write decimal without it, or hex with 0x");
	else
		snprintf(buf, len, "is not a number in %llu-%llu", min, max);
	return buf;
}
