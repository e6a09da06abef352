/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The nftables ruleset `xdptag nft` prints, for other commands to load. */
#ifndef XDPTAG_NFT_H
#define XDPTAG_NFT_H

#include <stdbool.h>
#include <stdio.h>
#include "pins.h"

/*
 * The ruleset counting ifname's marks ("": any interface); 0 or -errno.
 * netdev: in a netdev ingress chain on ifname (which sees every frame TC
 * passed, also those the IP layer would discard) instead of inet
 * prerouting.
 */
int xt_nft_ruleset(FILE *f, const char *ifname,
		   const struct xt_attach_info *info, bool netdev);

#endif
