// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test-only XDP programs that put metadata xdptag did not write in front of
 * the packet, standing in for another XDP program or a driver, so that the
 * TC stage's foreign and short-metadata paths see real packets.  Each is
 * loaded by name (bpftool prog loadall pins them by function name).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xdptag.h"

/* Reserve len bytes of metadata and fill them from src; pass either way. */
static __always_inline int meta_put(struct xdp_md *ctx, const void *src,
				    int len)
{
	void *data, *meta;

	if (bpf_xdp_adjust_meta(ctx, -len))
		return XDP_PASS;
	data = (void *)(long)ctx->data;
	meta = (void *)(long)ctx->data_meta;
	if (meta + len > data)
		return XDP_PASS;
	__builtin_memcpy(meta, src, len);
	return XDP_PASS;
}

/* A full-size area with another owner's magic. */
SEC("xdp")
int meta_foreign(struct xdp_md *ctx)
{
	struct xdptag_tag t = {
		.magic = 0xbeef, .version = XDPTAG_VERSION,
		.len = XDPTAG_TAG_LEN, .class_id = 0x33, .score = 0xff,
	};

	return meta_put(ctx, &t, sizeof(t));
}

/* Our magic, a version this TC stage does not know. */
SEC("xdp")
int meta_version(struct xdp_md *ctx)
{
	struct xdptag_tag t = {
		.magic = XDPTAG_MAGIC, .version = XDPTAG_VERSION + 1,
		.len = XDPTAG_TAG_LEN, .class_id = 0x33, .score = 0xff,
	};

	return meta_put(ctx, &t, sizeof(t));
}

/* Eight bytes that begin like a tag: too short to be one. */
SEC("xdp")
int meta_short(struct xdp_md *ctx)
{
	struct xdptag_tag t = {
		.magic = XDPTAG_MAGIC, .version = XDPTAG_VERSION,
		.len = XDPTAG_TAG_LEN, .class_id = 0x33, .score = 0xff,
	};

	return meta_put(ctx, &t, 8);
}

/*
 * A valid tag (class 0x33), then 8 bytes in front of it, as an XDP program
 * that ran after xdptag's and used the metadata area too would leave it:
 * the tag is immediately before data, not at data_meta.
 */
SEC("xdp")
int meta_outer(struct xdp_md *ctx)
{
	struct xdptag_tag t = {
		.magic = XDPTAG_MAGIC, .version = XDPTAG_VERSION,
		.len = XDPTAG_TAG_LEN, .class_id = 0x33, .score = 0xff,
	};
	__u64 theirs = 0x1122334455667788ULL;

	meta_put(ctx, &t, sizeof(t));
	return meta_put(ctx, &theirs, sizeof(theirs));
}

/* 8 bytes of another program's metadata, then a valid tag in front of
 * them: xdptag's XDP stage running after that program. */
SEC("xdp")
int meta_inner(struct xdp_md *ctx)
{
	struct xdptag_tag t = {
		.magic = XDPTAG_MAGIC, .version = XDPTAG_VERSION,
		.len = XDPTAG_TAG_LEN, .class_id = 0x34, .score = 0xff,
	};
	__u64 theirs = 0x1122334455667788ULL;

	meta_put(ctx, &theirs, sizeof(theirs));
	return meta_put(ctx, &t, sizeof(t));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
