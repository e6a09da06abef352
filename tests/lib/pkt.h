/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Frame builder for tests: append headers to a buffer, field by field, so a
 * test states exactly the bytes the program sees.  Checksums are left zero:
 * the parser never looks at them.
 */
#ifndef XDPTAG_TEST_PKT_H
#define XDPTAG_TEST_PKT_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

struct pkt {
	uint8_t b[16384];
	uint32_t len;
};

/* A dotted IPv4 address in host order, as the frame builders take it. */
static inline uint32_t ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return ntohl(a.s_addr);
}

static inline void pkt_put(struct pkt *p, const void *d, uint32_t n)
{
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

static inline void pkt_u8(struct pkt *p, uint8_t v) { pkt_put(p, &v, 1); }

static inline void pkt_u16(struct pkt *p, uint16_t v)
{
	v = htons(v);
	pkt_put(p, &v, 2);
}

static inline void pkt_u32(struct pkt *p, uint32_t v)
{
	v = htonl(v);
	pkt_put(p, &v, 4);
}

static inline void pkt_zero(struct pkt *p, uint32_t n)
{
	memset(p->b + p->len, 0, n);
	p->len += n;
}

static inline void pkt_eth(struct pkt *p, uint16_t type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	pkt_put(p, macs, sizeof(macs));
	pkt_u16(p, type);
}

/* A VLAN tag after the MACs: TPID already written as the ethertype. */
static inline void pkt_vlan(struct pkt *p, uint16_t tci, uint16_t next)
{
	pkt_u16(p, tci);
	pkt_u16(p, next);
}

/* IPv4 header of ihl words (options zero-filled), addresses in host order. */
static inline void pkt_ipv4(struct pkt *p, uint8_t ihl, uint8_t proto,
			    uint8_t ttl, uint16_t frag, uint32_t src,
			    uint32_t dst, uint16_t payload)
{
	pkt_u8(p, 0x40 | ihl);
	pkt_u8(p, 0);
	pkt_u16(p, ihl * 4 + payload);
	pkt_u16(p, 1);		/* id */
	pkt_u16(p, frag);
	pkt_u8(p, ttl);
	pkt_u8(p, proto);
	pkt_u16(p, 0);
	pkt_u32(p, src);
	pkt_u32(p, dst);
	if (ihl > 5)
		pkt_zero(p, (ihl - 5) * 4);
}

static inline void pkt_ipv6(struct pkt *p, uint8_t nh, uint8_t hlim,
			    const char *src, const char *dst, uint16_t payload)
{
	uint8_t a[16];

	pkt_u32(p, 0x60000000);
	pkt_u16(p, payload);
	pkt_u8(p, nh);
	pkt_u8(p, hlim);
	inet_pton(AF_INET6, src, a);
	pkt_put(p, a, 16);
	inet_pton(AF_INET6, dst, a);
	pkt_put(p, a, 16);
}

/* Generic extension header of (len + 1) * 8 bytes. */
static inline void pkt_ip6ext(struct pkt *p, uint8_t nh, uint8_t len)
{
	pkt_u8(p, nh);
	pkt_u8(p, len);
	pkt_zero(p, 6 + len * 8);
}

static inline void pkt_ip6frag(struct pkt *p, uint8_t nh, uint16_t off8,
			       int more)
{
	pkt_u8(p, nh);
	pkt_u8(p, 0);
	pkt_u16(p, (uint16_t)(off8 << 3) | (more ? 1 : 0));
	pkt_u32(p, 0x1234);
}

static inline void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport,
			   uint8_t flags, uint8_t doff)
{
	pkt_u16(p, sport);
	pkt_u16(p, dport);
	pkt_u32(p, 1);
	pkt_u32(p, 0);
	pkt_u8(p, doff << 4);
	pkt_u8(p, flags);
	pkt_u16(p, 65535);
	pkt_u32(p, 0);
	if (doff > 5)
		pkt_zero(p, (doff - 5) * 4);
}

static inline void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport,
			   uint16_t payload)
{
	pkt_u16(p, sport);
	pkt_u16(p, dport);
	pkt_u16(p, 8 + payload);
	pkt_u16(p, 0);
}

static inline void pkt_icmp(struct pkt *p, uint8_t type, uint8_t code)
{
	pkt_u8(p, type);
	pkt_u8(p, code);
	pkt_u16(p, 0);
	pkt_u32(p, 0);
}

#endif
