/*
 * ckdns.h: DNS answers built by hand for check suites, and a scripted
 * resolver (a dns_query_fn) that answers from a table of records.
 */
#ifndef STAMP_CKDNS_H
#define STAMP_CKDNS_H

#include <check.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

/* A packet being built. */
struct pkt {
	unsigned char	 b[4096];
	size_t		 n;
};

static inline void
put8(struct pkt *p, unsigned v)
{
	ck_assert_uint_lt(p->n, sizeof p->b);
	p->b[p->n++] = (unsigned char)v;
}

static inline void
put16(struct pkt *p, unsigned v)
{
	put8(p, v >> 8);
	put8(p, v & 0xff);
}

static inline void
put32(struct pkt *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

static inline void
putraw(struct pkt *p, const void *s, size_t n)
{
	ck_assert_uint_le(p->n + n, sizeof p->b);
	memcpy(p->b + p->n, s, n);
	p->n += n;
}

/* A name as labels ("a.b" -> 1a1b0); "" is the root. */
static inline void
putname(struct pkt *p, const char *name)
{
	while (*name != '\0') {
		const char	*dot = strchr(name, '.');
		size_t		 l = dot ? (size_t)(dot - name) : strlen(name);

		put8(p, (unsigned)l);
		putraw(p, name, l);
		name += l + (dot ? 1 : 0);
	}
	put8(p, 0);
}

static inline void
putptr(struct pkt *p, unsigned off)
{
	put16(p, 0xc000 | off);
}

/* Header + question: QR set, the rcode, counts as given. */
static inline void
header(struct pkt *p, unsigned rcode, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
	p->n = 0;
	put16(p, 0x1234);
	put16(p, 0x8180 | rcode);
	put16(p, qd);
	put16(p, an);
	put16(p, ns);
	put16(p, ar);
}

static inline void
question(struct pkt *p, const char *name, unsigned type)
{
	putname(p, name);
	put16(p, type);
	put16(p, ns_c_in);
}

/* Start a record for owner at offset off (a pointer) or a name. */
static inline void
rr_start(struct pkt *p, const char *owner, unsigned type)
{
	if (owner == NULL)
		putptr(p, 12);          /* the question's name */
	else
		putname(p, owner);
	put16(p, type);
	put16(p, ns_c_in);
	put32(p, 300);
}

static inline void
rr_mx(struct pkt *p, const char *owner, unsigned pref, const char *target)
{
	struct pkt	 rd = { .n = 0 };

	rr_start(p, owner, ns_t_mx);
	put16(&rd, pref);
	putname(&rd, target);
	put16(p, (unsigned)rd.n);
	putraw(p, rd.b, rd.n);
}

static inline void
rr_a(struct pkt *p, const char *owner, const char *ip)
{
	unsigned char	 a[16];
	int		 v6 = strchr(ip, ':') != NULL;

	ck_assert_int_eq(inet_pton(v6 ? AF_INET6 : AF_INET, ip, a), 1);
	rr_start(p, owner, v6 ? ns_t_aaaa : ns_t_a);
	put16(p, v6 ? 16 : 4);
	putraw(p, a, v6 ? 16 : 4);
}

static inline void
rr_cname(struct pkt *p, const char *owner, const char *target)
{
	struct pkt	 rd = { .n = 0 };

	rr_start(p, owner, ns_t_cname);
	putname(&rd, target);
	put16(p, (unsigned)rd.n);
	putraw(p, rd.b, rd.n);
}

/*
 * A scripted zone: each entry answers (name, type) with a status and up to
 * 8 records, "PREF NAME" for MX, an address for A and AAAA, a target for
 * CNAME. Names not in the table are NXDOMAIN; a known name asked for a type
 * it has no entry for is NODATA.
 */
struct ckzone_rr {
	const char	*name;
	int		 type;
	enum dns_status	 st;            /* DNS_FOUND, or the failure to report */
	const char	*rr[8];
};

struct ckzone {
	const struct ckzone_rr	*rrs;
	size_t			 n;
	unsigned		 asked;
	char			 log[4096];     /* "type:name " for every query, in order */
};

static inline int
ckzone_query(struct dns *d, const char *name, int type, unsigned char *ans, size_t anssz,
    enum dns_status *st)
{
	struct ckzone	*z = d->ctx;
	struct pkt	 p;
	int		 known = 0;
	size_t		 l = strlen(z->log);

	z->asked++;
	snprintf(z->log + l, sizeof z->log - l, "%s:%s ", type == ns_t_mx ? "mx" :
	    type == ns_t_a ? "a" : type == ns_t_aaaa ? "aaaa" : "?", name);
	for (size_t i = 0; i < z->n; i++) {
		const struct ckzone_rr *e = &z->rrs[i];
		size_t k;

		if (!dns_name_eq(e->name, name))
			continue;
		known = 1;
		if (e->type != type && e->type != ns_t_cname)
			continue;
		if (e->st != DNS_FOUND) {
			*st = e->st;
			return -1;
		}
		for (k = 0; k < 8 && e->rr[k] != NULL; k++)
			;
		header(&p, 0, 1, (unsigned)k, 0, 0);
		question(&p, name, (unsigned)type);
		for (size_t j = 0; j < k; j++) {
			if (e->type == ns_t_mx) {
				char	 target[256];
				unsigned pref;

				ck_assert_int_eq(sscanf(e->rr[j], "%u %255s", &pref, target), 2);
				rr_mx(&p, NULL, pref, strcmp(target, ".") == 0 ? "" : target);
			} else if (e->type == ns_t_cname)
				rr_cname(&p, NULL, e->rr[j]);
			else
				rr_a(&p, NULL, e->rr[j]);
		}
		ck_assert_uint_le(p.n, anssz);
		memcpy(ans, p.b, p.n);
		return (int)p.n;
	}
	*st = known ? DNS_NODATA : DNS_NXDOMAIN;
	return -1;
}

/* A struct dns that asks z. Free d->ans with free() after. */
static inline void
ckzone_dns(struct dns *d, struct ckzone *z)
{
	memset(d, 0, sizeof *d);
	d->ans = malloc(DNS_ANSWER_MAX);
	ck_assert_ptr_nonnull(d->ans);
	d->query = ckzone_query;
	d->ctx = z;
}

#endif
