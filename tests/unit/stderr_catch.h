/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Unit tests of code that prints its errors with pr_err(): run fn(arg)
 * with file descriptor 2 on a temporary file and hand back what it wrote,
 * without the last newline.  Returns fn's return value.
 */
#ifndef XT_TEST_STDERR_CATCH_H
#define XT_TEST_STDERR_CATCH_H

#include <stdio.h>
#include <unistd.h>

static inline int stderr_catch(char *buf, size_t len, int (*fn)(void *),
			       void *arg)
{
	FILE *tmp = tmpfile();
	int saved = dup(2), ret;
	size_t n;

	fflush(stderr);
	dup2(fileno(tmp), 2);
	ret = fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	fclose(tmp);
	return ret;
}

#endif
