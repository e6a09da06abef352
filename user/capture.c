// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdptag capture`: switch the attached XDP stage's sampling on through the
 * memory-mapped xt_cap map, read its ring buffer, write pcapng, switch it
 * off.  The program does the filtering and the per-second limit; this side
 * only formats what arrives.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "num.h"
#include "attach.h"
#include "capture.h"
#include "cmd.h"
#include "counters.h"	/* xt_action_names */
#include "log.h"
#include "pcapng.h"
#include "ruleset_load.h"	/* xt_rcu_wait */

/* Append to buf (of len bytes, *n used), cutting at the end. */
static void __attribute__((format(printf, 4, 5)))
add(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n + 1 >= len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n += (size_t)k < len - *n ? (size_t)k : len - *n - 1;
}

void xt_cap_comment(char *buf, size_t len, const struct xt_cap_rec *r,
		    const struct xt_attach_info *ai)
{
	const struct xdptag_tag t = { .score = r->score,
				      .class_id = r->class_id };
	size_t n = 0;
	int i, first = 1;

	if (!len)
		return;
	buf[0] = 0;
	if (ai->class_name[r->class_id][0])
		add(buf, len, &n, "class=%.*s", XT_CLASS_NAME_MAX,
		    ai->class_name[r->class_id]);
	else if (!r->class_id)
		add(buf, len, &n, "class=unclassified");
	else
		add(buf, len, &n, "class=%u", r->class_id);
	add(buf, len, &n, " score=%u rules=", r->score);
	for (i = 0; i < XT_MAX_RULES; i++) {
		if (!(r->rules & (1ULL << i)))
			continue;
		if (ai->rule_name[i][0])
			add(buf, len, &n, "%s%.*s", first ? "" : ",",
			    XT_RULE_NAME_MAX, ai->rule_name[i]);
		else
			add(buf, len, &n, "%s%d", first ? "" : ",", i);
		first = 0;
	}
	if (first)
		add(buf, len, &n, "-");
	if (r->action == XDP_DROP)
		add(buf, len, &n, " mark=none");
	else
		add(buf, len, &n, " mark=%u",
		    xt_mark_apply(0, xt_mark_value(&t, ai->mark_value),
				  ai->mark_mask, ai->mark_shift));
	add(buf, len, &n, " verdict=%s",
	    r->action < XT_XDP_ACTIONS ? xt_action_names[r->action] : "?");
}

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

struct cap_run {
	const struct xt_capture_opts *o;
	const struct xt_attach_info *ai;
	FILE *out;
	__u64 mono_to_real;	/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	unsigned long long received, written;
	bool draining;		/* stopped: count what arrives, write nothing */
	int err;
};

static __u64 clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Whether the capture still samples ifname's attachment: a detach removes
 * the pins (the programs, and with them the samples, go), a new attach pins
 * another switch, and an interface that goes away takes the programs with
 * it.  NULL, or what happened.
 */
static const char *cap_gone(const char *ifname, __u32 ifindex, __u32 cap_id)
{
	bool same;
	int fd;

	if (if_nametoindex(ifname) != ifindex)
		return "the interface went away";
	fd = xt_pin_open(ifname, XT_PIN_CAP);
	if (fd < 0)
		return "xdptag was detached from it";
	same = xt_map_id(fd) == cap_id;
	close(fd);
	return same ? NULL : "xdptag was detached from it and attached again";
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct cap_run *c = ctx;
	const struct xt_cap_rec *r = data;
	char comment[XT_MAX_RULES * (XT_RULE_NAME_MAX + 1) + 128];
	__u32 cap;
	int err;

	if (size < offsetof(struct xt_cap_rec, data))
		return 0;
	c->received++;
	if (c->draining || c->err ||
	    (c->o->count && c->written >= c->o->count))
		return 0;
	/* Records are as long as the bytes kept (bpf/xdp/capture.h). */
	cap = size - offsetof(struct xt_cap_rec, data);
	if (r->cap_len < cap)
		cap = r->cap_len;
	xt_cap_comment(comment, sizeof(comment), r, c->ai);
	err = xt_pcapng_packet(c->out, r->ts_ns + c->mono_to_real, r->data,
			       cap, r->wire_len, comment);
	if (err) {
		c->err = err;
		return 0;
	}
	c->written++;
	return 0;
}

/* The filter, from names to the numbers the program compares. */
static int cfg_build(const struct xt_capture_opts *o,
		     const struct xt_attach_info *ai, struct xt_cap_cfg *cfg)
{
	int i, j;

	memset(cfg, 0, sizeof(*cfg));
	cfg->snaplen = o->snaplen;
	cfg->rate = o->rate;
	cfg->min_score = o->min_score > 0 ? o->min_score : 0;
	if (o->dropped)
		cfg->flags |= XT_CAP_DROPPED;
	if (o->class) {
		unsigned long long v;

		for (i = 0; i < XT_MAX_CLASSES; i++)
			if (!strncmp(ai->class_name[i], o->class,
				     XT_CLASS_NAME_MAX))
				break;
		if (i == XT_MAX_CLASSES &&
		    !xt_num_parse(o->class, XT_MAX_CLASSES - 1, &v))
			i = v;
		if (i == XT_MAX_CLASSES && !strcmp(o->class, "unclassified"))
			i = 0;
		if (i == XT_MAX_CLASSES) {
			pr_err("--class '%s': %s has no such class ('xdptag stats %s' names them)",
			       o->class, o->ifname, o->ifname);
			return -EINVAL;
		}
		cfg->flags |= XT_CAP_CLASS;
		cfg->class_id = i;
	}
	for (j = 0; j < o->nrules; j++) {
		for (i = 0; i < (int)ai->nrules && i < XT_MAX_RULES; i++)
			if (!strncmp(ai->rule_name[i], o->rules[j],
				     XT_RULE_NAME_MAX))
				break;
		if (i >= (int)ai->nrules || i >= XT_MAX_RULES) {
			pr_err("--rule '%s': the ruleset on %s has no such rule",
			       o->rules[j], o->ifname);
			return -EINVAL;
		}
		cfg->rules |= 1ULL << i;
	}
	return 0;
}

int xt_capture(const struct xt_capture_opts *o)
{
	struct xt_pinned pin;
	struct cap_run run = { .o = o };
	struct ring_buffer *rb = NULL;
	struct xt_cap_cfg cfg;
	struct sigaction sa = { .sa_handler = on_signal };
	volatile struct xt_cap *cap = MAP_FAILED;
	struct xt_cap_state st;
	__u64 deadline = 0, next_check;
	const char *gone = NULL;
	__u32 cap_id;
	int cap_fd = -1, ring_fd = -1, ret = XT_EXIT_FAIL, err;
	bool on = false, opened_out = false;
	FILE *out = NULL;

	err = xt_pins_open(o->ifname, &pin);
	if (err == -ENOENT) {
		pr_err("%s: xdptag is not attached there (xdptag status lists interfaces)",
		       o->ifname);
		return XT_EXIT_STATE;
	}
	if (err) {
		pr_err("%s: cannot open its pins: %s", o->ifname,
		       xt_pins_strerror(err));
		return XT_EXIT_FAIL;
	}
	run.ai = &pin.info_val;
	gone = xt_pinned_unusable(&pin);
	if (gone) {
		pr_err("%s: %s", o->ifname, gone);
		ret = XT_EXIT_STATE;
		goto out;
	}
	if (pin.info_val.bridge == XT_BRIDGE_TC) {
		pr_err("%s: attached with --bridge tc: the XDP stage classifies nothing to sample",
		       o->ifname);
		ret = XT_EXIT_STATE;
		goto out;
	}
	if (cfg_build(o, run.ai, &cfg)) {
		ret = XT_EXIT_USAGE;
		goto out;
	}
	cap_fd = xt_pin_open(o->ifname, XT_PIN_CAP);
	err = cap_fd < 0 ? -errno : 0;
	ring_fd = xt_pin_open(o->ifname, XT_PIN_CAP_RING);
	if (!err && ring_fd < 0)
		err = -errno;
	if (err == -EPROTO) {
		pr_err("%s: cannot open its pins: %s", o->ifname,
		       xt_pins_strerror(err));
		goto out;
	}
	if (err) {
		pr_err("%s: no capture maps pinned (attached by an older xdptag? detach and attach again)",
		       o->ifname);
		ret = XT_EXIT_STATE;
		goto out;
	}
	cap = mmap(NULL, sizeof(struct xt_cap), PROT_READ | PROT_WRITE,
		   MAP_SHARED, cap_fd, 0);
	if (cap == MAP_FAILED) {
		pr_err("%s: cannot map the capture switch: %s", o->ifname,
		       strerror(errno));
		goto out;
	}
	if (cap->cfg.on && cap->cfg.owner && kill(cap->cfg.owner, 0) == 0) {
		pr_err("%s: a capture is already running (pid %u)", o->ifname,
		       cap->cfg.owner);
		ret = XT_EXIT_STATE;
		goto out;
	}

	if (!strcmp(o->out_path, "-")) {
		out = stdout;
	} else {
		out = fopen(o->out_path, "w");
		if (!out) {
			pr_err("%s: %s", o->out_path, strerror(errno));
			ret = XT_EXIT_USAGE;
			goto out;
		}
		opened_out = true;
	}
	run.out = out;
	if (xt_pcapng_begin(out, o->ifname, o->snaplen) || fflush(out)) {
		pr_err("%s: cannot write: %s", o->out_path, strerror(errno));
		goto out;
	}

	run.draining = true;	/* what a stale capture left in the ring */
	rb = ring_buffer__new(ring_fd, on_record, &run, NULL);
	if (!rb) {
		pr_err("%s: cannot read the ring buffer: %s", o->ifname,
		       strerror(errno));
		goto out;
	}
	cap->cfg.on = 0;
	xt_rcu_wait();
	ring_buffer__consume(rb);
	run.received = 0;
	run.draining = false;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Counters first, then the filter, the switch last. */
	memset((void *)&cap->st, 0, sizeof(cap->st));
	cfg.owner = getpid();
	cfg.on = 0;
	memcpy((void *)&cap->cfg, &cfg, sizeof(cfg));
	run.mono_to_real = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	__atomic_store_n(&cap->cfg.on, 1, __ATOMIC_RELEASE);
	on = true;
	fprintf(stderr, "capture: on %s, at most %u packets/s%s\n", o->ifname,
		cfg.rate, cfg.rate ? "" : " (no limit)");
	if (o->duration > 0)
		deadline = clock_ns(CLOCK_MONOTONIC) +
			   (__u64)(o->duration * 1e9);
	cap_id = xt_map_id(cap_fd);
	next_check = clock_ns(CLOCK_MONOTONIC) + 1000000000ULL;

	while (!stop_sig && !run.err) {
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			pr_err("reading the ring buffer: %s", strerror(-err));
			goto out;
		}
		if (o->count && run.written >= o->count)
			break;
		if (deadline && clock_ns(CLOCK_MONOTONIC) >= deadline)
			break;
		if (fflush(out))
			run.err = -errno;
		/* Once a second: nothing more would ever arrive. */
		if (clock_ns(CLOCK_MONOTONIC) >= next_check) {
			gone = cap_gone(o->ifname, pin.info_val.ifindex,
					cap_id);
			if (gone)
				break;
			next_check += 1000000000ULL;
		}
	}

	/* Off, wait out the programs already past the switch, then drain. */
	__atomic_store_n(&cap->cfg.on, 0, __ATOMIC_RELEASE);
	on = false;
	xt_rcu_wait();
	ring_buffer__consume(rb);
	if (fflush(out) && !run.err)
		run.err = -errno;
	if (run.err) {
		pr_err("%s: cannot write: %s", o->out_path, strerror(-run.err));
		goto out;
	}
	memcpy(&st, (const void *)&cap->st, sizeof(st));
	fprintf(stderr,
		"capture: %llu written, %llu received, %llu sampled, %llu matched, "
		"%llu rate-limited, %llu ring full\n",
		run.written, run.received, (unsigned long long)st.sampled,
		(unsigned long long)st.matched,
		(unsigned long long)st.rate_limited,
		(unsigned long long)st.ring_full);
	if (gone) {
		pr_err("%s: %s: capture stopped", o->ifname, gone);
		ret = XT_EXIT_STATE;
		goto out;
	}
	ret = XT_EXIT_OK;
out:
	if (on)
		__atomic_store_n(&cap->cfg.on, 0, __ATOMIC_RELEASE);
	if (cap != MAP_FAILED) {
		if (!cap->cfg.on)
			cap->cfg.owner = 0;
		munmap((void *)cap, sizeof(struct xt_cap));
	}
	ring_buffer__free(rb);
	if (opened_out)
		fclose(out);
	if (cap_fd >= 0)
		close(cap_fd);
	if (ring_fd >= 0)
		close(ring_fd);
	xt_pins_close(&pin);
	return ret;
}
