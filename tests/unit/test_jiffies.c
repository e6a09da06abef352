// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xt_jiffy_ns_from(): the state windows' ns per jiffy from a kernel
 * config, plain or gzipped; 0 (the coarse clock) when it says no HZ.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include "ruleset_load.h"

static char path[] = "/tmp/xt_jiffies_XXXXXX";

static void config_write(const char *text, int gz)
{
	int fd = mkstemp(path);
	gzFile g;
	FILE *f;

	assert_true(fd >= 0);
	close(fd);
	if (gz) {
		g = gzopen(path, "w");
		assert_non_null(g);
		gzputs(g, text);
		gzclose(g);
	} else {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	}
}

static void config_done(void)
{
	unlink(path);
	snprintf(path, sizeof(path), "/tmp/xt_jiffies_XXXXXX");
}

static const char cfg250[] =
	"# CONFIG_HZ_100 is not set\nCONFIG_HZ_250=y\n"
	"# CONFIG_HZ_1000 is not set\nCONFIG_HZ=250\nCONFIG_SCHED_HRTICK=y\n";

static void plain_config(void **state)
{
	config_write(cfg250, 0);
	assert_int_equal(xt_jiffy_ns_from(path), 4000000);
	config_done();
}

static void gzipped_config(void **state)
{
	config_write("CONFIG_HZ_300=y\nCONFIG_HZ=300\n", 1);
	assert_int_equal(xt_jiffy_ns_from(path), 3333333);
	config_done();
	config_write("CONFIG_HZ=1000\n", 1);
	assert_int_equal(xt_jiffy_ns_from(path), 1000000);
	config_done();
}

static void no_hz_is_zero(void **state)
{
	config_write("CONFIG_HZ_250=y\n", 0);
	assert_int_equal(xt_jiffy_ns_from(path), 0);
	config_done();
	config_write("CONFIG_HZ=7\n", 0);	/* not a kernel's */
	assert_int_equal(xt_jiffy_ns_from(path), 0);
	config_done();
	assert_int_equal(xt_jiffy_ns_from("/nonexistent/config"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_config),
		cmocka_unit_test(gzipped_config),
		cmocka_unit_test(no_hz_is_zero),
	};

	return cmocka_run_group_tests_name("jiffies", tests, NULL, NULL);
}
