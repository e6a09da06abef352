// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The JSON writer (user/json.h): commas by depth, the one escaping rule,
 * a bounded line that stops short instead of overflowing, and a FILE
 * writer that spills a document larger than its buffer intact.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "json.h"

static void text_is(const struct xt_json *j, const char *want)
{
	char got[XT_JSON_BUF + 1];

	memcpy(got, j->b, j->n);
	got[j->n] = '\0';
	assert_string_equal(got, want);
}

static void commas_by_depth(void **state)
{
	struct xt_json j;

	xt_json_init(&j, NULL);
	xt_json_obj_open(&j);
	xt_json_kv_u64(&j, "a", 0);
	xt_json_key_lit(&j, "b");
	xt_json_arr_open(&j);
	xt_json_u64(&j, 18446744073709551615ULL);
	xt_json_obj_open(&j);
	xt_json_obj_close(&j);
	xt_json_arr_open(&j);
	xt_json_arr_close(&j);
	xt_json_null(&j);
	xt_json_arr_close(&j);
	xt_json_key(&j, "c");
	xt_json_fixed(&j, 0.12345, 4);
	xt_json_kv_bool(&j, "d", false);
	xt_json_obj_close(&j);
	text_is(&j, "{\"a\":0,\"b\":[18446744073709551615,{},[],null],"
		    "\"c\":0.1235,\"d\":false}");
}

/* '"' and '\' escaped, control characters and DEL as \u00XX, UTF-8 as is. */
static void one_escaping_rule(void **state)
{
	struct xt_json j;

	xt_json_init(&j, NULL);
	xt_json_str(&j, "q\"b\\n\nt\tx\x01\x1f\x7f caf\xc3\xa9");
	text_is(&j, "\"q\\\"b\\\\n\\u000at\\u0009x\\u0001\\u001f\\u007f "
		    "caf\xc3\xa9\"");
	/* Keys follow the same rule. */
	xt_json_init(&j, NULL);
	xt_json_obj_open(&j);
	xt_json_key(&j, "k\"");
	xt_json_u64(&j, 1);
	xt_json_obj_close(&j);
	text_is(&j, "{\"k\\\"\":1}");
}

/* A bounded line keeps what fits and never writes past its buffer. */
static void bounded_stops_short(void **state)
{
	static char big[3 * XT_JSON_BUF];
	volatile size_t biglen = sizeof(big) - 1;	/* not folded */
	struct xt_json *j = malloc(sizeof(*j) + 64);
	int i;

	assert_non_null(j);
	memset(big, 'a', sizeof(big) - 1);
	memset((char *)j + sizeof(*j), 0x5a, 64);	/* a guard after it */
	xt_json_init(j, NULL);
	xt_json_str(j, big);
	assert_true(j->n <= XT_JSON_BUF);
	assert_true(j->n >= XT_JSON_BUF - 8);
	xt_json_raw(j, big, biglen);
	assert_int_equal(j->n, XT_JSON_BUF);
	for (i = 0; i < 64; i++)
		assert_int_equal(((unsigned char *)j)[sizeof(*j) + i], 0x5a);
	free(j);
}

/* With a FILE, a document longer than the buffer comes out whole. */
static void file_spills_whole(void **state)
{
	static char big[3 * XT_JSON_BUF];
	struct xt_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	memset(big, 'b', sizeof(big) - 1);
	xt_json_init(&j, f);
	xt_json_arr_open(&j);
	xt_json_str(&j, big);
	xt_json_raw(&j, big, 10);
	xt_json_arr_close(&j);
	xt_json_flush(&j);
	fclose(f);
	assert_int_equal(len, 1 + 1 + sizeof(big) - 1 + 1 + 1 + 10 + 1);
	assert_memory_equal(buf, "[\"bbb", 5);
	assert_memory_equal(buf + len - 13, "\",bbbbbbbbbb]", 13);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commas_by_depth),
		cmocka_unit_test(one_escaping_rule),
		cmocka_unit_test(bounded_stops_short),
		cmocka_unit_test(file_spills_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
