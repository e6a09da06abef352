/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Bench only (XT_BENCH_STATE_OLD): the state path before branch state-fast. */
static inline __u32 old_src_set_of(const struct xt_src_key *k, __u32 seed,
				  __u32 sets)
{
	__u64 x = (__u64)k->addr[2] << 32 | k->addr[3];
	__u64 y = (__u64)k->addr[0] << 32 | k->addr[1];
	__u64 h = (x ^ seed) * XT_SRC_HASH_K;

	h ^= h >> 32;
	h = (h ^ y) * XT_SRC_HASH_K;
	h ^= h >> 32;
	return ((h & 0xffffffffULL) * sets) >> 32;
}

static __always_inline void old_state_key(const struct xt_state_cfg *cfg,
				      const struct xt_pkt *p,
				      struct xt_src_key *k)
{
	int i;

	if (p->features & XT_F_IPV6) {
		for (i = 0; i < 4; i++)
			k->addr[i] = p->saddr[i] & cfg->v6_mask[i];
		return;
	}
	k->addr[0] = 0;
	k->addr[1] = 0;
	k->addr[2] = bpf_htonl(0xffff);
	k->addr[3] = p->saddr[0];
}

/* Which of XT_FANOUT_BITS a destination port or address sets. */
static __always_inline __u32 old_state_hash(const struct xt_state_cfg *cfg,
					const struct xt_pkt *p, __u32 kind)
{
	__u32 x;

	if (kind == XT_ST_DPORTS)
		x = p->dport;
	else
		x = p->daddr[0] ^ p->daddr[1] ^ p->daddr[2] ^ p->daddr[3];
	return ((x ^ cfg->hash_seed) * 0x9e3779b1U) >> 25;	/* 7 bits */
}

/* Start new windows that are due; the one just ended becomes prev. */
static __always_inline void old_state_roll(const struct xt_state_cfg *cfg,
				       struct xt_src_state *st, __u64 now)
{
	/*
	 * Another CPU may have started the window with a later clock read
	 * than ours: a start in our future is age 0, not a huge age that
	 * would end the window it just began.
	 */
	__s64 rate_age = now - st->rate_start;
	__s64 fan_age = now - st->fan_start;
	int rate_new = rate_age >= (__s64)XT_RATE_WINDOW_NS;
	int fan_new = fan_age >= (__s64)cfg->fan_window_ns;
	int k;

	if (!rate_new && !fan_new)
		return;
	for (k = 0; k < XT_MAX_STATEFUL; k++) {
		struct xt_src_slot *s = &st->s[k];
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
	if (fan_new)
		st->fan_start = now;
}

/*
 * The source's entry in its set, or a fresh one: a free way (never used,
 * or of another epoch) first, else the way seen least recently, which is
 * reset for the source.  So a source always gets an entry, and a busy
 * source leaves its set only after XT_STATE_WAYS sources new to the set
 * arrived since its last packet (docs/rules.md, "Per-source state").
 * Two CPUs that miss on one source together may each take a way: the
 * counts split until one way, no longer seen, is taken over.
 */
static __always_inline struct xt_src_state *
old_state_find(const struct xt_state_cfg *cfg, const struct xt_src_key *key,
	   __u64 now)
{
	__u64 k0 = key->w[0], k1 = key->w[1];
	__u64 epoch = cfg->epoch, oldest = ~0ULL;
	struct xt_src_state *st;
	struct xt_src_set *set;
	__u32 idx;
	int i, victim = 0;

#ifdef XT_BENCH_STATE_NO_LOOKUP	/* bench variant: set 0, way 0, no probe */
	idx = 0;
	xt_barrier_var(idx);
	set = bpf_map_lookup_elem(&xt_state, &idx);
	if (!set)
		return NULL;
	set->last[0] = now;
	return &set->w[0];
#endif
	idx = old_src_set_of(key, cfg->table_seed, cfg->sets);
	set = bpf_map_lookup_elem(&xt_state, &idx);
	if (!set)
		return NULL;
	for (i = 0; i < XT_STATE_WAYS; i++) {
		if (set->epoch[i] == epoch && set->key[i].w[0] == k0 &&
		    set->key[i].w[1] == k1) {
			set->last[i] = now;
			return &set->w[i];
		}
	}
	for (i = 0; i < XT_STATE_WAYS; i++) {
		if (set->epoch[i] != epoch) {	/* free: taken first */
			victim = i;
			break;
		}
		if (set->last[i] < oldest) {
			oldest = set->last[i];
			victim = i;
		}
	}
	victim &= XT_STATE_WAYS - 1;
	set->key[victim] = *key;
	set->epoch[victim] = epoch;
	set->last[victim] = now;
	st = &set->w[victim];
	__builtin_memset(st->s, 0, sizeof(st->s));
	st->rate_start = now;
	st->fan_start = now;
	return st;
}

/*
 * Apply the rate and fan-out conditions of the stateful rules in m (whose
 * stateless conditions held): count the packet in each of their slots,
 * then keep a rule only if its count has reached its limit, in this window
 * or the one before.  One inlined table lookup per packet, no helper call
 * but the clock.  The table always gives an entry (old_state_find()); if its
 * lookup fails (it cannot: user space sized the table to cfg->sets), the
 * stateful rules do not match: the packet is never dropped for it.  Both
 * generations share the table: entries carry their epoch.
 */
static __always_inline __u64 old_state_apply(const struct xt_ruleset *rs,
					 const struct xt_pkt *p, __u64 m)
{
	const struct xt_state_cfg *cfg = &rs->st;
	struct xt_src_state *st;
	struct xt_src_key key;
	__u64 now, todo;
	int i;

#ifdef XT_BENCH_STATE_NO_CLOCK	/* bench variant: no clock read */
	now = xt_clock_ns;
#else
	if (cfg_clock_user)
		now = xt_clock_ns;
#ifndef XT_BENCH_STATE_COARSE	/* bench variant: always the coarse clock */
	else if (cfg->jiffy_ns)
		now = bpf_jiffies64() * cfg->jiffy_ns;
#endif
	else
		now = bpf_ktime_get_coarse_ns();
#endif
	old_state_key(cfg, p, &key);
	st = old_state_find(cfg, &key, now);
	if (!st)
		return m & ~rs->stateful;
#ifdef XT_BENCH_STATE_NO_COUNT	/* bench variant: lookup, no counting */
	xt_barrier_var(st);
	return m & ~rs->stateful;
#endif
	old_state_roll(cfg, st, now);

	/*
	 * Only the stateful rules this packet matched (usually one to
	 * three), not all n slots testing each rule's bit: 0.5-4.5 ns less
	 * a stateful packet with the default rules' eight
	 * (docs/performance.md, st-all-slots).  A rule's lowest bit finds
	 * its slot, kind and limit in one load (xt_state_cfg.by_bit).
	 */
	todo = m & rs->stateful;
	for (i = 0; i < XT_MAX_STATEFUL; i++) {
		struct xt_src_slot *s;
		__u32 kind, k, h, limit;
		__u64 *w, b, bit;

#ifdef XT_BENCH_STATE_ALL_SLOTS	/* bench variant: the walk it replaced */
		k = i;
		if (k >= cfg->n)
			break;
		bit = 1ULL << (cfg->rule[k] & (XT_MAX_RULES - 1));
		if (!(todo & bit))
			continue;
		kind = cfg->kind[k];
		limit = cfg->limit[k];
#else
		const struct xt_state_rule *sr;

		if (!todo)
			break;
		bit = todo & -todo;
		todo &= todo - 1;
		sr = &cfg->by_bit[xt_bit_hash(bit) & (XT_MAX_RULES - 1)];
		k = sr->slot & (XT_MAX_STATEFUL - 1);
		kind = sr->kind;
		limit = sr->limit;
#endif
		s = &st->s[k];
		if (kind == XT_ST_PPS) {
			s->cur++;
		} else if (kind == XT_ST_BPS) {
			s->cur = s->cur + p->len < s->cur ? ~0U :
				 s->cur + p->len;
		} else {
			h = old_state_hash(cfg, p, kind);
			w = &s->seen[(h >> 6) & 1];
			b = 1ULL << (h & 63);
			if (!(*w & b)) {
				*w |= b;
				s->cur++;
			}
		}
#ifdef XT_BENCH_STATE_NO_HOLD	/* bench variant: counted, never holds */
		m &= ~bit;
#endif
		if (s->cur < limit && s->prev < limit)
			m &= ~bit;
	}
	return m;
}

