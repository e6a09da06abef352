/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one JSON writer: `stats --json` and `replay --json` both write
 * through it, so a name prints the same in both.
 *
 * Output is built in a buffer and written in large pieces: replay writes a
 * line per frame at a few hundred thousand frames a second, where a dozen
 * fprintf calls per frame cost more than the test run itself
 * (docs/performance.md).  The small calls are inline; keys known at compile
 * time are copied with their quotes and colon in one memcpy.
 *
 * Two modes:
 * - with a FILE, the buffer is written out whenever it fills and at
 *   xt_json_flush(): documents of any size;
 * - without one, the buffer is all there is (one replay line, handed to
 *   the thread that writes lines in order): what does not fit is left out,
 *   and the caller finds the text in b[0..n).
 *
 * Commas are the writer's business: xt_json_key() and every value put one
 * before themselves where an element came before at the same depth.
 *
 * One escaping rule (xt_json_str): '"' and '\' get a backslash; control
 * characters and DEL become \u00XX; every other byte, UTF-8 included,
 * passes as it is.
 */
#ifndef XDPTAG_JSON_H
#define XDPTAG_JSON_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>

#define XT_JSON_BUF	4096
#define XT_JSON_DEPTH	63

struct xt_json {
	FILE *f;		/* NULL: a bounded buffer, nothing written */
	size_t n;		/* bytes in b */
	unsigned int depth;	/* open objects and arrays */
	bool key;		/* a key was written: its value takes no comma */
	__u64 more;		/* bit d: depth d has an element already */
	char b[XT_JSON_BUF];
};

/* f NULL: bounded; see above.  Also clears a bounded writer for reuse. */
void xt_json_init(struct xt_json *j, FILE *f);

/* With a FILE: write out what is buffered. */
void xt_json_flush(struct xt_json *j);

/* The slow path of xt_json_mem(): the buffer is full. */
void xt_json_spill(struct xt_json *j, const char *s, size_t l);

/* Raw bytes, no comma, no escaping: punctuation the caller owns. */
static inline void xt_json_mem(struct xt_json *j, const char *s, size_t l)
{
	if (l > sizeof(j->b) - j->n) {
		xt_json_spill(j, s, l);
		return;
	}
	memcpy(j->b + j->n, s, l);
	j->n += l;
}

#define xt_json_lit(j, lit)	xt_json_mem((j), "" lit, sizeof(lit) - 1)

/* Whether the next element at this depth follows another (and so a comma). */
static inline bool xt_json_more(struct xt_json *j)
{
	__u64 bit = 1ULL << j->depth;
	bool more = j->more & bit;

	j->more |= bit;
	return more;
}

/* The comma before a value, unless it is the value of a key. */
static inline void xt_json_sep(struct xt_json *j)
{
	if (j->key)
		j->key = false;
	else if (xt_json_more(j))
		xt_json_lit(j, ",");
}

/*
 * A key known at compile time: its comma, quotes and colon are part of
 * the literal, so the key is one copy.
 */
#define xt_json_key_lit(j, k)						\
	do {								\
		if (xt_json_more(j))					\
			xt_json_lit((j), ",\"" k "\":");			\
		else							\
			xt_json_lit((j), "\"" k "\":");			\
		(j)->key = true;					\
	} while (0)

/* Any key, escaped as a string is. */
void xt_json_key(struct xt_json *j, const char *k);

/* Nesting deeper than XT_JSON_DEPTH stays at that depth. */
static inline void xt_json_open(struct xt_json *j, const char *c)
{
	xt_json_sep(j);
	xt_json_mem(j, c, 1);
	if (j->depth < XT_JSON_DEPTH)
		j->depth++;
	j->more &= ~(1ULL << j->depth);
}

static inline void xt_json_close(struct xt_json *j, const char *c)
{
	if (j->depth)
		j->depth--;
	xt_json_mem(j, c, 1);
}

#define xt_json_obj_open(j)	xt_json_open((j), "{")
#define xt_json_obj_close(j)	xt_json_close((j), "}")
#define xt_json_arr_open(j)	xt_json_open((j), "[")
#define xt_json_arr_close(j)	xt_json_close((j), "]")

/* Values. */
static inline void xt_json_u64(struct xt_json *j, unsigned long long v)
{
	char t[24];
	int i = sizeof(t);

	xt_json_sep(j);
	do {
		t[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	xt_json_mem(j, t + i, sizeof(t) - i);
}

static inline void xt_json_bool(struct xt_json *j, bool v)
{
	xt_json_sep(j);
	if (v)
		xt_json_lit(j, "true");
	else
		xt_json_lit(j, "false");
}

static inline void xt_json_null(struct xt_json *j)
{
	xt_json_sep(j);
	xt_json_lit(j, "null");
}

/* A value already in JSON (a string escaped once up front, a literal). */
static inline void xt_json_raw(struct xt_json *j, const char *s, size_t l)
{
	xt_json_sep(j);
	xt_json_mem(j, s, l);
}

/* A key known at compile time and its value, in one line. */
#define xt_json_kv_u64(j, k, v)						\
	do {								\
		xt_json_key_lit(j, k);					\
		xt_json_u64(j, v);					\
	} while (0)
#define xt_json_kv_bool(j, k, v)					\
	do {								\
		xt_json_key_lit(j, k);					\
		xt_json_bool(j, v);					\
	} while (0)

/* A number with a fixed count of decimals, as "%.*f" prints it. */
void xt_json_fixed(struct xt_json *j, double v, int decimals);
void xt_json_str(struct xt_json *j, const char *s);

#endif /* XDPTAG_JSON_H */
