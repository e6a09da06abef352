// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The rules file: YAML (docs/rules.md) parsed with libyaml's document API
 * into struct xt_rules_file.  The whole file is checked before anything is
 * returned, and every problem is reported with its line and column, so one
 * run of `xdptag rules check` shows all that is wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>
#include "names.h"
#include "num.h"
#include "pins.h"
#include "rules_file.h"

#define MAX_ERRORS	100

/* One message, kept until the whole file is checked, then sorted. */
struct msg {
	size_t line, col, seq;	/* where in the rules file, for the order */
	char text[512];		/* not malloc'd: "out of memory" must show */
};

struct ctx {
	const char *label;	/* file name used in messages */
	char dir[256];		/* directory of the file, for src_file */
	FILE *errf;
	yaml_document_t *doc;
	struct xt_rules_file *f;
	unsigned int nerr;
	struct msg msgs[MAX_ERRORS];
	const yaml_mark_t *in_file;	/* reading a prefix file named here */
	yaml_mark_t rule_mark[XT_MAX_RULES];
	yaml_mark_t rules_mark;
	size_t nprefixes;	/* all rules so far, for XT_MAX_PREFIXES */
	/* Short prefixes (up to /16) already in the list seen_ps, by family,
	 * as bit (1 << plen | first plen bits): see prefix_add(). */
	struct xt_prefixes *seen_ps;
	uint64_t seen[2][(2 << XT_L1_BITS) / 64];
};

/*
 * Record an error at m in file (NULL: the rules file).  Errors are checked
 * key by key, not in file order; they are printed sorted by position, those
 * of a prefix file at the key that names it.
 */
__attribute__((format(printf, 4, 5)))
static void err_at(struct ctx *c, const char *file, const yaml_mark_t *m,
		   const char *fmt, ...)
{
	const yaml_mark_t *key = c->in_file ? c->in_file : m;
	struct msg *e;
	va_list ap;
	int n;

	if (++c->nerr > MAX_ERRORS)
		return;
	e = &c->msgs[c->nerr - 1];
	e->line = key->line;
	e->col = key->column;
	e->seq = c->nerr;
	n = snprintf(e->text, sizeof(e->text), "%s:%zu:%zu: error: ",
		     file ? file : c->label, m->line + 1, m->column + 1);
	if (n < 0 || (size_t)n >= sizeof(e->text))
		return;
	va_start(ap, fmt);
	vsnprintf(e->text + n, sizeof(e->text) - n, fmt, ap);
	va_end(ap);
}

static int msg_cmp(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : 1;
}

static void err_flush(struct ctx *c)
{
	unsigned int i, n = c->nerr < MAX_ERRORS ? c->nerr : MAX_ERRORS;

	qsort(c->msgs, n, sizeof(c->msgs[0]), msg_cmp);
	for (i = 0; i < n; i++)
		fprintf(c->errf, "%s\n", c->msgs[i].text);
	if (c->nerr > MAX_ERRORS)
		fprintf(c->errf, "%s: error: %u more errors not shown\n",
			c->label, c->nerr - MAX_ERRORS);
}

#define err(c, node, ...) err_at(c, NULL, &(node)->start_mark, __VA_ARGS__)

static yaml_node_t *node_get(struct ctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a value";
	}
}

/* ----------------------------------------------------- bounded input --- */

/*
 * Open path for reading if it is a regular file: an fd (its size in *st),
 * or -1 with why said.  O_NONBLOCK keeps open() itself from waiting for a
 * FIFO's writer.
 */
static int regular_open(const char *path, struct stat *st, char *why,
			size_t whylen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, st)) {
		snprintf(why, whylen, "%s", strerror(errno));
	} else if (S_ISDIR(st->st_mode)) {
		snprintf(why, whylen, "%s", strerror(EISDIR));
	} else if (!S_ISREG(st->st_mode)) {
		snprintf(why, whylen, "not a regular file");
	} else {
		return fd;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

int xt_file_check(const char *path, char *why, size_t whylen)
{
	struct stat st;
	int fd = regular_open(path, &st, why, whylen);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/*
 * Read all of path into a NUL-terminated buffer of at most max bytes.  Only
 * a regular file ends for sure: a FIFO without a writer blocks, one fed by
 * `yes` never ends, nor does a device such as /dev/zero.  A file that grows
 * while it is read is refused at max all the same.  On error, why says
 * what.
 */
static int read_bounded(const char *path, size_t max, char **out,
			size_t *outlen, char *why, size_t whylen)
{
	size_t len = 0, cap;
	struct stat st;
	char *buf, *nb;
	ssize_t n;
	int fd;

	fd = regular_open(path, &st, why, whylen);
	if (fd < 0)
		goto fail;
	if ((uint64_t)st.st_size > max)
		goto too_big;
	cap = st.st_size + 1;		/* one more: EOF is seen at once */
	buf = malloc(cap + 1);
	if (!buf) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	for (;;) {
		if (len == cap) {
			if (cap > max)
				break;
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				snprintf(why, whylen, "out of memory");
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, whylen, "%s", strerror(errno));
			free(buf);
			goto fail;
		}
		if (!n)
			break;
		len += n;
	}
	if (len > max) {
		free(buf);
		goto too_big;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
too_big:
	snprintf(why, whylen, "larger than %zu bytes (the limit)", max);
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* ------------------------------------------------------------ values --- */

/* A 32-bit number in the one syntax of user/num.h: 0 or its -errno. */
static int parse_u32(const char *s, uint32_t *v)
{
	unsigned long long x;
	int err = xt_num_parse(s, UINT32_MAX, &x);

	if (!err)
		*v = x;
	return err;
}

/*
 * A number of 0-max, or 1-max where zero says why 0 is refused: 0, or
 * -EINVAL after the error.
 */
static int scalar_u32(struct ctx *c, yaml_node_t *n, const char *what,
		      uint32_t max, const char *zero, uint32_t *v)
{
	char why[96];
	int ret;

	if (n->type != YAML_SCALAR_NODE) {
		err(c, n, "%s: expected a number, not %s", what, node_kind(n));
		return -EINVAL;
	}
	ret = parse_u32(scalar(n), v);
	if (ret == -EDOM) {
		err(c, n, "%s: '%s' %s", what, scalar(n),
		    xt_num_why(ret, 0, max, why, sizeof(why)));
		return -EINVAL;
	}
	if (ret) {
		err(c, n, "%s: bad number '%s'", what, scalar(n));
		return -EINVAL;
	}
	if (!*v && zero) {
		err(c, n, "%s", zero);
		return -EINVAL;
	}
	if (*v > max) {
		err(c, n, "%s %u out of range %u-%u", what, *v, !!zero, max);
		return -EINVAL;
	}
	return 0;
}

struct name_val {
	const char *name;
	uint32_t val;
};

static const struct name_val proto_names[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 },
	{ "gre", 47 },
	{ "esp", 50 }, { "ah", 51 }, { "icmpv6", 58 }, { "sctp", 132 },
	{ NULL, 0 },
};

/* ICMP and ICMPv6 names (nft's); echo-request etc. differ between them. */
static const struct name_val icmp4_types[] = {
	{ "echo-reply", 0 }, { "destination-unreachable", 3 },
	{ "source-quench", 4 }, { "redirect", 5 }, { "echo-request", 8 },
	{ "router-advertisement", 9 }, { "router-solicitation", 10 },
	{ "time-exceeded", 11 }, { "parameter-problem", 12 },
	{ "timestamp-request", 13 }, { "timestamp-reply", 14 },
	{ "info-request", 15 }, { "info-reply", 16 },
	{ "address-mask-request", 17 }, { "address-mask-reply", 18 },
	{ NULL, 0 },
};

static const struct name_val icmp6_types[] = {
	{ "destination-unreachable", 1 }, { "packet-too-big", 2 },
	{ "time-exceeded", 3 }, { "parameter-problem", 4 },
	{ "echo-request", 128 }, { "echo-reply", 129 },
	{ "mld-listener-query", 130 }, { "mld-listener-report", 131 },
	{ "mld-listener-done", 132 }, { "nd-router-solicit", 133 },
	{ "nd-router-advert", 134 }, { "nd-neighbor-solicit", 135 },
	{ "nd-neighbor-advert", 136 }, { "nd-redirect", 137 },
	{ NULL, 0 },
};

static const struct name_val icmp4_codes[] = {
	{ "net-unreachable", 0 }, { "host-unreachable", 1 },
	{ "prot-unreachable", 2 }, { "port-unreachable", 3 },
	{ "frag-needed", 4 }, { "net-prohibited", 9 },
	{ "host-prohibited", 10 }, { "admin-prohibited", 13 },
	{ NULL, 0 },
};

static int name_find(const struct name_val *t, const char *s, uint32_t *v)
{
	for (; t && t->name; t++)
		if (!strcmp(t->name, s)) {
			*v = t->val;
			return 0;
		}
	return -ENOENT;
}

/* Which value tables a name may come from, for one field. */
struct field {
	const char *what;		/* "port", "protocol", ... */
	uint32_t max;
	const struct name_val *names[2];
	bool named;			/* the field has names at all */
	const char *note;		/* why some are not allowed here */
};

/* One bound of an item: a number, or an error naming part and field. */
static int item_bound(struct ctx *c, yaml_node_t *n, const struct field *fd,
		      const char *s, const char *part, uint32_t *v)
{
	char why[96];
	int err_num = parse_u32(part, v);

	if (!err_num)
		return 0;
	if (fd->named && !(part[0] >= '0' && part[0] <= '9'))
		err(c, n, "unknown %s '%s'%s", fd->what, s,
		    fd->note ? fd->note : "");
	else if (part == s)
		err(c, n, "%s '%s' %s", fd->what, s,
		    xt_num_why(err_num, 0, fd->max, why, sizeof(why)));
	else
		err(c, n, "%s range '%s': '%s' %s", fd->what, s, part,
		    xt_num_why(err_num, 0, fd->max, why, sizeof(why)));
	return -EINVAL;
}

static int add_range(struct ctx *c, yaml_node_t *n, struct xt_ranges *rg,
		     uint32_t lo, uint32_t hi, bool neg)
{
	if (neg ? xt_ranges_add_not(rg, lo, hi) : xt_ranges_add(rg, lo, hi)) {
		err(c, n, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* One item: a name, a number, or "lo-hi"; a leading '!' negates it. */
static int range_item(struct ctx *c, yaml_node_t *n, const struct field *fd,
		      struct xt_ranges *rg)
{
	const char *s = scalar(n);
	bool neg = s[0] == '!';
	uint32_t lo, hi, v;
	bool named = false;
	const char *dash;
	char buf[32];
	int i;

	s += neg;
	for (i = 0; i < 2; i++) {
		if (fd->names[i] && !name_find(fd->names[i], s, &v)) {
			if (add_range(c, n, rg, v, v, neg))
				return -ENOMEM;
			named = true;
		}
	}
	if (named)
		return 0;
	dash = strchr(s, '-');
	if (dash && dash != s && strlen(s) < sizeof(buf) &&
	    s[0] >= '0' && s[0] <= '9') {
		memcpy(buf, s, dash - s);
		buf[dash - s] = '\0';
		if (item_bound(c, n, fd, s, buf, &lo) ||
		    item_bound(c, n, fd, s, dash + 1, &hi))
			return -EINVAL;
		if (lo > hi) {
			err(c, n, "bad %s range '%s': %u is above %u",
			    fd->what, s, lo, hi);
			return -EINVAL;
		}
	} else {
		if (item_bound(c, n, fd, s, s, &lo))
			return -EINVAL;
		hi = lo;
	}
	if (hi > fd->max) {
		err(c, n, "%s %u out of range 0-%u", fd->what, hi, fd->max);
		return -EINVAL;
	}
	return add_range(c, n, rg, lo, hi, neg);
}

typedef int (*item_fn)(struct ctx *c, yaml_node_t *n, void *arg);

/* A scalar or a non-empty list of scalars; fn runs on each. */
static int each_item(struct ctx *c, const char *key, yaml_node_t *n,
		     item_fn fn, void *arg)
{
	yaml_node_item_t *it;
	int ret = 0;

	if (n->type == YAML_SCALAR_NODE)
		return fn(c, n, arg);
	if (n->type != YAML_SEQUENCE_NODE) {
		err(c, n, "%s: expected a value or a list, not a mapping", key);
		return -EINVAL;
	}
	if (n->data.sequence.items.start == n->data.sequence.items.top) {
		err(c, n, "%s: empty list (omit the key to match anything)",
		    key);
		return -EINVAL;
	}
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *i = node_get(c, *it);

		if (i->type != YAML_SCALAR_NODE) {
			err(c, i, "%s: expected a value, not %s", key,
			    node_kind(i));
			ret = -EINVAL;
			continue;
		}
		if (fn(c, i, arg))
			ret = -EINVAL;
	}
	return ret;
}

struct ranges_arg {
	const struct field *fd;
	struct xt_ranges *rg;
};

static int ranges_item(struct ctx *c, yaml_node_t *n, void *arg)
{
	struct ranges_arg *a = arg;

	return range_item(c, n, a->fd, a->rg);
}

static int range_cmp(const void *a, const void *b)
{
	const struct xt_range *x = a, *y = b;

	/* Plain ranges, then negated ones: the two kinds never merge. */
	if (x->neg != y->neg)
		return x->neg ? 1 : -1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

/*
 * Does the condition rg let value v through (docs/rules.md, "Negation"): in
 * one of its plain ranges, or it has none, and in none of its negated ones.
 * A condition with no ranges lets everything through.
 */
static bool ranges_admit(const struct xt_ranges *rg, uint32_t v)
{
	bool plain = false, in_plain = false;
	size_t i;

	for (i = 0; i < rg->n; i++) {
		bool in = rg->r[i].lo <= v && v <= rg->r[i].hi;

		if (rg->r[i].neg && in)
			return false;
		plain |= !rg->r[i].neg;
		in_plain |= !rg->r[i].neg && in;
	}
	return !plain || in_plain;
}

/*
 * Whether rg lets no value of 0-max through: its negated items take out
 * all its plain ones.  The least value let through, if any, is a plain
 * range's low end (0 without plain ranges) or the value after a negated
 * range: only those are tried.
 */
static bool ranges_none(const struct xt_ranges *rg, uint32_t max)
{
	size_t i;

	if (!rg->n || ranges_admit(rg, 0))
		return false;
	for (i = 0; i < rg->n; i++) {
		uint32_t v = rg->r[i].neg ? rg->r[i].hi + 1 : rg->r[i].lo;

		if ((!rg->r[i].neg || rg->r[i].hi < max) && v <= max &&
		    ranges_admit(rg, v))
			return false;
	}
	return true;
}

static int parse_ranges(struct ctx *c, const char *key, yaml_node_t *n,
			const struct field *fd, struct xt_ranges *rg)
{
	struct ranges_arg a = { fd, rg };
	uint64_t width = 0;
	size_t i, k;
	int ret;

	ret = each_item(c, key, n, ranges_item, &a);
	if (!ret && ranges_none(rg, fd->max)) {
		err(c, n, "%s: its negated items take out every value the others let through: it never matches",
		    key);
		return -EINVAL;
	}
	/*
	 * The compiler writes each value of each range: a long list of wide,
	 * overlapping ranges would cost it billions of writes.  Such a list
	 * is sorted and its overlaps merged, so it costs at most one write per
	 * value; any other list is left as written.
	 */
	for (i = 0; i < rg->n; i++)
		width += (uint64_t)rg->r[i].hi - rg->r[i].lo + 1;
	if (width <= (uint64_t)fd->max + 1)
		return ret;
	qsort(rg->r, rg->n, sizeof(rg->r[0]), range_cmp);
	for (i = 1, k = 0; i < rg->n; i++) {
		if (rg->r[i].neg == rg->r[k].neg &&
		    rg->r[i].lo <= rg->r[k].hi) {
			if (rg->r[i].hi > rg->r[k].hi)
				rg->r[k].hi = rg->r[i].hi;
		} else {
			rg->r[++k] = rg->r[i];
		}
	}
	rg->n = k + 1;
	return ret;
}

static void short_seen_bit(struct ctx *c, const struct xt_prefix *p,
			   uint64_t **word, uint64_t *bit)
{
	uint32_t idx = (1U << p->plen) |
		       ((uint32_t)p->addr[0] << 8 | p->addr[1]) >>
		       (XT_L1_BITS - p->plen);

	*word = &c->seen[p->family == 6][idx / 64];
	*bit = 1ULL << (idx % 64);
}

/* Forget the short prefixes of the list seen last (before it is freed). */
static void short_seen_reset(struct ctx *c)
{
	uint64_t *w, b;
	size_t i;

	for (i = 0; c->seen_ps && i < c->seen_ps->n; i++)
		if (c->seen_ps->p[i].plen <= XT_L1_BITS) {
			short_seen_bit(c, &c->seen_ps->p[i], &w, &b);
			*w &= ~b;
		}
	c->seen_ps = NULL;
}

/*
 * Append p to ps, within the limit on prefixes.  A prefix of up to /16
 * costs the compiler one write per /16 it covers (65,536 for a /0), so a
 * duplicate of one already in the list is dropped: with that, a list costs
 * at most 17 x 65,536 writes per family however long it is.  Longer
 * prefixes cost at most 128 table entries each, which the compiler caps.
 * Returns 0, or -1 with the error recorded at n.
 */
static int prefix_add(struct ctx *c, yaml_node_t *n, struct xt_prefixes *ps,
		      const struct xt_prefix *p)
{
	uint64_t *w, b;

	if (++c->nprefixes > XT_MAX_PREFIXES) {
		if (c->nprefixes == XT_MAX_PREFIXES + 1)
			err(c, n, "more than %d prefixes in all rules (limit)",
			    XT_MAX_PREFIXES);
		return -1;
	}
	/* Duplicates are dropped; a negated prefix is never one. */
	if (p->plen <= XT_L1_BITS && !p->neg) {
		if (c->seen_ps != ps) {
			/* Clear only what the previous list set. */
			short_seen_reset(c);
			c->seen_ps = ps;
		}
		short_seen_bit(c, p, &w, &b);
		if (*w & b)
			return 0;
		*w |= b;
	}
	if (xt_prefixes_add(ps, p)) {
		err(c, n, "out of memory");
		return -1;
	}
	return 0;
}

static int prefix_item(struct ctx *c, yaml_node_t *n, void *arg)
{
	const char *s = scalar(n);
	bool neg = s[0] == '!';
	struct xt_prefix p;

	if (xt_prefix_parse(s + neg, &p)) {
		err(c, n, "bad prefix '%s'", s);
		return -EINVAL;
	}
	p.neg = neg;
	return prefix_add(c, n, arg, &p) ? -EINVAL : 0;
}

/*
 * Up to 40 bytes of s for an error message, anything not printable ASCII
 * as '?': a line of a prefix file may hold anything, terminal escapes too.
 */
static const char *printable(const char *s, size_t len, char *buf,
			     size_t size)
{
	size_t i, n = len < 40 ? len : 40;

	if (n > size - 4)
		n = size - 4;
	for (i = 0; i < n; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	strcpy(buf + n, len > n ? "..." : "");
	return buf;
}

/*
 * A prefix file: one prefix per line, '#' comments, blank lines; lines of
 * any length (a long comment is a comment to its end).  Errors name the
 * prefix file and its line, so they are found where they are.
 */
static int prefix_file(struct ctx *c, yaml_node_t *n, void *arg)
{
	char path[512], why[128], shown[48], *buf, *line, *s, *e, *eol;
	const char *name = scalar(n);
	unsigned int lineno = 0;
	struct xt_prefix p;
	size_t len, nread = 0;
	yaml_mark_t m;
	int ret = 0;

	if (name[0] == '/' || !c->dir[0])
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	if (read_bounded(path, XT_PREFIX_FILE_MAX_BYTES, &buf, &len, why,
			 sizeof(why))) {
		err(c, n, "cannot read prefix file '%s': %s", path, why);
		return -EINVAL;
	}
	c->in_file = &n->start_mark;
	for (line = buf; line < buf + len; line = eol + 1) {
		s = line;
		eol = memchr(s, '\n', buf + len - s);
		if (!eol)
			eol = buf + len;
		lineno++;
		m = (yaml_mark_t){ .line = lineno - 1 };
		if (memchr(s, '\0', eol - s)) {
			err_at(c, path, &m, "NUL character in the line");
			ret = -EINVAL;
			continue;
		}
		*eol = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		e = strchr(s, '#');
		if (!e)
			e = eol;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' ||
				 e[-1] == '\r'))
			e--;
		*e = '\0';
		if (!*s)
			continue;
		m.column = s - line;
		if (xt_prefix_parse(s, &p)) {
			err_at(c, path, &m, "bad prefix '%s'",
			       printable(s, e - s, shown, sizeof(shown)));
			ret = -EINVAL;
			continue;
		}
		if (prefix_add(c, n, arg, &p)) {
			ret = -EINVAL;
			break;
		}
		nread++;
	}
	c->in_file = NULL;
	/* No prefix would leave the list empty, which means any address. */
	if (!ret && !nread) {
		err(c, n, "prefix file '%s' has no prefixes (omit the key to match any address)",
		    path);
		ret = -EINVAL;
	}
	free(buf);
	return ret;
}

/* tcp flags, nft style: "syn,ack", "0x12", one side of "VALUE / MASK". */
static int tcp_flag_set(struct ctx *c, yaml_node_t *n, char *s, uint8_t *out)
{
	static const struct name_val names[] = {
		{ "fin", XT_TCP_FIN }, { "syn", XT_TCP_SYN },
		{ "rst", XT_TCP_RST }, { "psh", XT_TCP_PSH },
		{ "ack", XT_TCP_ACK }, { "urg", XT_TCP_URG },
		{ "ecn", XT_TCP_ECE }, { "ece", XT_TCP_ECE },
		{ "cwr", XT_TCP_CWR }, { NULL, 0 },
	};
	char *tok, *next;
	uint32_t v;
	int ret = 0;

	*out = 0;
	/* Split by hand: strtok would pass over "syn,,ack" and "syn /". */
	for (tok = s; tok; tok = next) {
		char *e;

		next = strpbrk(tok, ",|");
		if (next)
			*next++ = '\0';
		while (*tok == ' ')
			tok++;
		e = tok + strlen(tok);
		while (e > tok && e[-1] == ' ')
			*--e = '\0';
		if (!*tok) {
			err(c, n, "tcp_flags '%s': a flag is missing (write 0x0 for none)",
			    scalar(n));
			return -EINVAL;
		}
		if (!name_find(names, tok, &v) ||
		    (!parse_u32(tok, &v) && v <= 0xff)) {
			*out |= v;
			continue;
		}
		err(c, n, "bad tcp flag '%s' (known: fin, syn, rst, psh, ack, urg, ecn, cwr, or a number 0-0xff)",
		    tok);
		ret = -EINVAL;
	}
	return ret;
}

static int tcp_item(struct ctx *c, yaml_node_t *n, void *arg)
{
	struct xt_rule *r = arg;
	char buf[128], *slash;
	uint8_t value, mask;
	int ret;

	if (strlen(scalar(n)) >= sizeof(buf) || !scalar(n)[0]) {
		err(c, n, "bad tcp_flags '%s'", scalar(n));
		return -EINVAL;
	}
	strcpy(buf, scalar(n));
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	ret = tcp_flag_set(c, n, buf, &value);
	if (slash)
		ret |= tcp_flag_set(c, n, slash, &mask);
	else
		mask = value;	/* a bare "syn" means "syn / syn" */
	if (ret)
		return -EINVAL;
	if (value & ~mask) {
		err(c, n, "tcp_flags '%s': value has flags outside the mask, it can never match",
		    scalar(n));
		return -EINVAL;
	}
	if (r->ntcp >= sizeof(r->tcp) / sizeof(r->tcp[0])) {
		err(c, n, "tcp_flags: more than %zu alternatives",
		    sizeof(r->tcp) / sizeof(r->tcp[0]));
		return -EINVAL;
	}
	r->tcp[r->ntcp++] = (struct xt_tcp_cond){ .mask = mask,
						  .value = value };
	return 0;
}

static int feature_item(struct ctx *c, yaml_node_t *n, void *arg)
{
	struct xt_rule *r = arg;
	const char *s = scalar(n);
	bool neg = s[0] == '!';
	int bit = xt_feature_lookup(s + neg);
	char known[256] = "";
	int i;

	if (bit < 0) {
		for (i = 0; xt_feature_names[i]; i++) {
			strcat(known, i ? ", " : "");
			strcat(known, xt_feature_names[i]);
		}
		err(c, n, "unknown feature '%s' (known: %s)", s + neg, known);
		return -EINVAL;
	}
	if (neg)
		r->feat_clear |= bit;
	else
		r->feat_set |= bit;
	if (r->feat_set & r->feat_clear) {
		err(c, n, "feature '%s' both required and excluded", s + neg);
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------- names --- */

#define NAME_CHARS	"abcdefghijklmnopqrstuvwxyz" "ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"0123456789-_"

/* Names end up in pinned maps and in metric labels: keep them plain. */
static int check_name(struct ctx *c, yaml_node_t *n, const char *what,
		      size_t max)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE) {
		err(c, n, "%s name: expected a value, not %s", what,
		    node_kind(n));
		return -EINVAL;
	}
	s = scalar(n);
	if (!*s || strspn(s, NAME_CHARS) != strlen(s)) {
		err(c, n, "bad %s name '%s' (letters, digits, '-', '_')",
		    what, s);
		return -EINVAL;
	}
	if (strlen(s) >= max) {
		err(c, n, "%s name '%s' longer than %zu characters", what, s,
		    max - 1);
		return -EINVAL;
	}
	return 0;
}

/* ---------------------------------------------------------- mappings --- */

/*
 * Look up keys of a mapping against a known list; unknown and duplicate
 * keys are errors.  vals[i] receives the value of known[i] or NULL.
 */
static int map_keys(struct ctx *c, yaml_node_t *n, const char *what,
		    const char *const *known, yaml_node_t **vals)
{
	yaml_node_pair_t *p;
	char list[256];
	int ret = 0;
	size_t i;

	for (i = 0; known[i]; i++)
		vals[i] = NULL;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node_get(c, p->key);

		if (k->type != YAML_SCALAR_NODE) {
			err(c, k, "%s: keys must be plain names", what);
			ret = -EINVAL;
			continue;
		}
		for (i = 0; known[i]; i++)
			if (!strcmp(scalar(k), known[i]))
				break;
		if (!known[i]) {
			list[0] = '\0';
			for (i = 0; known[i]; i++) {
				strcat(list, i ? ", " : "");
				strcat(list, known[i]);
			}
			err(c, k, "unknown key '%s' in %s (known: %s)",
			    scalar(k), what, list);
			ret = -EINVAL;
			continue;
		}
		if (vals[i]) {
			err(c, k, "duplicate key '%s' in %s", known[i], what);
			ret = -EINVAL;
			continue;
		}
		vals[i] = node_get(c, p->value);
	}
	return ret;
}

static yaml_node_t *expect_map(struct ctx *c, yaml_node_t *n,
			       const char *what)
{
	if (n->type == YAML_MAPPING_NODE)
		return n;
	err(c, n, "%s: expected a mapping, not %s", what, node_kind(n));
	return NULL;
}

static void parse_settings(struct ctx *c, yaml_node_t *n)
{
	static const char *const keys[] = { "mark_mask", "mark_shift",
					    "mark_value", "drop_threshold",
					    "state_sources",
					    "state_ipv6_prefix", NULL };
	struct xt_settings *s = &c->f->settings;
	yaml_node_t *v[6];

	if (!expect_map(c, n, "settings"))
		return;
	map_keys(c, n, "settings", keys, v);
	if (v[0] && !scalar_u32(c, v[0], "mark_mask", UINT32_MAX,
				"mark_mask 0 leaves no bits to write",
				&s->mark_mask))
		s->has_mark_mask = true;
	if (v[1] && !scalar_u32(c, v[1], "mark_shift", 31, NULL, &s->mark_shift))
		s->has_mark_shift = true;
	if (v[2]) {
		const char *m = v[2]->type == YAML_SCALAR_NODE ?
				scalar(v[2]) : "";

		char names[64];

		if (xt_name_parse(xt_mark_value_names, m, &s->mark_value))
			err(c, v[2], "mark_value '%s': expected %s", m,
			    xt_names_join(xt_mark_value_names, 0, ", ", " or ",
					  names, sizeof(names)));
		s->has_mark_value = true;
	}
	if (v[3] && !scalar_u32(c, v[3], "drop_threshold", 255, NULL,
				&s->drop_threshold))
		s->has_drop_threshold = true;
	if (v[4])
		scalar_u32(c, v[4], "state_sources", XT_STATE_MAX_ENTRIES,
			   "state_sources 0: the per-source table needs at least one entry",
			   &s->state_sources);
	if (v[5])
		scalar_u32(c, v[5], "state_ipv6_prefix", 128, NULL,
			   &s->state_v6_plen);
}

/* "10s", "500ms", "2m", "1h", or a bare number of seconds. */
static int parse_duration(struct ctx *c, yaml_node_t *n, const char *what,
			  uint64_t *ns)
{
	static const struct { const char *sfx; uint64_t ns; } units[] = {
		{ "ms", 1000000ULL }, { "s", 1000000000ULL },
		{ "m", 60000000000ULL }, { "h", 3600000000000ULL },
		{ "", 1000000000ULL },
	};
	const uint64_t min = 1000000ULL, max = 3600000000000ULL;
	char buf[32];
	size_t i, l;
	uint32_t v;

	if (n->type != YAML_SCALAR_NODE) {
		err(c, n, "%s: expected a duration such as 10s, not %s", what,
		    node_kind(n));
		return -EINVAL;
	}
	l = strlen(scalar(n));
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t sl = strlen(units[i].sfx);

		if (l <= sl || l - sl >= sizeof(buf) ||
		    strcmp(scalar(n) + l - sl, units[i].sfx))
			continue;
		memcpy(buf, scalar(n), l - sl);
		buf[l - sl] = '\0';
		/* Bounded before the product, which could wrap. */
		if (parse_u32(buf, &v) || v > max / units[i].ns)
			break;
		*ns = v * units[i].ns;
		if (*ns < min)
			break;
		return 0;
	}
	err(c, n, "%s: bad duration '%s' (1ms to 1h, such as 10s or 500ms)",
	    what, scalar(n));
	return -EINVAL;
}

/* rate: {pps: N} or {bps: N} (bytes per second). */
static void parse_rate(struct ctx *c, yaml_node_t *n, struct xt_rule *r)
{
	static const char *const keys[] = { "pps", "bps", NULL };
	yaml_node_t *v[2];
	uint32_t lim;

	if (!expect_map(c, n, "rate") || map_keys(c, n, "rate", keys, v))
		return;
	if (!!v[0] == !!v[1]) {
		err(c, n, "rate: give exactly one of pps, bps");
		return;
	}
	if (scalar_u32(c, v[0] ? v[0] : v[1], v[0] ? "pps" : "bps",
		       UINT32_MAX,
		       "rate 0 would match every packet: omit the condition",
		       &lim))
		return;
	r->st_kind = v[0] ? XT_ST_PPS : XT_ST_BPS;
	r->st_limit = lim;
}

/* fanout: {dst_ports: N, window: 10s} or {dst_addrs: N, ...}. */
static void parse_fanout(struct ctx *c, yaml_node_t *n, struct xt_rule *r)
{
	static const char *const keys[] = { "dst_ports", "dst_addrs",
					    "window", NULL };
	yaml_node_t *v[3];
	uint64_t win = XT_FANOUT_WINDOW_NS;
	uint32_t lim;

	if (!expect_map(c, n, "fanout") || map_keys(c, n, "fanout", keys, v))
		return;
	if (!!v[0] == !!v[1]) {
		err(c, n, "fanout: give exactly one of dst_ports, dst_addrs");
		return;
	}
	if (scalar_u32(c, v[0] ? v[0] : v[1], v[0] ? "dst_ports" : "dst_addrs",
		       XT_FANOUT_MAX,
		       "fanout 0 would match every packet: omit the condition",
		       &lim))
		return;
	if (v[2] && parse_duration(c, v[2], "window", &win))
		return;
	r->st_kind = v[0] ? XT_ST_DPORTS : XT_ST_DADDRS;
	r->st_limit = lim;
	r->st_window_ns = win;
}

static void parse_classes(struct ctx *c, yaml_node_t *n)
{
	static const char *const keys[] = { "id", "name", NULL };
	struct xt_rules_file *f = c->f;
	yaml_node_item_t *it;
	yaml_node_t *v[2];
	uint32_t id;
	size_t i;

	if (n->type != YAML_SEQUENCE_NODE) {
		err(c, n, "classes: expected a list, not %s", node_kind(n));
		return;
	}
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *cl = node_get(c, *it);
		int bad = 0;

		if (!expect_map(c, cl, "class"))
			continue;
		if (map_keys(c, cl, "class", keys, v))
			bad = 1;
		if (!v[0] || !v[1]) {
			err(c, cl, "class: missing required key '%s'",
			    v[0] ? "name" : "id");
			continue;
		}
		if (scalar_u32(c, v[0], "class id", 255,
			       "class id 0 is reserved for unclassified", &id) ||
		    check_name(c, v[1], "class", XT_CLASS_NAME_MAX) || bad)
			continue;
		for (i = 0; i < f->nclasses; i++) {
			if (f->classes[i].id == id)
				err(c, v[0], "duplicate class id %u", id);
			if (!strcmp(f->classes[i].name, scalar(v[1])))
				err(c, v[1], "duplicate class name '%s'",
				    scalar(v[1]));
			if (f->classes[i].id == id ||
			    !strcmp(f->classes[i].name, scalar(v[1])))
				break;
		}
		if (i < f->nclasses)
			continue;
		f->classes[f->nclasses].id = id;
		snprintf(f->classes[f->nclasses].name, XT_NAME_MAX, "%s",
			 scalar(v[1]));
		f->nclasses++;
	}
}

enum { M_SRC, M_SRC_FILE, M_DST, M_DST_FILE, M_PROTO, M_SPORT, M_DPORT,
       M_TCP_FLAGS, M_ICMP_TYPE, M_ICMP_CODE, M_LEN, M_TTL, M_VLAN,
       M_FEATURES, M_RATE, M_FANOUT, M_N };

static void parse_match(struct ctx *c, yaml_node_t *n, struct xt_rule *r)
{
	static const char *const keys[] = {
		"src", "src_file", "dst", "dst_file", "proto", "sport",
		"dport", "tcp_flags", "icmp_type", "icmp_code", "len", "ttl",
		"vlan", "features", "rate", "fanout", NULL,
	};
	const struct field f_proto = { "protocol", 255, { proto_names },
				       .named = true };
	const struct field f_port = { "port", 65535 };
	const struct field f_len = { "length", 65535 };
	const struct field f_ttl = { "ttl", 255 };
	const struct field f_vlan = { "vlan", 4095 };
	struct field f_type = { "icmp type", 255, .named = true };
	struct field f_code = { "icmp code", 255, .named = true };
	yaml_node_t *v[M_N];
	bool v4, v6;

	if (!expect_map(c, n, "match"))
		return;
	map_keys(c, n, "match", keys, v);
	if (v[M_PROTO])
		parse_ranges(c, "proto", v[M_PROTO], &f_proto, &r->proto);
	/*
	 * ICMP names mean different numbers for ICMP and ICMPv6; a name
	 * stands for the protocols the rule lets through (both if it says
	 * none; "!icmpv6" lets ICMP through).
	 */
	v4 = ranges_admit(&r->proto, IPPROTO_ICMP);
	v6 = ranges_admit(&r->proto, IPPROTO_ICMPV6);
	f_type.names[0] = v4 ? icmp4_types : NULL;
	f_type.names[1] = v6 ? icmp6_types : NULL;
	f_code.names[0] = v4 ? icmp4_codes : NULL;
	/* Which names an unknown one was looked for among, and why. */
	f_type.note = f_code.note = !v4 && !v6 ?
		" (the rule's proto lets neither ICMP nor ICMPv6 through)" :
		NULL;
	if (v4 != v6) {
		f_type.note = v4 ?
			" (ICMP's names: the rule's proto lets only ICMP through)" :
			" (ICMPv6's names: the rule's proto lets only ICMPv6 through)";
		f_code.note = v4 ? NULL :
			" (code names are ICMP's: the rule's proto lets only ICMPv6 through)";
	}
	if (v[M_SRC])
		each_item(c, "src", v[M_SRC], prefix_item, &r->src);
	if (v[M_SRC_FILE])
		each_item(c, "src_file", v[M_SRC_FILE], prefix_file, &r->src);
	if (v[M_DST])
		each_item(c, "dst", v[M_DST], prefix_item, &r->dst);
	if (v[M_DST_FILE])
		each_item(c, "dst_file", v[M_DST_FILE], prefix_file, &r->dst);
	if (v[M_SPORT])
		parse_ranges(c, "sport", v[M_SPORT], &f_port, &r->sport);
	if (v[M_DPORT])
		parse_ranges(c, "dport", v[M_DPORT], &f_port, &r->dport);
	if (v[M_TCP_FLAGS])
		each_item(c, "tcp_flags", v[M_TCP_FLAGS], tcp_item, r);
	if (v[M_ICMP_TYPE])
		parse_ranges(c, "icmp_type", v[M_ICMP_TYPE], &f_type,
			     &r->icmp_type);
	if (v[M_ICMP_CODE])
		parse_ranges(c, "icmp_code", v[M_ICMP_CODE], &f_code,
			     &r->icmp_code);
	if (v[M_LEN])
		parse_ranges(c, "len", v[M_LEN], &f_len, &r->len);
	if (v[M_TTL])
		parse_ranges(c, "ttl", v[M_TTL], &f_ttl, &r->ttl);
	if (v[M_VLAN])
		parse_ranges(c, "vlan", v[M_VLAN], &f_vlan, &r->vlan);
	if (v[M_FEATURES])
		each_item(c, "features", v[M_FEATURES], feature_item, r);
	/* Conditions on a header that the rule's proto rules out. */
	if ((r->sport.n || r->dport.n) &&
	    !ranges_admit(&r->proto, IPPROTO_TCP) &&
	    !ranges_admit(&r->proto, IPPROTO_UDP))
		err(c, v[M_SPORT] ? v[M_SPORT] : v[M_DPORT],
		    "ports are TCP's and UDP's, and the rule's proto lets neither through: it never matches");
	if (r->ntcp && !ranges_admit(&r->proto, IPPROTO_TCP))
		err(c, v[M_TCP_FLAGS],
		    "tcp_flags are TCP's, and the rule's proto does not let TCP through: it never matches");
	if ((r->icmp_type.n || r->icmp_code.n) && !v4 && !v6)
		err(c, v[M_ICMP_TYPE] ? v[M_ICMP_TYPE] : v[M_ICMP_CODE],
		    "icmp_type and icmp_code are ICMP's and ICMPv6's, and the rule's proto lets neither through: it never matches");
	if (v[M_RATE] && v[M_FANOUT])
		err(c, v[M_FANOUT], "a rule has at most one of rate, fanout");
	else if (v[M_RATE])
		parse_rate(c, v[M_RATE], r);
	else if (v[M_FANOUT])
		parse_fanout(c, v[M_FANOUT], r);
}

static void parse_rule(struct ctx *c, yaml_node_t *n, struct xt_rule *r,
		       char **descr)
{
	static const char *const keys[] = { "name", "description", "class",
					    "weight", "match", "action", NULL };
	static const char *const req[] = { "name", NULL, "class", "weight" };
	struct xt_rules_file *f = c->f;
	yaml_node_t *v[6];
	uint32_t w;
	size_t i;

	map_keys(c, n, "rule", keys, v);
	if (v[5]) {
		const char *a = v[5]->type == YAML_SCALAR_NODE ?
				scalar(v[5]) : "";

		if (!strcmp(a, "exempt"))
			r->exempt = true;
		else if (strcmp(a, "classify"))
			err(c, v[5], "action '%s': expected classify or exempt",
			    a);
	}
	/* An exempt rule forces class 0 and score 0: it has neither. */
	for (i = 2; r->exempt && i < 4; i++)
		if (v[i]) {
			err(c, v[i], "an exempt rule has no %s (it forces class 0, score 0)",
			    keys[i]);
			v[i] = NULL;
		}
	for (i = 0; i < 4; i++)
		if (req[i] && !v[i] && !(r->exempt && i >= 2))
			err(c, n, "rule: missing required key '%s'", req[i]);
	if (v[0] && !check_name(c, v[0], "rule", XT_RULE_NAME_MAX)) {
		snprintf(r->name, sizeof(r->name), "%s", scalar(v[0]));
		for (i = 0; &f->rules[i] != r && i < f->nrules; i++)
			if (!strcmp(f->rules[i].name, r->name)) {
				err(c, v[0], "duplicate rule name '%s'",
				    r->name);
				break;
			}
	}
	if (v[1]) {
		if (v[1]->type != YAML_SCALAR_NODE)
			err(c, v[1], "description: expected a value, not %s",
			    node_kind(v[1]));
		else if (!(*descr = strdup(scalar(v[1]))))
			err(c, v[1], "out of memory");
	}
	if (v[2]) {
		const char *cn = v[2]->type == YAML_SCALAR_NODE ?
				 scalar(v[2]) : "";

		for (i = 0; i < f->nclasses; i++)
			if (!strcmp(f->classes[i].name, cn))
				break;
		if (i < f->nclasses)
			r->class_id = f->classes[i].id;
		else
			err(c, v[2], "unknown class '%s' (declare it under classes)",
			    cn);
	}
	if (v[3] && !scalar_u32(c, v[3], "weight", 255, NULL, &w))
		r->weight = w;
	if (v[4])
		parse_match(c, v[4], r);
}

static void parse_rules(struct ctx *c, yaml_node_t *n)
{
	struct xt_rules_file *f = c->f;
	yaml_node_item_t *it;

	if (n->type != YAML_SEQUENCE_NODE) {
		err(c, n, "rules: expected a list, not %s", node_kind(n));
		return;
	}
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *rn = node_get(c, *it);
		struct xt_rule extra = { 0 };
		char *descr = NULL;

		if (!expect_map(c, rn, "rule"))
			continue;
		if (f->nrules == XT_MAX_RULES) {
			err(c, rn, "too many rules: at most %d (one bit each in the tag's 64-bit rule mask)",
			    XT_MAX_RULES);
			/* Still check it, so its own errors show too. */
			parse_rule(c, rn, &extra, &descr);
			short_seen_reset(c);	/* extra's lists go now */
			xt_rule_free(&extra);
			free(descr);
			continue;
		}
		c->rule_mark[f->nrules] = rn->start_mark;
		parse_rule(c, rn, &f->rules[f->nrules], &f->descr[f->nrules]);
		f->nrules++;
	}
}

static void parse_root(struct ctx *c)
{
	static const char *const keys[] = { "settings", "classes", "rules",
					    NULL };
	yaml_node_t *root = yaml_document_get_root_node(c->doc), *v[3];
	yaml_mark_t start = { 0 };

	if (!root) {
		err_at(c, NULL, &start,
		       "empty file (expected a mapping with settings, classes, rules)");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		err(c, root, "not a YAML mapping (expected settings, classes, rules)");
		return;
	}
	map_keys(c, root, "the file", keys, v);
	if (v[0])
		parse_settings(c, v[0]);
	/* Classes first: rules refer to them by name, in any order. */
	if (v[1])
		parse_classes(c, v[1]);
	if (v[2]) {
		c->rules_mark = v[2]->start_mark;
		parse_rules(c, v[2]);
	}
}

/* ------------------------------------------------------------ public --- */

void xt_rules_file_free(struct xt_rules_file *f)
{
	size_t i;

	for (i = 0; i < f->nrules; i++) {
		xt_rule_free(&f->rules[i]);
		free(f->descr[i]);
		f->descr[i] = NULL;
	}
	f->nrules = 0;
	free(f->marks);
	f->marks = NULL;
}

unsigned int xt_rules_file_max_class(const struct xt_rules_file *f)
{
	unsigned int top = 0;
	size_t i;

	for (i = 0; i < f->nrules; i++)
		if (f->rules[i].class_id > top)
			top = f->rules[i].class_id;
	return top;
}

const char *xt_class_name(const struct xt_rules_file *f, unsigned int id)
{
	size_t i;

	for (i = 0; i < f->nclasses; i++)
		if (f->classes[i].id == id)
			return f->classes[i].name;
	return NULL;
}

int xt_rules_file_compile(const struct xt_rules_file *f,
			  struct xt_compiled *out, FILE *errf)
{
	char msg[256], *q;
	size_t i;

	if (!xt_compile(f->rules, f->nrules, f->settings.drop_threshold, out,
			msg, sizeof(msg))) {
		xt_state_size(out->rs, f->settings.state_sources,
			      f->settings.state_v6_plen);
		return 0;
	}
	/* The compiler names the rule; point at it when the caller can. */
	q = strstr(msg, "rule '");
	for (i = 0; q && i < f->nrules; i++) {
		size_t l = strlen(f->rules[i].name);

		if (!strncmp(q + 6, f->rules[i].name, l) && q[6 + l] == '\'')
			break;
	}
	if (q && i < f->nrules && f->marks)
		fprintf(errf, "%s:%u:%u: error: %s\n", f->path,
			f->marks[i].line, f->marks[i].col, msg);
	else if (f->marks)
		fprintf(errf, "%s:%u:%u: error: %s\n", f->path,
			f->rules_line, f->rules_col, msg);
	else
		fprintf(errf, "%s: error: %s\n", f->path, msg);
	return -EINVAL;
}

/*
 * Hot swap keeps per-rule counters with their rules: a rule whose name is
 * in old[] keeps that slot.  New rules take slots never used before first,
 * then slots vacated by removed rules.  Holes are vacant (struct xt_rule):
 * no rule, no name, never a match.
 */
void xt_rules_file_place(const struct xt_rules_file *f,
			 const char (*old)[XT_RULE_NAME_MAX], size_t old_n,
			 struct xt_rules_file *out)
{
	bool used[XT_MAX_RULES] = { false }, placed[XT_MAX_RULES] = { false };
	int slot_of[XT_MAX_RULES];
	size_t i, j, n = 0;
	int pass;

	if (old_n > XT_MAX_RULES)
		old_n = XT_MAX_RULES;
	for (i = 0; i < f->nrules; i++) {
		slot_of[i] = -1;
		for (j = 0; j < old_n; j++) {
			if (!used[j] && old[j][0] &&
			    !strncmp(old[j], f->rules[i].name,
				     XT_RULE_NAME_MAX)) {
				slot_of[i] = j;
				used[j] = true;
				break;
			}
		}
	}
	/* f has at most XT_MAX_RULES rules: every one finds a slot. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < f->nrules; i++) {
			if (slot_of[i] >= 0)
				continue;
			for (j = 0; j < XT_MAX_RULES; j++)
				if (!used[j] && (pass || j >= old_n ||
						 !old[j][0]))
					break;
			if (j == XT_MAX_RULES)
				continue;
			slot_of[i] = j;
			used[j] = true;
		}
	}

	memset(out, 0, sizeof(*out));
	for (i = 0; i < f->nrules; i++) {
		out->rules[slot_of[i]] = f->rules[i];
		out->descr[slot_of[i]] = f->descr[i];
		placed[slot_of[i]] = true;
		if ((size_t)slot_of[i] + 1 > n)
			n = slot_of[i] + 1;
	}
	for (j = 0; j < n; j++) {
		if (placed[j])
			continue;
		out->rules[j].vacant = true;
	}
	out->nrules = n;
	out->nclasses = f->nclasses;
	memcpy(out->classes, f->classes, sizeof(f->classes));
	out->settings = f->settings;
	snprintf(out->path, sizeof(out->path), "%s", f->path);
}

/* ------------------------------------------------------- YAML loader --- */

/* Line and column (1-based, in characters) of byte off of buf. */
static yaml_mark_t mark_of_offset(const char *buf, size_t len, size_t off)
{
	yaml_mark_t m = { .index = off };
	size_t i;

	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			m.column++;
		}
	}
	return m;
}

/*
 * Build the YAML document from parser events instead of libyaml's loader,
 * so that the limits of rules_file.h hold as the input is read: nesting
 * depth (libyaml's scanner is quadratic in it), anchors and aliases, and
 * the number of nodes with every alias expanded, which is what the checks
 * below walk (64 rules sharing one huge anchored list walk it 64 times).
 */
struct loader {
	struct ctx *c;
	yaml_parser_t parser;
	yaml_document_t *doc;
	const char *buf;
	size_t len;
	struct frame {
		int id;
		int key;		/* mapping: key waiting for its value */
		size_t nodes;		/* so far, aliases expanded */
	} stack[XT_YAML_MAX_DEPTH];
	int depth;
	struct {
		char *name;
		int id;
	} anchor[XT_YAML_MAX_ANCHORS];
	int nanchors, naliases;
	size_t *nodes_of;	/* by node id: its size; 0 while still open */
	size_t cap;
	size_t nodes;		/* the whole document, aliases expanded */
	yaml_mark_t last;	/* of the last event: where memory ran out */
};

static int ld_fail(struct loader *l, const yaml_mark_t *m, const char *what)
{
	err_at(l->c, NULL, m, "%s", what);
	return -1;
}

static int ld_count(struct loader *l, const yaml_mark_t *m, size_t n)
{
	char msg[128];

	l->nodes += n;
	if (l->nodes <= XT_YAML_MAX_NODES)
		return 0;
	snprintf(msg, sizeof(msg),
		 "more than %d values, lists and mappings with aliases expanded (limit)",
		 XT_YAML_MAX_NODES);
	return ld_fail(l, m, msg);
}

/* A new node: its marks, its anchor, room for its size. */
static int ld_node(struct loader *l, int id, const yaml_event_t *ev,
		   const yaml_char_t *anchor)
{
	yaml_node_t *n = id ? yaml_document_get_node(l->doc, id) : NULL;
	size_t *ns;
	char msg[64];

	if (!n)
		return ld_fail(l, &ev->start_mark, "out of memory");
	n->start_mark = ev->start_mark;
	n->end_mark = ev->end_mark;
	if ((size_t)id >= l->cap) {
		ns = realloc(l->nodes_of, 2 * (id + 1) * sizeof(*ns));
		if (!ns)
			return ld_fail(l, &ev->start_mark, "out of memory");
		memset(ns + l->cap, 0, (2 * (id + 1) - l->cap) * sizeof(*ns));
		l->nodes_of = ns;
		l->cap = 2 * (id + 1);
	}
	if (!anchor)
		return 0;
	if (l->nanchors == XT_YAML_MAX_ANCHORS) {
		snprintf(msg, sizeof(msg), "more than %d anchors (limit)",
			 XT_YAML_MAX_ANCHORS);
		return ld_fail(l, &ev->start_mark, msg);
	}
	l->anchor[l->nanchors].name = strdup((const char *)anchor);
	if (!l->anchor[l->nanchors].name)
		return ld_fail(l, &ev->start_mark, "out of memory");
	l->anchor[l->nanchors++].id = id;
	return 0;
}

/* A finished node of size nodes goes into the collection being read. */
static int ld_attach(struct loader *l, int id, size_t nodes,
		     const yaml_mark_t *m)
{
	struct frame *f;
	int ok = 1;

	if (!l->depth)
		return 0;	/* the root: node 1 */
	f = &l->stack[l->depth - 1];
	f->nodes += nodes;
	if (yaml_document_get_node(l->doc, f->id)->type == YAML_SEQUENCE_NODE) {
		ok = yaml_document_append_sequence_item(l->doc, f->id, id);
	} else if (!f->key) {
		f->key = id;
	} else {
		ok = yaml_document_append_mapping_pair(l->doc, f->id, f->key,
							id);
		f->key = 0;
	}
	return ok ? 0 : ld_fail(l, m, "out of memory");
}

static int ld_alias(struct loader *l, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	char msg[128];
	int i;

	if (++l->naliases > XT_YAML_MAX_ALIASES) {
		snprintf(msg, sizeof(msg), "more than %d aliases (limit)",
			 XT_YAML_MAX_ALIASES);
		return ld_fail(l, &ev->start_mark, msg);
	}
	for (i = l->nanchors - 1; i >= 0; i--)
		if (!strcmp(l->anchor[i].name, name))
			break;
	if (i < 0)
		return ld_fail(l, &ev->start_mark, "YAML: alias to an unknown anchor");
	if (!l->nodes_of[l->anchor[i].id])
		return ld_fail(l, &ev->start_mark,
			       "YAML: alias to a list or mapping that contains it");
	if (ld_count(l, &ev->start_mark, l->nodes_of[l->anchor[i].id]))
		return -1;
	return ld_attach(l, l->anchor[i].id, l->nodes_of[l->anchor[i].id],
			 &ev->start_mark);
}

static int ld_event(struct loader *l, yaml_event_t *ev)
{
	yaml_document_t *d = l->doc;
	struct frame *f;
	char msg[64];
	int id;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		/* "\0" is valid YAML, but names and prefixes are C strings. */
		if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
			err_at(l->c, NULL, &ev->start_mark,
			       "NUL character (\\0) in a value");
		id = yaml_document_add_scalar(d, NULL, ev->data.scalar.value,
					      ev->data.scalar.length,
					      ev->data.scalar.style);
		if (ld_node(l, id, ev, ev->data.scalar.anchor) ||
		    ld_count(l, &ev->start_mark, 1))
			return -1;
		l->nodes_of[id] = 1;
		return ld_attach(l, id, 1, &ev->start_mark);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (l->depth == XT_YAML_MAX_DEPTH) {
			snprintf(msg, sizeof(msg),
				 "lists and mappings nested deeper than %d (limit)",
				 XT_YAML_MAX_DEPTH);
			return ld_fail(l, &ev->start_mark, msg);
		}
		if (ev->type == YAML_SEQUENCE_START_EVENT)
			id = yaml_document_add_sequence(d, NULL,
					ev->data.sequence_start.style);
		else
			id = yaml_document_add_mapping(d, NULL,
					ev->data.mapping_start.style);
		if (ld_node(l, id, ev, ev->type == YAML_SEQUENCE_START_EVENT ?
			    ev->data.sequence_start.anchor :
			    ev->data.mapping_start.anchor) ||
		    ld_count(l, &ev->start_mark, 1))
			return -1;
		l->stack[l->depth++] = (struct frame){ .id = id, .nodes = 1 };
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		f = &l->stack[--l->depth];
		yaml_document_get_node(d, f->id)->end_mark = ev->end_mark;
		l->nodes_of[f->id] = f->nodes;
		return ld_attach(l, f->id, f->nodes, &ev->start_mark);
	case YAML_ALIAS_EVENT:
		return ld_alias(l, ev);
	default:
		return 0;
	}
}

/*
 * libyaml's context of a syntax error ("while parsing a flow mapping") as
 * " (flow mapping opened at 7:5)": the error is where the parser gave up,
 * often lines after the bracket or quote left open, which is the line to
 * fix.  A context at the error's own place has no other line to name.
 */
static const char *ld_context(const yaml_parser_t *p, char *buf, size_t len)
{
	static const char *const opened[] = {
		"flow mapping", "flow sequence", "quoted scalar",
	};
	const char *what = p->context, *noun, *verb = "started";
	size_t i;

	if (!what)
		return "";
	/* "while parsing a flow node", "while scanning an anchor" */
	if (!strncmp(what, "while ", 6) && strchr(what + 6, ' '))
		what = strchr(what + 6, ' ') + 1;
	noun = !strncmp(what, "a ", 2) ? what + 2 :
	       !strncmp(what, "an ", 3) ? what + 3 : what;
	for (i = 0; i < sizeof(opened) / sizeof(opened[0]); i++)
		if (!strcmp(noun, opened[i]))
			verb = "opened";
	if (p->context_mark.index == p->problem_mark.index)
		snprintf(buf, len, " (in %s)", what);
	else
		snprintf(buf, len, " (%s %s at %zu:%zu)", noun, verb,
			 p->context_mark.line + 1, p->context_mark.column + 1);
	return buf;
}

/* Report a parser error where it is, reader errors included. */
static void ld_parser_error(struct loader *l)
{
	yaml_parser_t *p = &l->parser;
	yaml_mark_t m = p->problem_mark;
	char ctx[96];

	if (p->error == YAML_MEMORY_ERROR) {
		err_at(l->c, NULL, &l->last, "out of memory");
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		/* The reader knows only the byte offset of the problem. */
		m = mark_of_offset(l->buf, l->len, p->problem_offset);
		if (p->problem_value >= 0)
			err_at(l->c, NULL, &m, "YAML: %s (byte 0x%02x)",
			       p->problem ? p->problem : "input error",
			       (unsigned int)p->problem_value);
		else
			err_at(l->c, NULL, &m, "YAML: %s",
			       p->problem ? p->problem : "input error");
		return;
	}
	err_at(l->c, NULL, &m, "YAML: %s%s",
	       p->problem ? p->problem : "syntax error",
	       ld_context(p, ctx, sizeof(ctx)));
}

/*
 * Load the first document of buf into doc.  Errors are recorded in c;
 * returns -1 on any (doc is then empty, nothing else allocated).
 */
static int doc_parse(struct ctx *c, const char *buf, size_t len,
		     yaml_document_t *doc)
{
	struct loader l = { .c = c, .doc = doc, .buf = buf, .len = len };
	yaml_mark_t start = { 0 };
	yaml_event_t ev;
	int ret = 0, i;
	bool end;

	if (!yaml_document_initialize(doc, NULL, NULL, NULL, 1, 1))
		return ld_fail(&l, &start, "out of memory");
	if (!yaml_parser_initialize(&l.parser)) {
		yaml_document_delete(doc);
		return ld_fail(&l, &start, "out of memory");
	}
	yaml_parser_set_input_string(&l.parser, (const unsigned char *)buf,
				     len);
	do {
		if (!yaml_parser_parse(&l.parser, &ev)) {
			ld_parser_error(&l);
			ret = -1;
			break;
		}
		l.last = ev.start_mark;
		ret = ld_event(&l, &ev);
		end = ev.type == YAML_DOCUMENT_END_EVENT ||
		      ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	} while (!ret && !end);
	yaml_parser_delete(&l.parser);
	for (i = 0; i < l.nanchors; i++)
		free(l.anchor[i].name);
	free(l.nodes_of);
	if (ret) {
		yaml_document_delete(doc);
		memset(doc, 0, sizeof(*doc));
	}
	return ret;
}

static int doc_load(struct ctx *c, const char *path, yaml_document_t *doc)
{
	char why[128], *buf;
	size_t len;
	int ret;

	if (!path)
		return doc_parse(c, xt_default_yaml, strlen(xt_default_yaml),
				 doc);
	if (read_bounded(path, XT_RULES_FILE_MAX_BYTES, &buf, &len, why,
			 sizeof(why))) {
		fprintf(c->errf, "%s: error: cannot read: %s\n", c->label, why);
		return -1;
	}
	ret = doc_parse(c, buf, len, doc);
	free(buf);
	return ret;
}

int xt_rules_file_load(const char *path, struct xt_rules_file *out,
		       FILE *errf)
{
	struct ctx c = { .label = path ? path : "default", .errf = errf };
	struct xt_compiled comp;
	yaml_document_t doc;
	const char *slash;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->settings.mark_mask = XT_MARK_MASK_DEFAULT;
	out->settings.mark_value = XT_MARK_CLASS;
	out->settings.state_sources = XT_STATE_ENTRIES;
	out->settings.state_v6_plen = XT_STATE_V6_PLEN;
	snprintf(out->path, sizeof(out->path), "%s", c.label);
	if (path && (slash = strrchr(path, '/')))
		snprintf(c.dir, sizeof(c.dir), "%.*s",
			 slash == path ? 1 : (int)(slash - path), path);
	if (doc_load(&c, path, &doc)) {
		err_flush(&c);
		return -EINVAL;
	}
	c.doc = &doc;
	c.f = out;
	parse_root(&c);
	yaml_document_delete(&doc);
	err_flush(&c);
	if (c.nerr)
		goto fail;

	/* A file that parses must also fit the tables: check it now. */
	out->marks = calloc(out->nrules ? out->nrules : 1,
			    sizeof(*out->marks));
	if (!out->marks) {
		fprintf(errf, "%s: error: out of memory\n", c.label);
		goto fail;
	}
	for (i = 0; i < out->nrules; i++) {
		out->marks[i].line = c.rule_mark[i].line + 1;
		out->marks[i].col = c.rule_mark[i].column + 1;
	}
	out->rules_line = c.rules_mark.line + 1;
	out->rules_col = c.rules_mark.column + 1;
	if (xt_rules_file_compile(out, &comp, errf))
		goto fail;
	xt_compiled_free(&comp);
	return 0;
fail:
	xt_rules_file_free(out);
	return -EINVAL;
}
