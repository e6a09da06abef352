/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The live netfilter rulesets as mark users (docs/coexistence.md): attach
 * reads `nft -j list ruleset` and `iptables-save` / `ip6tables-save` of its
 * network namespace and warns about every rule that matches or sets mark
 * bits inside xdptag's mask, naming table, chain and rule.  Rules of
 * xdptag's own recipes (tables named xdptag*, comments with "xdptag") are
 * left out.
 */
#ifndef XDPTAG_MARK_RULES_H
#define XDPTAG_MARK_RULES_H

#include <stdint.h>
#include <stdio.h>

/* One "Warning: ..." line on f per rule; returns how many. */
int xt_mark_rules_warn(uint32_t mask, FILE *f);

/*
 * The pieces, for tests.  nft_json: the output of `nft -j list ruleset`;
 * skip_ip, skip_ip6: space-separated iptables(-nft) table names whose rules
 * the iptables-save scan reports instead.  save: iptables-save output;
 * cmd names the tool in the warning.
 */
int xt_mark_rules_nft(const char *nft_json, uint32_t mask,
		      const char *skip_ip, const char *skip_ip6, FILE *f);
int xt_mark_rules_ipt(const char *save, const char *cmd, uint32_t mask,
		      char *tables, size_t tables_len, FILE *f);

/* The skb->mark bits one iptables-save rule line reads and writes: ct
 * mark is not the packet's mark. */
void xt_mark_rules_ipt_line(const char *line, uint32_t *rd, uint32_t *wr);

#endif
