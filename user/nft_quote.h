/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Names in the text `xdptag nft` prints: an interface name as an nft
 * string and as a shell word (the iptables comments are meant to be
 * pasted), and class names as nft identifiers.
 */
#ifndef XDPTAG_NFT_QUOTE_H
#define XDPTAG_NFT_QUOTE_H

#include <stddef.h>

/*
 * "NAME", quotes included, into out; -EINVAL if nft cannot take the name
 * literally: a '"' (nft strings have no escapes), a '\', a trailing '*'
 * (a wildcard in iifname), a byte outside printable ASCII; -ENOSPC if out
 * is too small.
 */
int xt_nft_string(const char *name, char *out, size_t len);

/* name as one shell word: bare when plain, else in single quotes. */
int xt_shell_word(const char *name, char *out, size_t len);

/* An nft identifier (a counter name): letters, digits, '_', '-'. */
int xt_nft_ident_ok(const char *name);

/* name for a message: bytes outside printable ASCII and '\' as \xHH. */
const char *xt_escaped(const char *name, char *out, size_t len);

#endif
