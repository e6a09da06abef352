/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one number syntax of xdptag, for the command line (user/opt.c) and
 * the rules file (user/rules_file.c) alike (docs/cli.md, docs/rules.md):
 *
 *   decimal   0, 10, 4294967295    no leading zero
 *   hex       0x10, 0XfF, 0x00ff   0x or 0X and at least one hex digit
 *
 * Nothing else: no sign, no spaces, no suffix.  A leading zero before
 * decimal digits ("010") is refused: strtoul reads it as octal (8), a
 * YAML reader as decimal (10), and a mask must not depend on which.
 */
#ifndef XDPTAG_NUM_H
#define XDPTAG_NUM_H

/*
 * Parse s into *v: 0, -EINVAL (not a number), -EDOM (a leading zero) or
 * -ERANGE (above max).  *v is set only on success.
 */
int xt_num_parse(const char *s, unsigned long long max, unsigned long long *v);

/*
 * Why xt_num_parse refused s, one clause for after "'s' " in an error
 * line: "is not a number in 0-255" (min and max printed as given) or
 * "has a leading zero: write 10 or 0x10, never 010" style advice.
 */
const char *xt_num_why(int err, unsigned long long min, unsigned long long max,
		       char *buf, size_t len);

#endif
