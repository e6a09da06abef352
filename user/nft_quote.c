// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Quoting for `xdptag nft`.  An interface name may hold almost any byte
 * (the kernel refuses only '/', ':', whitespace and NUL): a veth named
 * `lo"drop;#` once turned `iifname "..."` into `iifname "lo" drop`.
 * nft's quoted strings have no escape at all, so a name nft cannot take
 * literally is refused rather than mangled.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "nft_quote.h"

int xt_nft_string(const char *name, char *out, size_t len)
{
	size_t i, n = strlen(name);

	if (!n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		unsigned char ch = name[i];

		if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\')
			return -EINVAL;
	}
	/* "eth*" matches every eth interface. */
	if (name[n - 1] == '*')
		return -EINVAL;
	if (n + 3 > len)
		return -ENOSPC;
	snprintf(out, len, "\"%s\"", name);
	return 0;
}

#define PLAIN	"abcdefghijklmnopqrstuvwxyz" "ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
		"0123456789" "._-+=@%,"

int xt_shell_word(const char *name, char *out, size_t len)
{
	size_t o = 0;
	const char *s;

	if (*name && strspn(name, PLAIN) == strlen(name)) {
		if (strlen(name) + 1 > len)
			return -ENOSPC;
		strcpy(out, name);
		return 0;
	}
	/* 'it'\''s': a single quote ends the word, is escaped, reopens. */
	if (len < 3)
		return -ENOSPC;
	out[o++] = '\'';
	for (s = name; *s; s++) {
		if (*s == '\'') {
			if (o + 4 >= len)
				return -ENOSPC;
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			if (o + 1 >= len)
				return -ENOSPC;
			out[o++] = *s;
		}
	}
	if (o + 2 > len)
		return -ENOSPC;
	out[o++] = '\'';
	out[o] = '\0';
	return 0;
}

#define IDENT	"abcdefghijklmnopqrstuvwxyz" "ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
		"0123456789" "_-"

int xt_nft_ident_ok(const char *name)
{
	return *name && strspn(name, IDENT) == strlen(name);
}

const char *xt_escaped(const char *name, char *out, size_t len)
{
	size_t o = 0;

	for (; *name && o + 5 < len; name++) {
		unsigned char ch = *name;

		if (ch < 0x20 || ch > 0x7e || ch == '\\')
			o += snprintf(out + o, len - o, "\\x%02x", ch);
		else
			out[o++] = ch;
	}
	out[o] = '\0';
	return out;
}
