// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pcapng writer (the IETF draft "PCAP Next Generation Dump File Format"):
 * blocks in host byte order, which the byte-order magic of the section
 * header tells readers.  Only what `xdptag capture` needs.
 */
#include <errno.h>
#include <string.h>
#include "pcapng.h"

enum {
	BT_SHB = 0x0a0d0d0a,	/* section header */
	BT_IDB = 0x00000001,	/* interface description */
	BT_EPB = 0x00000006,	/* enhanced packet */
	OPT_END = 0,
	OPT_COMMENT = 1,
	OPT_SHB_USERAPPL = 4,
	OPT_IF_NAME = 2,
	OPT_IF_TSRESOL = 9,
	LINKTYPE_ETHERNET = 1,
};

#define PAD4(n)	(((n) + 3) & ~3u)

struct buf {
	unsigned char b[2048 + 512];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (n > sizeof(b->b) - b->n)
		n = sizeof(b->b) - b->n;
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put32(struct buf *b, __u32 v)
{
	put(b, &v, 4);
}

static void put16(struct buf *b, __u16 v)
{
	put(b, &v, 2);
}

static void pad(struct buf *b)
{
	static const unsigned char z[4];

	put(b, z, PAD4(b->n) - b->n);
}

static void opt(struct buf *b, __u16 code, const void *v, __u16 len)
{
	put16(b, code);
	put16(b, len);
	put(b, v, len);
	pad(b);
}

/* Close a block: end of options, trailing length, patched leading one. */
static int block_write(FILE *f, struct buf *b, int has_opts)
{
	__u32 total;

	if (has_opts) {
		put16(b, OPT_END);
		put16(b, 0);
	}
	total = b->n + 4;
	put32(b, total);
	memcpy(b->b + 4, &total, 4);
	if (b->n != total)
		return -EOVERFLOW;
	return fwrite(b->b, 1, b->n, f) == b->n ? 0 : -EIO;
}

int xt_pcapng_begin(FILE *f, const char *ifname, __u32 snaplen)
{
	static const char app[] = "xdptag capture";
	const __u8 tsresol = 9;		/* 10^-9 s */
	struct buf b = { .n = 0 };
	__u64 section_len = ~0ULL;	/* unknown: a stream */
	int err;

	put32(&b, BT_SHB);
	put32(&b, 0);
	put32(&b, 0x1a2b3c4d);
	put16(&b, 1);
	put16(&b, 0);
	put(&b, &section_len, 8);
	opt(&b, OPT_SHB_USERAPPL, app, sizeof(app) - 1);
	err = block_write(f, &b, 1);
	if (err)
		return err;

	b.n = 0;
	put32(&b, BT_IDB);
	put32(&b, 0);
	put16(&b, LINKTYPE_ETHERNET);
	put16(&b, 0);
	put32(&b, snaplen);
	opt(&b, OPT_IF_NAME, ifname, strlen(ifname));
	opt(&b, OPT_IF_TSRESOL, &tsresol, 1);
	return block_write(f, &b, 1);
}

int xt_pcapng_packet(FILE *f, __u64 ts_ns, const void *data, __u32 cap_len,
		     __u32 wire_len, const char *comment)
{
	struct buf b = { .n = 0 };
	size_t clen = comment ? strlen(comment) : 0;

	if (cap_len > 2048 || clen > 400)
		return -EOVERFLOW;
	put32(&b, BT_EPB);
	put32(&b, 0);
	put32(&b, 0);			/* interface 0 */
	put32(&b, ts_ns >> 32);
	put32(&b, (__u32)ts_ns);
	put32(&b, cap_len);
	put32(&b, wire_len);
	put(&b, data, cap_len);
	pad(&b);
	if (clen)
		opt(&b, OPT_COMMENT, comment, clen);
	return block_write(f, &b, clen > 0);
}
