// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for the names `xdptag nft` prints (user/nft_quote.c):
 * an interface name is either refused or written so that nft reads back
 * exactly that name, and the shell reads the iptables word back as it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nft_quote.h"

static void invariant(int cond)
{
	if (!cond)
		abort();
}

/* What nft's scanner takes for a quoted string: "[^"]*", no escapes. */
static int nft_unquote(const char *s, char *out)
{
	size_t n = strlen(s);

	if (n < 2 || s[0] != '"' || s[n - 1] != '"' ||
	    memchr(s + 1, '"', n - 2))
		return -1;
	memcpy(out, s + 1, n - 2);
	out[n - 2] = '\0';
	return 0;
}

/* A POSIX shell word made of bare characters and '...' parts, \' too. */
static int shell_unquote(const char *s, char *out)
{
	size_t o = 0;

	while (*s) {
		if (*s == '\'') {
			for (s++; *s && *s != '\''; s++)
				out[o++] = *s;
			if (!*s)
				return -1;
			s++;
		} else if (*s == '\\' && s[1]) {
			out[o++] = s[1];
			s += 2;
		} else if (strchr(" \t\n;&|<>()$`\"*?[#~", *s)) {
			return -1;	/* would not stay one literal word */
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[64], out[512], back[512];
	size_t n = size < sizeof(name) - 1 ? size : sizeof(name) - 1, i;
	int plain = 1;

	memcpy(name, data, n);
	name[n] = '\0';
	n = strlen(name);
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 ||
		    (unsigned char)name[i] > 0x7e || name[i] == '"' ||
		    name[i] == '\\')
			plain = 0;
	if (n && name[n - 1] == '*')
		plain = 0;

	if (!xt_nft_string(name, out, sizeof(out))) {
		invariant(plain && n);
		invariant(!nft_unquote(out, back) && !strcmp(back, name));
	} else {
		invariant(!plain || !n);
	}
	/* Too small a buffer is refused, never overrun. */
	invariant(xt_nft_string(name, out, n + 2) != 0);

	if (n) {
		invariant(!xt_shell_word(name, out, sizeof(out)));
		invariant(!shell_unquote(out, back) && !strcmp(back, name));
	}
	xt_escaped(name, out, 16);
	invariant(strlen(out) < 16);
	xt_escaped(name, out, sizeof(out));
	for (i = 0; out[i]; i++)
		invariant(out[i] >= 0x20 && out[i] <= 0x7e);
	return 0;
}
