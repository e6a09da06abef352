/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Bench variant st-old (XT_BENCH_STATE_OLD): the state path as it was
 * before branch state-syn (main b6f0c0a), the slot's count and the window
 * before's count compared with the limit per rule, the fan-out memo's slot
 * bits below its destination, kept to be measured against the shipped
 * path in the same run (docs/performance.md, "The SYN's state path").
 * It reads a set's entries in the layout of then, which has the size of
 * struct xt_src_state and its times where it has them (state_find() and
 * state_roll_at() serve both); an object runs one path or the other.
 */
#ifndef XDPTAG_STATE_OLD_H
#define XDPTAG_STATE_OLD_H

struct xt_src_slot_old {
	__u64 seen[XT_FANOUT_BITS / 64];
	__u32 cur;
	__u32 prev;
};

struct xt_src_state_old {
	__u64 rate_start;
	__u64 fan_start;
	__u64 roll_at;
	__u64 fan_memo;
	struct xt_src_slot_old s[XT_MAX_STATEFUL];
};
_Static_assert(sizeof(struct xt_src_state_old) == sizeof(struct xt_src_state),
	       "st-old reads the entries of a set of today's size");
_Static_assert(__builtin_offsetof(struct xt_src_state_old, roll_at) ==
	       __builtin_offsetof(struct xt_src_state, roll_at),
	       "state_find() and state_roll_at() set st-old's times");

/*
 * Start new windows that are due (one compare while none is: roll_at);
 * the one just ended becomes prev.
 */
static __always_inline void state_old_roll(const struct xt_state_cfg *cfg,
				       struct xt_src_state_old *st, __u64 now)
{
	__s64 rate_age, fan_age;
	int rate_new, fan_new, k;

	/*
	 * Another CPU may have started the window with a later clock read
	 * than ours: a start in our future is age 0, not a huge age that
	 * would end the window it just began.
	 */
#ifdef XT_BENCH_STATE_ROLL2	/* bench variant: both windows tested */
	if ((__s64)(now - st->rate_start) < (__s64)XT_RATE_WINDOW_NS &&
	    (__s64)(now - st->fan_start) < (__s64)cfg->fan_window_ns)
		return;
#else
	if ((__s64)(now - st->roll_at) < 0)
		return;
#endif
	rate_age = now - st->rate_start;
	fan_age = now - st->fan_start;
	rate_new = rate_age >= (__s64)XT_RATE_WINDOW_NS;
	fan_new = fan_age >= (__s64)cfg->fan_window_ns;
	for (k = 0; k < XT_MAX_STATEFUL; k++) {
		struct xt_src_slot_old *s = &st->s[k];
		__u32 kind = cfg->kind[k];
		__s64 age;

		if (kind == XT_ST_PPS || kind == XT_ST_BPS) {
			if (!rate_new)
				continue;
			age = rate_age;
		} else {
			if (!fan_new)
				continue;
			age = fan_age;
			s->seen[0] = 0;
			s->seen[1] = 0;
		}
		/* A window that ended long ago says nothing about now. */
		s->prev = age < 2 * (__s64)(kind <= XT_ST_BPS ?
					    XT_RATE_WINDOW_NS :
					    cfg->fan_window_ns) ? s->cur : 0;
		s->cur = 0;
	}
	if (rate_new)
		st->rate_start = now;
	if (fan_new) {
		st->fan_start = now;
		st->fan_memo = 0;	/* the sets are empty again */
	}
	st->roll_at = state_roll_at(cfg, (struct xt_src_state *)st);
}

/*
 * Apply the rate and fan-out conditions of the stateful rules in m (whose
 * stateless conditions held): count the packet in each of their slots,
 * then keep a rule only if its count has reached its limit, in this window
 * or the one before.  One inlined table lookup per packet, no helper call
 * but the clock.  The table always gives an entry (state_find()); if its
 * lookup fails (it cannot: user space sized the table to cfg->sets), the
 * stateful rules do not match: the packet is never dropped for it.  Both
 * generations share the table: entries carry their epoch.
 */
static __always_inline __u64 state_old_apply(const struct xt_ruleset *rs,
					 const struct xt_pkt *p, __u64 m)
{
	const struct xt_state_cfg *cfg = &rs->st;
	struct xt_src_state_old *st;
	struct xt_src_key key;
	__u64 now, todo;
	int i;

	now = state_now(cfg);
	state_key(cfg, p, &key);
	st = (struct xt_src_state_old *)
		state_find(cfg, &key, xt_src_set_of(&key, cfg->table_seed,
						    cfg->sets), now);
	if (!st)
		return m & ~rs->stateful;
#ifdef XT_BENCH_STATE_NO_COUNT	/* bench variant: lookup, no counting */
	xt_barrier_var(st);
	return m & ~rs->stateful;
#endif
	state_old_roll(cfg, st, now);

	/*
	 * Only the stateful rules this packet matched (usually one to
	 * three), not all n slots testing each rule's bit: 0.5-4.5 ns less
	 * a stateful packet with the default rules' eight.  A rule's lowest
	 * bit finds its slot, kind and limit in one load
	 * (xt_state_cfg.by_bit).  Unrolled (a constant trip count, no
	 * exit): no loop counter, and 1.3-2.4 ns less a stateful packet
	 * than the loop that broke out once todo was empty (st-loop;
	 * docs/performance.md, "Per-source state").
	 */
	todo = m & rs->stateful;
#ifndef XT_BENCH_STATE_NO_MEMO
	/*
	 * Fan-out slots that already hold this destination's bit (the
	 * memo's slot bits, valid while its destination is this packet's)
	 * are left without hashing it: a flood or a conversation repeats
	 * its destination, so its packets skip both hashes and seen-word
	 * tests (docs/performance.md, "The fan-out memo, and the set's
	 * way 0").  Another destination takes the memo over.  Like the
	 * counts, the memo is written without atomics: a packet of another
	 * CPU taking it over between this check and a slot's test can make
	 * this packet skip a destination not yet counted, which its next
	 * packet then counts.
	 */
	if (todo & rs->fanout) {
		__u64 dest = xt_fan_dest(p->daddr_w[0], p->daddr_w[1],
					 p->dport);

#ifndef XT_BENCH_STATE_MEMO_MISS	/* bench variant: a scan's packets */
		if (st->fan_memo >> 8 != dest)
#endif
			st->fan_memo = dest << 8;
	}
#endif
#ifndef XT_BENCH_STATE_LOOP
#pragma clang loop unroll(full)
#endif
	for (i = 0; i < XT_MAX_STATEFUL; i++) {
		const struct xt_state_rule *sr;
		struct xt_src_slot_old *s;
		__u32 kind, limit, h;
		__u64 *w, b, bit;

#ifdef XT_BENCH_STATE_LOOP	/* bench variant: the loop, not unrolled */
		if (!todo)
			break;
#else
		if (!todo)
			continue;
#endif
		bit = todo & -todo;
		todo &= todo - 1;
		sr = &cfg->by_bit[xt_bit_hash(bit) & (XT_MAX_RULES - 1)];
		s = &st->s[sr->slot & (XT_MAX_STATEFUL - 1)];
		kind = sr->kind;
		limit = sr->limit;
#ifndef XT_BENCH_STATE_COUNT_HELD	/* bench variant: count on */
		/*
		 * A rule that reached its limit in this window holds until
		 * the window ends and through the next one: counting on
		 * changes nothing (prev only needs to reach the limit).
		 * 0.8-1.3 ns less for a flood in progress.
		 */
		if (s->cur >= limit)
			continue;
#endif
#ifndef XT_BENCH_STATE_NO_MEMO
		/*
		 * Only a fan-out slot ever has its memo bit (below), and
		 * only after the memo was checked for this destination: a
		 * set bit skips the kind's dispatch too.
		 */
		if (st->fan_memo & (1ULL << (sr->slot & (XT_MAX_STATEFUL - 1))))
			goto hold;
#endif
		if (kind == XT_ST_PPS) {
			s->cur++;
		} else if (kind == XT_ST_BPS) {
			s->cur = s->cur + p->len < s->cur ? ~0U :
				 s->cur + p->len;
		} else {
			h = state_hash(cfg, p, kind);
			w = &s->seen[(h >> 6) & 1];
			b = 1ULL << (h & 63);
			if (!(*w & b)) {
				*w |= b;
				s->cur++;
			}
#ifndef XT_BENCH_STATE_NO_MEMO
			st->fan_memo |= 1ULL << (sr->slot &
						 (XT_MAX_STATEFUL - 1));
#endif
		}
#ifndef XT_BENCH_STATE_NO_MEMO
hold:
#endif
#ifdef XT_BENCH_STATE_NO_HOLD	/* bench variant: counted, never holds */
		m &= ~bit;
#endif
		if (s->cur < limit && s->prev < limit)
			m &= ~bit;
	}
	return m;
}

#endif /* XDPTAG_STATE_OLD_H */
