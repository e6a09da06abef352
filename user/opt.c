// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The option layer: parse a command line through a command's table into
 * its config struct, and print help from the same table (user/opt.h).
 * Errors are one line and exit status 2, as docs/cli.md says.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include "cmd.h"
#include "log.h"
#include "num.h"
#include "opt.h"

#define HELP_COL	22	/* where option help starts */
#define WRAP_COL	79

int xt_ifname_check(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= IF_NAMESIZE || strchr(s, '/') || s[0] == '.') {
		pr_err("'%s' is not a valid interface name", s);
		return -EINVAL;
	}
	return 0;
}

const struct xt_cmd *xt_cmd_find(const struct xt_cmd *const *t,
				 const char *name)
{
	for (; *t; t++)
		if (!strcmp((*t)->name, name))
			return *t;
	return NULL;
}

static void store_uint(void *p, size_t size, unsigned long long v)
{
	switch (size) {
	case 1: *(uint8_t *)p = v; break;
	case 2: *(uint16_t *)p = v; break;
	case 4: *(uint32_t *)p = v; break;
	default: *(uint64_t *)p = v; break;
	}
}

/* "--name" or "-n", or the positional's metavar, for error lines. */
static const char *opt_label(const struct xt_opt *o, char *buf, size_t len)
{
	if (o->name)
		snprintf(buf, len, "--%s", o->name);
	else if (o->short_name)
		snprintf(buf, len, "-%c", o->short_name);
	else
		snprintf(buf, len, "%s", o->metavar);
	return buf;
}

/* "option '--name' WHY": one error line, exit status 2. */
static int opt_error(const struct xt_opt *o, const char *why)
{
	char label[48];

	pr_err("option '%s' %s", opt_label(o, label, sizeof(label)), why);
	return XT_EXIT_USAGE;
}

/*
 * Parse s as o's value into cfg (a flag has none: NULL): 0, or -EINVAL
 * after an error line.
 */
static int opt_store(const struct xt_opt *o, const char *s, void *cfg)
{
	char *field = (char *)cfg + o->off, label[48], buf[160];
	unsigned long long v;
	double d;
	__u32 e;
	char *end;
	int err, *count;

	opt_label(o, label, sizeof(label));
	switch (o->type) {
	case XT_OPT_FLAG:
		store_uint(field, o->size, o->set ? o->set : 1);
		break;
	case XT_OPT_UINT:
		err = xt_num_parse(s, o->max, &v);
		if (err || v < o->min) {
			pr_err("%s: '%s' %s", label, s,
			       xt_num_why(err, o->min, o->max, buf, sizeof(buf)));
			return -EINVAL;
		}
		store_uint(field, o->size, v);
		break;
	case XT_OPT_ENUM:
		if (xt_name_parse(o->names, s, &e) ||
		    (o->allowed && !(o->allowed & (1u << e)))) {
			pr_err("%s: '%s' is not one of %s", label, s,
			       xt_names_join(o->names, o->allowed, ", ", ", ",
					     buf, sizeof(buf)));
			return -EINVAL;
		}
		store_uint(field, o->size, e);
		break;
	case XT_OPT_DURATION:
		/* Decimal seconds, a fraction allowed: digits and one dot,
		 * so strtod's signs, exponents, hex, inf and nan are out. */
		errno = 0;
		d = strtod(s, &end);
		if (errno || end == s || *end || !(d > 0) ||
		    d > (double)o->max ||
		    strspn(s, "0123456789.") != strlen(s) ||
		    strchr(s, '.') != strrchr(s, '.')) {
			pr_err("%s: '%s' is not a number of seconds above 0 and at most %llu",
			       label, s, o->max);
			return -EINVAL;
		}
		*(double *)field = d;
		break;
	case XT_OPT_IFNAME:
		if (xt_ifname_check(s))
			return -EINVAL;
		/* fallthrough */
	case XT_OPT_FILE:
	case XT_OPT_STRING:
		*(const char **)field = s;
		break;
	case XT_OPT_LIST:
		count = (int *)((char *)cfg + o->count_off);
		if ((unsigned long long)*count >= o->max) {
			pr_err("%s: at most %llu", label, o->max);
			return -EINVAL;
		}
		((const char **)field)[(*count)++] = s;
		break;
	default:
		return -EINVAL;
	}
	if (o->has)
		*(bool *)((char *)cfg + o->has_off) = true;
	return 0;
}

static const struct xt_opt *opt_find(const struct xt_opt *t, const char *arg,
				     const char **value)
{
	size_t n;

	*value = NULL;
	for (; t->type; t++) {
		if (arg[1] == '-' && t->name) {
			n = strlen(t->name);
			if (strncmp(arg + 2, t->name, n) ||
			    (arg[2 + n] && arg[2 + n] != '='))
				continue;
			if (arg[2 + n] == '=')
				*value = arg + 3 + n;
			return t;
		}
		if (arg[1] != '-' && t->short_name && arg[1] == t->short_name) {
			if (arg[2])
				*value = arg + 2;
			return t;
		}
	}
	return NULL;
}

/* "one interface and one rules file", for "expected ...". */
static const char *args_what(const struct xt_opt *t, char *buf, size_t len)
{
	size_t used;

	buf[0] = '\0';
	for (; t->type; t++) {
		if (t->name || t->short_name || !t->what)
			continue;
		used = strlen(buf);
		snprintf(buf + used, len - used, "%s%s", used ? " and " : "",
			 t->what);
	}
	return buf;
}

/* Too many positional arguments (extra is the first too many) or too few. */
static int args_error(const struct xt_opt *t, const char *path,
		      const char *extra)
{
	char what[160];

	if (!*args_what(t, what, sizeof(what)))
		pr_err("unexpected argument '%s' (try 'xdptag %s --help')",
		       extra, path);
	else
		pr_err("expected %s (try 'xdptag %s --help')", what, path);
	return XT_EXIT_USAGE;
}

static bool is_positional(const struct xt_opt *o)
{
	return !o->name && !o->short_name;
}

/*
 * A flag given before o that sets o's field to another value (--json and
 * --prom): they exclude each other, where the last one would win unseen.
 */
static const struct xt_opt *flag_rival(const struct xt_opt *t,
				       const struct xt_opt *o,
				       const bool *given)
{
	const struct xt_opt *q;

	if (o->type != XT_OPT_FLAG || !o->set)
		return NULL;
	for (q = t; q->type && q - t < 64; q++)
		if (q != o && given[q - t] && q->type == XT_OPT_FLAG &&
		    q->off == o->off && q->set != o->set)
			return q;
	return NULL;
}

static int cmd_parse(const struct xt_cmd *c, const char *path, int argc,
		     char **argv, void *cfg)
{
	const struct xt_opt *rival;
	const struct xt_opt *o, *pos = c->opts;
	bool only_args = false, given[64] = { false };
	const char *value;
	int i, nargs = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		/* The words after the last positional go on as they are,
		 * options included (service start passes attach's on). */
		while (pos->type && !is_positional(pos))
			pos++;
		if (pos->type == XT_OPT_REST && nargs) {
			*(char ***)((char *)cfg + pos->off) = argv + i;
			*(int *)((char *)cfg + pos->count_off) = argc - i;
			pos++;
			break;
		}
		if (!only_args && !strcmp(a, "--")) {
			only_args = true;
			continue;
		}
		if (!only_args && a[0] == '-' && a[1]) {
			if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
				xt_cmd_usage(c, path, stdout);
				return -1;
			}
			o = opt_find(c->opts, a, &value);
			if (!o) {
				pr_err("unknown option '%s' (try 'xdptag %s --help')",
				       a, path);
				return XT_EXIT_USAGE;
			}
			rival = flag_rival(c->opts, o, given);
			if (rival) {
				char l1[48], l2[48];

				pr_err("%s and %s exclude each other",
				       opt_label(rival, l1, sizeof(l1)),
				       opt_label(o, l2, sizeof(l2)));
				return XT_EXIT_USAGE;
			}
			if (o - c->opts < 64)
				given[o - c->opts] = true;
			if (o->type == XT_OPT_FLAG && value)
				return opt_error(o, "takes no value");
			if (o->type != XT_OPT_FLAG && !value && i + 1 == argc)
				return opt_error(o, "needs a value");
			if (o->type != XT_OPT_FLAG && !value)
				value = argv[++i];
			if (opt_store(o, value, cfg))
				return XT_EXIT_USAGE;
			continue;
		}
		if (!pos->type)
			return args_error(c->opts, path, a);
		if (opt_store(pos, a, cfg))
			return XT_EXIT_USAGE;
		pos++;
		nargs++;
	}
	for (; pos->type; pos++)
		if (is_positional(pos) && !pos->optional &&
		    pos->type != XT_OPT_REST)
			return args_error(c->opts, path, NULL);
	for (o = c->opts; o->type; o++) {
		char label[48];

		if (!o->required || given[o - c->opts])
			continue;
		pr_err("option '%s' is required (try 'xdptag %s --help')",
		       opt_label(o, label, sizeof(label)), path);
		return XT_EXIT_USAGE;
	}
	return 0;
}

int xt_cmd_run(const struct xt_cmd *c, const char *path, int argc,
	       char **argv)
{
	const struct xt_cmd *sub;
	char subpath[64], names[128];
	void *cfg;
	int ret;

	if (c->subs) {
		if (argc < 2 || !strcmp(argv[1], "-h") ||
		    !strcmp(argv[1], "--help")) {
			xt_cmd_usage(c, path, argc < 2 ? stderr : stdout);
			return argc < 2 ? XT_EXIT_USAGE : XT_EXIT_OK;
		}
		sub = xt_cmd_find(c->subs, argv[1]);
		if (!sub) {
			size_t used = 0, k, n = 0;

			for (k = 0; c->subs[k]; k++)
				n++;
			names[0] = '\0';
			for (k = 0; k < n; k++) {
				snprintf(names + used, sizeof(names) - used,
					 "%s%s", !k ? "" : k == n - 1 ? " or " :
					 ", ", c->subs[k]->name);
				used = strlen(names);
			}
			pr_err("unknown %s command '%s' (%s)", path, argv[1],
			       names);
			return XT_EXIT_USAGE;
		}
		snprintf(subpath, sizeof(subpath), "%s %s", path, sub->name);
		return xt_cmd_run(sub, subpath, argc - 1, argv + 1);
	}
	cfg = calloc(1, c->cfg_size ? c->cfg_size : 1);
	if (!cfg) {
		pr_err("out of memory");
		return XT_EXIT_FAIL;
	}
	ret = xt_cmd_parse(c, path, argc, argv, cfg);
	if (ret < 0)
		ret = XT_EXIT_OK;	/* --help */
	else if (!ret)
		ret = c->run(cfg);
	free(cfg);
	return ret;
}

int xt_cmd_parse(const struct xt_cmd *c, const char *path, int argc,
		 char **argv, void *cfg)
{
	if (c->defaults)
		memcpy(cfg, c->defaults, c->cfg_size);
	return cmd_parse(c, path, argc, argv, cfg);
}

/* ------------------------------------------------------------- help --- */

/* The value part of an option or argument in help: "FILE", "{a|b}". */
static const char *value_str(const struct xt_opt *o, char *buf, size_t len)
{
	if (o->type == XT_OPT_ENUM) {
		char names[96];

		snprintf(buf, len, "{%s}",
			 xt_names_join(o->names, o->allowed, "|", "|", names,
				       sizeof(names)));
	} else {
		snprintf(buf, len, "%s", o->metavar ? o->metavar : "");
	}
	return buf;
}

/* One synopsis word of o: "IFACE", "[IFACE]", "[--rules FILE]". */
static const char *synopsis_word(const struct xt_opt *o, char *buf, size_t len)
{
	char val[112], label[48];
	bool flag = o->type == XT_OPT_FLAG;

	value_str(o, val, sizeof(val));
	if (is_positional(o))
		snprintf(buf, len, o->optional || o->type == XT_OPT_REST ?
			 "[%s]" : "%s", val);
	else
		snprintf(buf, len, o->required ? "%s%s%s" : "[%s%s%s]",
			 opt_label(o, label, sizeof(label)),
			 flag ? "" : " ", flag ? "" : val);
	return buf;
}

/* "Usage: xdptag PATH WORDS...", wrapped under its first word. */
static void synopsis(const struct xt_cmd *c, const char *lead,
		     const char *path, FILE *f)
{
	const struct xt_opt *o;
	char word[160];
	int indent, col, pass;

	col = fprintf(f, "%sxdptag %s", lead, path);
	indent = col + 1;
	/* Positionals first, as they are typed: "attach IFACE [--mode M]". */
	for (pass = 0; pass < 2; pass++) {
		for (o = c->opts; o && o->type; o++) {
			if (is_positional(o) != !pass)
				continue;
			synopsis_word(o, word, sizeof(word));
			if (col + 1 + (int)strlen(word) > WRAP_COL) {
				col = fprintf(f, "\n%*s", indent - 1, "") - 1;
			}
			col += fprintf(f, " %s", word);
		}
	}
	fputc('\n', f);
}

/* Help lines at HELP_COL after lead (option or command name). */
static void help_row(const char *lead, const char *help, FILE *f)
{
	const char *nl;
	int n = fprintf(f, "  %s", lead);

	/* Two spaces at least, so that a capital word of the help never
	 * reads as the option's value (dist/bash-completion reads help). */
	if (n > HELP_COL - 2)
		n = fprintf(f, "\n") - 1;
	for (;;) {
		nl = strchr(help, '\n');
		fprintf(f, "%*s%.*s\n", HELP_COL - n, "",
			nl ? (int)(nl - help) : (int)strlen(help), help);
		if (!nl || !nl[1])
			break;
		help = nl + 1;
		n = 0;
	}
}

void xt_cmd_usage(const struct xt_cmd *c, const char *path, FILE *f)
{
	const struct xt_opt *o;
	char lead[160], label[48], val[112];
	size_t k;

	if (c->subs) {
		for (k = 0; c->subs[k]; k++) {
			snprintf(lead, sizeof(lead), "%s %s", path,
				 c->subs[k]->name);
			synopsis(c->subs[k], k ? "       " : "Usage: ", lead, f);
		}
		if (c->doc)
			fprintf(f, "\n%s", c->doc);
		fputc('\n', f);
		for (k = 0; c->subs[k]; k++)
			help_row(c->subs[k]->name, c->subs[k]->summary, f);
		return;
	}
	synopsis(c, "Usage: ", path, f);
	if (c->doc)
		fprintf(f, "\n%s", c->doc);
	for (k = 0, o = c->opts; o && o->type; o++)
		if (o->help && !is_positional(o))
			k++;
	if (k)
		fputc('\n', f);
	for (o = c->opts; o && o->type; o++) {
		if (!o->help || is_positional(o))
			continue;
		value_str(o, val, sizeof(val));
		snprintf(lead, sizeof(lead), "%s%s%s",
			 opt_label(o, label, sizeof(label)),
			 o->type == XT_OPT_FLAG ? "" : " ",
			 o->type == XT_OPT_FLAG ? "" : val);
		help_row(lead, o->help, f);
	}
}
