/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every map of xdptag's BPF objects, each with who writes it and who reads
 * it.  docs/architecture.md ("Maps") describes the same maps for users;
 * tests/unit/test_maps_doc.sh checks that the two name the same ones.
 *
 * A program defines which object it is before including this header:
 *   XT_OBJ_XDP	bpf/xdp/xdptag.bpf.c		the XDP stage
 *   XT_OBJ_TC	bpf/tc/xdptag_tc.bpf.c		the TC stage
 *   XT_OBJ_LIVE	bpf/live/xdptag_live.bpf.c	replay --live's injector
 * A map one object uses is defined only in that object: libbpf creates
 * every map an object defines, used or not, and the TC stage has no use
 * for a 4 MB capture ring.
 *
 * The classifier's maps are defined in both the XDP and the TC object
 * (the TC stage classifies in the tc and auto bridge modes).  attach and
 * replay make the TC object reuse the XDP object's (bpf_map__reuse_fd()),
 * so the two stages share one of each; attach pins them per interface
 * (user/pins.h).  Names say the stage only where one stage alone writes.
 */
#ifndef XDPTAG_MAPS_H
#define XDPTAG_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xdptag.h"

#if defined(XT_OBJ_XDP) || defined(XT_OBJ_TC)

/*
 * Key 0 of the one-entry maps, in the object's rodata: the lookup takes
 * its address with one load of an immediate, where a key on the stack
 * took a store and the frame pointer's copy and add (2 instructions a
 * frame; docs/performance.md, "Three cuts with nothing traded").  The
 * verifier takes a map value, as it takes the stack, for a helper's key.
 */
static const volatile __u32 xt_key0_ro;
#define XT_KEY0	((const void *)&xt_key0_ro)

/* ------------------------------------------------ the classifier's --- */

/*
 * The rulesets, two generations.  A global alone in the .bss section
 * (include/xdptag.h, XT_RULES_SEC), which libbpf makes an array of one
 * entry: the classifier takes its ruleset's address with an add, where
 * a map lookup stored its key, tested its bounds and its result (3.2
 * instructions a frame on the mix).  Shared like xt_active.
 * Written by: user space (xt_ruleset_install(), user/ruleset_load.c) into
 *   the idle generation, through the map's mmap, before it flips
 *   xt_active.
 * Read by: the classifier, once per packet (ruleset_active()).
 */
struct xt_rulesets xt_rules SEC(XT_RULES_SEC);

/*
 * A count of generation flips; its lowest bit is the generation in use.
 * A global alone in its data section (include/xdptag.h, XT_ACTIVE_SEC),
 * which libbpf makes an array of one entry: the classifier reads it
 * with a load where a map lookup took 5-9 instructions more
 * (docs/performance.md, "Instructions per packet").  The TC object and
 * replay's runners use the XDP object's (xt_map_shared(), user/pins.h).
 * Written by: user space, the flip (one 8-byte map update).
 * Read by: the classifier, every packet.
 */
struct xt_active xt_active SEC(XT_ACTIVE_SEC);

/*
 * The prefix tables, one per generation: an array of struct xt_pfx_bucket
 * (XT_PFX_BUCKET slots each), then the IPv4 /24 chunks (two elements of
 * struct xt_pfx_chunk_half each; include/xdptag.h), sized by user space
 * to its ruleset; BPF_F_INNER_MAP lets tables of any size share this
 * slot.  A generation without prefixes beyond /16 has no table.
 * Written by: user space (xt_compile(), user/rules.c), before the flip.
 * Read by: the classifier, only for addresses whose /22 holds longer
 *   prefixes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_ARRAY);
#ifdef XT_BENCH_PFX_FIXED	/* bench variant: tables of one fixed size */
		__uint(max_entries, XT_BENCH_PFX_FIXED);
#else
		__uint(map_flags, BPF_F_INNER_MAP);
		__uint(max_entries, 1);
#endif
		/* Sizes, not types: clang leaves a type this deep as a
		 * forward declaration, which libbpf cannot size. */
		__uint(key_size, sizeof(__u32));
		__uint(value_size, sizeof(struct xt_pfx_bucket));
	});
} xt_prefix SEC(".maps");

/*
 * Per-source state: one table for both generations, an array of sets of
 * XT_STATE_WAYS sources (struct xt_src_set) that the datapath probes
 * itself (state_find(), bpf/lib/classify.h).  A plain global ARRAY, so
 * that the verifier inlines its lookup (no helper call, no outer map).
 * Its size is fixed when the object is loaded: the loader sets
 * max_entries from the rules file's state_sources (xt_state_table_size(),
 * user/ruleset_load.c); 16384 sets (65536 sources, 15 MB) unless it does.
 * A ruleset that asks for another size gets this one (`rules load`
 * warns).  Entries of another epoch (other stateful rules) count as free,
 * so a hot swap that keeps the stateful rules keeps the counts and one
 * that changes them starts afresh, with no new table.
 * Written by: the classifier, for packets whose stateless conditions
 *   matched a rate or fan-out rule.
 * Read by: the classifier (docs/detection.md); tests.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XT_STATE_DEFAULT_SETS);
	__type(key, __u32);
	__type(value, struct xt_src_set);
} xt_state SEC(".maps");

/*
 * The classifier's counters (per CPU; user space sums): per class, band
 * and rule, actions, tags written, and each classifying stage's verdict
 * memo, whose entries hold the counts of their sets of rules until they
 * are folded in (struct xt_cls_cpu, include/xdptag.h).
 * Written by: whichever stage classifies: XDP in the default (meta)
 *   bridge mode, TC for the packets it classifies in the tc and auto
 *   modes; hence the stage-neutral name.
 * Read by: `xdptag stats`, `status`, `probe`, the exporter, replay, tests,
 *   all through xt_cls_stats_read() (user/stats.c), which folds the memo.
 * Each stage also keeps the packet it classifies there (the scratch slots
 * of struct xt_cls_cpu).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_cls_cpu);
} xt_cls_stats SEC(".maps");

/*
 * The auto bridge mode's switch: set when TC first sees a packet without a
 * tag, after which TC classifies.
 * Written by: the TC stage.  Read by: both stages.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_bridge_state);
} xt_bridge SEC(".maps");

#endif /* XT_OBJ_XDP || XT_OBJ_TC */

#ifdef XT_OBJ_XDP

/* -------------------------------------------------- the XDP stage's --- */

/*
 * Why the last packet got its verdict: per rule, which dimensions matched.
 * Written by: XDP, only when loaded with cfg_xdp.explain (replay and tests;
 *   production loads compile the store away).
 * Read by: `xdptag replay`, tests/prog.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_explain);
} xt_explain SEC(".maps");

/*
 * `xdptag capture`'s switch, filter and rate, and XDP's counters of what
 * it sampled.  Mappable: the capturing process writes cfg and reads st in
 * memory.
 * Written by: `xdptag capture` (cfg); XDP (st).
 * Read by: XDP, one flag per packet (bpf/xdp/capture.h); `xdptag capture`.
 *
 * A global alone in its own data section, which libbpf makes a map of:
 * an array of one entry, 4-byte key, the section as value (the struct:
 * nothing else may go in it, tests/unit/test_pins.c), mappable because
 * the variable is not static.  The same layout as a map defined in .maps,
 * so pins of either kind serve either version; but the program reaches it
 * by address (one ld_imm64 and a load per packet), not through a lookup
 * (docs/performance.md, "The capture switch as a global").  The bench's
 * cap-lookup variant builds the map and the lookup as they were.
 */
#ifdef XT_BENCH_CAP_LOOKUP
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xt_cap);
} xt_cap SEC(".maps");
#else
struct xt_cap xt_cap SEC(XT_CAP_SEC);
#endif

/*
 * The sampled packets with their verdict.  4 MB: records take the header
 * and the bytes kept, so this holds 50,000 records of small packets,
 * 2,700 of 1,500-byte ones.
 * Written by: XDP, only while a capture runs.
 * Read by: `xdptag capture`, `replay --live` (docs/capture.md).
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} xt_cap_ring SEC(".maps");

/*
 * A record is built here, then copied into the ring at its real length:
 * bpf_ringbuf_reserve() takes only a constant size, which would make every
 * record as long as the longest.  Not pinned.
 * Written and read by: XDP, while a capture runs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_cap_rec);
} xt_cap_scratch SEC(".maps");

#endif /* XT_OBJ_XDP */

#ifdef XT_OBJ_TC

/* --------------------------------------------------- the TC stage's --- */

/*
 * What the TC stage found in front of each packet (valid tag, none,
 * foreign, short) and did (marked, classified, dropped); per CPU.
 * Written by: the TC stage.
 * Read by: `xdptag stats`, `status` (bridge health), the exporter.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_tc_stats);
} xt_tc_stats SEC(".maps");

#endif /* XT_OBJ_TC */

#ifdef XT_OBJ_LIVE

/*
 * What TC left in each injected frame (mark, tag), reported by the
 * observer that runs after xdptag's TC stage.
 * Written by: xdptag_observe (TC).  Read by: `replay --live`.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} xt_live_ring SEC(".maps");

#endif /* XT_OBJ_LIVE */

#endif
