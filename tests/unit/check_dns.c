/*
 * check_dns.c: the DNS answer parsers on crafted packets (good ones, and
 * every kind of broken: cut anywhere, pointer loops, counts that lie,
 * rdlength past the end), nameserver lines, reverse names, and whole
 * lookups through a scripted query function (CNAMEs across answers).
 *
 * Every packet is handed to the parser in a buffer of exactly its length,
 * so under the sanitizer build any read past the end is caught.
 */
#include <check.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "tests/unit/ckmain.h"

/* A packet being built. */
struct pkt {
	unsigned char	 b[4096];
	size_t		 n;
};

static void
put8(struct pkt *p, unsigned v)
{
	ck_assert_uint_lt(p->n, sizeof p->b);
	p->b[p->n++] = (unsigned char)v;
}

static void
put16(struct pkt *p, unsigned v)
{
	put8(p, v >> 8);
	put8(p, v & 0xff);
}

static void
put32(struct pkt *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

static void
putraw(struct pkt *p, const void *s, size_t n)
{
	ck_assert_uint_le(p->n + n, sizeof p->b);
	memcpy(p->b + p->n, s, n);
	p->n += n;
}

/* A name as labels ("a.b" -> 1a1b0); "" is the root. */
static void
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

static void
putptr(struct pkt *p, unsigned off)
{
	put16(p, 0xc000 | off);
}

/* Header + question: QR set, the rcode, counts as given. */
static void
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

static void
question(struct pkt *p, const char *name, unsigned type)
{
	putname(p, name);
	put16(p, type);
	put16(p, ns_c_in);
}

/* Start a record for owner at offset off (a pointer) or a name. */
static void
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

static void
rr_mx(struct pkt *p, const char *owner, unsigned pref, const char *target)
{
	struct pkt	 rd = { .n = 0 };

	rr_start(p, owner, ns_t_mx);
	put16(&rd, pref);
	putname(&rd, target);
	put16(p, (unsigned)rd.n);
	putraw(p, rd.b, rd.n);
}

static void
rr_a(struct pkt *p, const char *owner, const char *ip)
{
	unsigned char	 a[16];
	int		 v6 = strchr(ip, ':') != NULL;

	ck_assert_int_eq(inet_pton(v6 ? AF_INET6 : AF_INET, ip, a), 1);
	rr_start(p, owner, v6 ? ns_t_aaaa : ns_t_a);
	put16(p, v6 ? 16 : 4);
	putraw(p, a, v6 ? 16 : 4);
}

static void
rr_cname(struct pkt *p, const char *owner, const char *target)
{
	struct pkt	 rd = { .n = 0 };

	rr_start(p, owner, ns_t_cname);
	putname(&rd, target);
	put16(p, (unsigned)rd.n);
	putraw(p, rd.b, rd.n);
}

/* The packet in a buffer of exactly its size (the sanitizer sees overreads). */
static unsigned char *
exact(const struct pkt *p, size_t n)
{
	unsigned char	*b = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(b);
	memcpy(b, p->b, n);
	return b;
}

static enum dns_status
mx_of(const struct pkt *p, size_t n, const char *q, struct dns_mxlist *out, char *cname)
{
	unsigned char	*b = exact(p, n);
	enum dns_status	 st = dns_parse_mx(b, n, q, out, cname, DNS_NAME_SZ);

	free(b);
	return st;
}

static enum dns_status
addr_of(const struct pkt *p, size_t n, const char *q, int type, struct dns_iplist *out)
{
	unsigned char	*b = exact(p, n);
	char		 cname[DNS_NAME_SZ];
	enum dns_status	 st = dns_parse_addr(b, n, q, type, out, cname, sizeof cname);

	free(b);
	return st;
}

START_TEST(mx_good)
{
	struct pkt		 p;
	struct dns_mxlist	 mx;
	char			 cname[DNS_NAME_SZ];

	header(&p, 0, 1, 3, 0, 0);
	question(&p, "Example.COM", ns_t_mx);
	rr_mx(&p, NULL, 20, "mx2.example.com");
	rr_mx(&p, NULL, 10, "mx1.example.com");
	rr_mx(&p, "other.example", 1, "wrong.example");   /* not our name: ignored */
	ck_assert_int_eq(mx_of(&p, p.n, "example.com.", &mx, cname), DNS_FOUND);
	ck_assert_uint_eq(mx.n, 2);
	ck_assert_uint_eq(mx.mx[0].pref, 20);
	ck_assert_str_eq(mx.mx[0].name, "mx2.example.com");
	ck_assert_uint_eq(mx.mx[1].pref, 10);
	ck_assert_str_eq(mx.mx[1].name, "mx1.example.com");
	ck_assert_str_eq(cname, "");
}
END_TEST

START_TEST(mx_null)
{
	struct pkt		 p;
	struct dns_mxlist	 mx;

	header(&p, 0, 1, 1, 0, 0);
	question(&p, "example.com", ns_t_mx);
	rr_mx(&p, NULL, 0, "");
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_FOUND);
	ck_assert_uint_eq(mx.n, 1);
	ck_assert_uint_eq(mx.mx[0].pref, 0);
	ck_assert_str_eq(mx.mx[0].name, "");
}
END_TEST

/* A compressed exchange name: a pointer into the question's name. */
START_TEST(mx_compressed)
{
	struct pkt		 p;
	struct dns_mxlist	 mx;

	header(&p, 0, 1, 1, 0, 0);
	question(&p, "example.com", ns_t_mx);
	rr_start(&p, NULL, ns_t_mx);
	put16(&p, 2 + 4 + 2);
	put16(&p, 5);
	put8(&p, 3);
	putraw(&p, "mx1", 3);
	putptr(&p, 12);
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_FOUND);
	ck_assert_str_eq(mx.mx[0].name, "mx1.example.com");
}
END_TEST

/* More than DNS_MX_MAX records: the best ones are kept. */
START_TEST(mx_many)
{
	struct pkt		 p;
	struct dns_mxlist	 mx;
	char			 name[32];

	header(&p, 0, 1, DNS_MX_MAX + 10, 0, 0);
	question(&p, "e.com", ns_t_mx);
	for (unsigned i = 0; i < DNS_MX_MAX + 10; i++) {
		snprintf(name, sizeof name, "mx%u.e.com", i);
		rr_mx(&p, NULL, 100 - i, name);
	}
	ck_assert_int_eq(mx_of(&p, p.n, "e.com", &mx, NULL), DNS_FOUND);
	ck_assert_uint_eq(mx.n, DNS_MX_MAX);
	for (size_t i = 0; i < mx.n; i++)
		ck_assert_uint_le(mx.mx[i].pref, 100 - 10);
}
END_TEST

START_TEST(rcodes)
{
	static const struct {
		unsigned	 rcode;
		enum dns_status	 want;
	} t[] = {
		{ ns_r_nxdomain, DNS_NXDOMAIN },
		{ ns_r_servfail, DNS_TEMP },
		{ ns_r_refused, DNS_TEMP },
		{ ns_r_formerr, DNS_TEMP },
		{ ns_r_notimpl, DNS_TEMP },
	};
	struct pkt		 p;
	struct dns_mxlist	 mx;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		header(&p, t[i].rcode, 1, 0, 0, 0);
		question(&p, "example.com", ns_t_mx);
		ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), t[i].want);
	}
	/* NOERROR without records: no data. */
	header(&p, 0, 1, 0, 0, 0);
	question(&p, "example.com", ns_t_mx);
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_NODATA);
}
END_TEST

/* Answers that are not answers to our question. */
START_TEST(wrong_question)
{
	struct pkt		 p;
	struct dns_mxlist	 mx;

	header(&p, 0, 1, 1, 0, 0);
	question(&p, "example.org", ns_t_mx);
	rr_mx(&p, NULL, 10, "mx.example.org");
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_TEMP);

	header(&p, 0, 1, 1, 0, 0);
	question(&p, "example.com", ns_t_a);
	rr_mx(&p, NULL, 10, "mx.example.com");
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_TEMP);

	header(&p, 0, 0, 1, 0, 0);       /* no question */
	rr_mx(&p, "example.com", 10, "mx.example.com");
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_TEMP);

	header(&p, 0, 1, 1, 0, 0);
	p.b[2] &= 0x7f;                  /* a query, not a response */
	question(&p, "example.com", ns_t_mx);
	rr_mx(&p, NULL, 10, "mx.example.com");
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_TEMP);
}
END_TEST

/* A good answer cut at every length: never FOUND with the wrong data, never a crash. */
START_TEST(cut_everywhere)
{
	struct pkt		 p;
	struct dns_mxlist	 mx;

	header(&p, 0, 1, 2, 0, 0);
	question(&p, "example.com", ns_t_mx);
	rr_mx(&p, NULL, 10, "mx1.example.com");
	rr_mx(&p, NULL, 20, "mx2.example.com");
	for (size_t n = 0; n < p.n; n++)
		ck_assert_int_eq(mx_of(&p, n, "example.com", &mx, NULL), DNS_TEMP);
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_FOUND);
	/* Bytes after the last record make it malformed too. */
	put8(&p, 0);
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_TEMP);
}
END_TEST

/* Every byte of a good answer set to every value: the parser survives all. */
START_TEST(flip_everywhere)
{
	struct pkt		 p, q;
	struct dns_mxlist	 mx;
	struct dns_iplist	 ips;

	header(&p, 0, 1, 3, 0, 0);
	question(&p, "example.com", ns_t_mx);
	rr_cname(&p, NULL, "x.example.com");
	rr_mx(&p, "x.example.com", 10, "mx1.example.com");
	rr_a(&p, "mx1.example.com", "192.0.2.1");
	for (size_t i = 0; i < p.n; i++)
		for (unsigned v = 0; v < 256; v++) {
			q = p;
			q.b[i] = (unsigned char)v;
			(void)mx_of(&q, q.n, "example.com", &mx, NULL);
			ck_assert_uint_le(mx.n, DNS_MX_MAX);
			ips.n = 0;
			(void)addr_of(&q, q.n, "example.com", ns_t_a, &ips);
			ck_assert_uint_le(ips.n, DNS_IP_MAX);
		}
}
END_TEST

/* Compression pointers that loop: in the question, in an owner, in rdata. */
START_TEST(pointer_loops)
{
	struct pkt		 p;
	struct dns_mxlist	 mx;

	header(&p, 0, 1, 0, 0, 0);
	putptr(&p, 12);                 /* the question's name points at itself */
	put16(&p, ns_t_mx);
	put16(&p, ns_c_in);
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_TEMP);

	header(&p, 0, 1, 1, 0, 0);
	question(&p, "example.com", ns_t_mx);
	size_t self = p.n;
	putptr(&p, (unsigned)self);     /* an owner pointing at itself */
	put16(&p, ns_t_mx);
	put16(&p, ns_c_in);
	put32(&p, 1);
	put16(&p, 4);
	put16(&p, 1);
	putptr(&p, 12);
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_TEMP);

	header(&p, 0, 1, 1, 0, 0);
	question(&p, "example.com", ns_t_mx);
	rr_start(&p, NULL, ns_t_mx);
	put16(&p, 2 + 2 + 2);
	put16(&p, 1);
	size_t a = p.n;
	put8(&p, 1);                    /* "x", then a pointer back to "x": a loop */
	put8(&p, 'x');
	putptr(&p, (unsigned)a);
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_TEMP);

	/* A pointer forward, past the end of the packet. */
	header(&p, 0, 1, 1, 0, 0);
	question(&p, "example.com", ns_t_mx);
	rr_start(&p, NULL, ns_t_mx);
	put16(&p, 4);
	put16(&p, 1);
	putptr(&p, 0x3fff);
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_TEMP);
}
END_TEST

/* Counts that promise more records than there are, rdlength past the end. */
START_TEST(lying_counts)
{
	static const unsigned counts[][4] = {
		{ 1, 3, 0, 0 }, { 1, 1, 1, 0 }, { 1, 1, 0, 1 }, { 1, 65535, 0, 0 },
		{ 2, 1, 0, 0 }, { 65535, 65535, 65535, 65535 },
	};
	struct pkt		 p;
	struct dns_mxlist	 mx;

	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		header(&p, 0, counts[i][0], counts[i][1], counts[i][2], counts[i][3]);
		question(&p, "example.com", ns_t_mx);
		rr_mx(&p, NULL, 10, "mx.example.com");
		ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_TEMP);
	}
	/* rdlength 65535 with 6 octets of rdata. */
	header(&p, 0, 1, 1, 0, 0);
	question(&p, "example.com", ns_t_mx);
	rr_start(&p, NULL, ns_t_mx);
	put16(&p, 65535);
	put16(&p, 1);
	putptr(&p, 12);
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_TEMP);
}
END_TEST

/* rdata whose length disagrees with its content. */
START_TEST(bad_rdata)
{
	struct pkt		 p;
	struct dns_mxlist	 mx;
	struct dns_iplist	 ips;

	/* An MX whose name runs past its rdlength into the next record. */
	header(&p, 0, 1, 2, 0, 0);
	question(&p, "example.com", ns_t_mx);
	rr_start(&p, NULL, ns_t_mx);
	put16(&p, 3);
	put16(&p, 1);
	put8(&p, 2);                    /* a label of 2 in a 1-octet name */
	rr_mx(&p, NULL, 10, "mx.example.com");
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_TEMP);
	/* An MX with rdlength 2 (no name). */
	header(&p, 0, 1, 1, 0, 0);
	question(&p, "example.com", ns_t_mx);
	rr_start(&p, NULL, ns_t_mx);
	put16(&p, 2);
	put16(&p, 1);
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, NULL), DNS_TEMP);
	/* An A record of 5 octets, an AAAA of 4. */
	header(&p, 0, 1, 1, 0, 0);
	question(&p, "h.example.com", ns_t_a);
	rr_start(&p, NULL, ns_t_a);
	put16(&p, 5);
	putraw(&p, "\1\2\3\4\5", 5);
	ips.n = 0;
	ck_assert_int_eq(addr_of(&p, p.n, "h.example.com", ns_t_a, &ips), DNS_TEMP);
	ck_assert_uint_eq(ips.n, 0);
	header(&p, 0, 1, 1, 0, 0);
	question(&p, "h.example.com", ns_t_aaaa);
	rr_start(&p, NULL, ns_t_aaaa);
	put16(&p, 4);
	putraw(&p, "\1\2\3\4", 4);
	ck_assert_int_eq(addr_of(&p, p.n, "h.example.com", ns_t_aaaa, &ips), DNS_TEMP);
}
END_TEST

START_TEST(addresses)
{
	struct pkt		 p;
	struct dns_iplist	 ips = { .n = 0 };
	char			 t[64];

	header(&p, 0, 1, 2, 0, 0);
	question(&p, "h.example.com", ns_t_aaaa);
	rr_a(&p, NULL, "2001:db8::1");
	rr_a(&p, NULL, "2001:db8::2");
	ck_assert_int_eq(addr_of(&p, p.n, "h.example.com", ns_t_aaaa, &ips), DNS_FOUND);
	header(&p, 0, 1, 1, 0, 0);
	question(&p, "h.example.com", ns_t_a);
	rr_a(&p, NULL, "192.0.2.7");
	ck_assert_int_eq(addr_of(&p, p.n, "h.example.com", ns_t_a, &ips), DNS_FOUND);
	ck_assert_uint_eq(ips.n, 3);    /* appended: AAAA first, then A */
	ck_assert_str_eq(dns_ip_text(&ips.ip[0], t, sizeof t), "2001:db8::1");
	ck_assert_str_eq(dns_ip_text(&ips.ip[1], t, sizeof t), "2001:db8::2");
	ck_assert_str_eq(dns_ip_text(&ips.ip[2], t, sizeof t), "192.0.2.7");
	ck_assert_int_eq(ips.ip[2].af, AF_INET);
}
END_TEST

START_TEST(cnames)
{
	struct pkt		 p;
	struct dns_mxlist	 mx;
	struct dns_iplist	 ips = { .n = 0 };
	char			 cname[DNS_NAME_SZ];

	/* A chain given out of order ends at the records. */
	header(&p, 0, 1, 3, 0, 0);
	question(&p, "www.example.com", ns_t_a);
	rr_a(&p, "c.example.net", "192.0.2.9");
	rr_cname(&p, "b.example.org", "c.example.net");
	rr_cname(&p, NULL, "b.example.org");
	ck_assert_int_eq(addr_of(&p, p.n, "www.example.com", ns_t_a, &ips), DNS_FOUND);
	ck_assert_uint_eq(ips.n, 1);
	/* A record for the first name is not the answer once it is an alias. */
	header(&p, 0, 1, 2, 0, 0);
	question(&p, "example.com", ns_t_mx);
	rr_cname(&p, NULL, "other.example");
	rr_mx(&p, NULL, 10, "bogus.example");
	ck_assert_int_eq(mx_of(&p, p.n, "example.com", &mx, cname), DNS_NODATA);
	ck_assert_str_eq(cname, "other.example");
	/* A loop. */
	header(&p, 0, 1, 2, 0, 0);
	question(&p, "a.example", ns_t_mx);
	rr_cname(&p, NULL, "b.example");
	rr_cname(&p, "b.example", "a.example");
	ck_assert_int_eq(mx_of(&p, p.n, "a.example", &mx, cname), DNS_TEMP);
}
END_TEST

START_TEST(txt)
{
	struct pkt	 p;
	struct str	 s = STR_INIT;
	unsigned char	*b;

	header(&p, 0, 1, 2, 0, 0);
	question(&p, "2.0.0.127.bl.example", ns_t_txt);
	rr_start(&p, NULL, ns_t_txt);
	put16(&p, 1 + 5 + 1 + 6);
	put8(&p, 5);
	putraw(&p, "hello", 5);
	put8(&p, 6);
	putraw(&p, " w\norl", 6);
	rr_start(&p, NULL, ns_t_txt);
	put16(&p, 3);
	put8(&p, 2);
	putraw(&p, "no", 2);
	b = exact(&p, p.n);
	ck_assert_int_eq(dns_parse_txt(b, p.n, "2.0.0.127.bl.example", &s, NULL, 0), DNS_FOUND);
	ck_assert_str_eq(s.s, "hello w?orl");
	free(b);
	/* A string longer than its rdata. */
	header(&p, 0, 1, 1, 0, 0);
	question(&p, "x.bl.example", ns_t_txt);
	rr_start(&p, NULL, ns_t_txt);
	put16(&p, 3);
	put8(&p, 9);
	putraw(&p, "ab", 2);
	b = exact(&p, p.n);
	ck_assert_int_eq(dns_parse_txt(b, p.n, "x.bl.example", &s, NULL, 0), DNS_TEMP);
	ck_assert_uint_eq(s.len, 0);
	free(b);
	str_free(&s);
}
END_TEST

START_TEST(servers)
{
	static const struct {
		const char	*line;
		int		 ok, af;
		unsigned	 port;
	} t[] = {
		{ "127.0.0.1", 1, AF_INET, 53 },
		{ "127.0.0.1:5353", 1, AF_INET, 5353 },
		{ "::1", 1, AF_INET6, 53 },
		{ "[::1]:5353", 1, AF_INET6, 5353 },
		{ "[2001:db8::1]", 1, AF_INET6, 53 },
		{ "2001:db8::1", 1, AF_INET6, 53 },
		{ "127.0.0.1:0", 0, 0, 0 },
		{ "127.0.0.1:65536", 0, 0, 0 },
		{ "127.0.0.1:053", 0, 0, 0 },
		{ "127.0.0.1:", 0, 0, 0 },
		{ "127.0.0.1:x", 0, 0, 0 },
		{ "[::1]x", 0, 0, 0 },
		{ "[::1", 0, 0, 0 },
		{ "[127.0.0.1]:53", 1, AF_INET, 53 },
		{ "ns.example.com", 0, 0, 0 },
		{ "", 0, 0, 0 },
		{ "[]:53", 0, 0, 0 },
	};
	struct sockaddr_storage	 ss;
	size_t			 len;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int r = dns_parse_server(t[i].line, &ss, &len);

		ck_assert_msg((r == 0) == t[i].ok, "%s", t[i].line);
		if (!t[i].ok)
			continue;
		ck_assert_int_eq(ss.ss_family, t[i].af);
		ck_assert_uint_eq(ntohs(t[i].af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
		    ((struct sockaddr_in6 *)&ss)->sin6_port), t[i].port);
	}
}
END_TEST

START_TEST(reverse)
{
	char	 out[DNS_REV_SZ];

	ck_assert_int_eq(dns_reverse_text("192.0.2.1", "bl.example", out, sizeof out), 0);
	ck_assert_str_eq(out, "1.2.0.192.bl.example");
	ck_assert_int_eq(dns_reverse_text("2001:db8::567:89ab", "bl.example", out, sizeof out), 0);
	ck_assert_str_eq(out, "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example");
	ck_assert_int_eq(dns_reverse_text("10.0.0.1", "", out, sizeof out), 0);
	ck_assert_str_eq(out, "1.0.0.10");
	ck_assert_int_eq(dns_reverse_text("10.0.0.256", "z", out, sizeof out), -1);
	ck_assert_int_eq(dns_reverse_text("192.0.2.1", "bl.example", out, 10), -1);
}
END_TEST

START_TEST(names)
{
	ck_assert(dns_name_eq("Example.COM", "example.com."));
	ck_assert(dns_name_eq("example.com.", "example.com"));
	ck_assert(dns_name_eq(".", ""));
	ck_assert(!dns_name_eq("example.com", "example.co"));
	ck_assert(!dns_name_eq("a\\.", "a"));
}
END_TEST

/* Scripted queries: name -> a packet built by the test. */
struct script {
	const char	*name[4];
	struct pkt	 ans[4];
	int		 asked;
};

static int
scripted(struct dns *d, const char *name, int type, unsigned char *ans, size_t anssz,
    enum dns_status *st)
{
	struct script	*s = d->ctx;

	(void)type;
	s->asked++;
	for (int i = 0; i < 4 && s->name[i] != NULL; i++)
		if (dns_name_eq(s->name[i], name)) {
			ck_assert_uint_le(s->ans[i].n, anssz);
			memcpy(ans, s->ans[i].b, s->ans[i].n);
			return (int)s->ans[i].n;
		}
	*st = DNS_NXDOMAIN;
	return -1;
}

START_TEST(lookup_follows_cname)
{
	struct dns		 d;
	struct script		 s = { .asked = 0 };
	struct dns_mxlist	 mx;

	memset(&d, 0, sizeof d);
	d.ans = malloc(DNS_ANSWER_MAX);
	d.query = scripted;
	d.ctx = &s;
	s.name[0] = "example.com";
	header(&s.ans[0], 0, 1, 1, 0, 0);
	question(&s.ans[0], "example.com", ns_t_mx);
	rr_cname(&s.ans[0], NULL, "mail.example.net");
	s.name[1] = "mail.example.net";
	header(&s.ans[1], 0, 1, 1, 0, 0);
	question(&s.ans[1], "mail.example.net", ns_t_mx);
	rr_mx(&s.ans[1], NULL, 5, "mx.example.net");
	ck_assert_int_eq(dns_mx(&d, "example.com", &mx), DNS_FOUND);
	ck_assert_int_eq(s.asked, 2);
	ck_assert_str_eq(mx.mx[0].name, "mx.example.net");
	/* Names the script does not know: NXDOMAIN from the query function. */
	ck_assert_int_eq(dns_exists_a(&d, "nowhere.example"), DNS_NXDOMAIN);
	/* Two aliases of each other, one per answer: DNS_CNAME_HOPS + 1 queries, then TEMP. */
	s.asked = 0;
	s.name[0] = "a.example";
	header(&s.ans[0], 0, 1, 1, 0, 0);
	question(&s.ans[0], "a.example", ns_t_mx);
	rr_cname(&s.ans[0], NULL, "B.example.");
	s.name[1] = "b.example";
	header(&s.ans[1], 0, 1, 1, 0, 0);
	question(&s.ans[1], "b.example", ns_t_mx);
	rr_cname(&s.ans[1], NULL, "a.example");
	ck_assert_int_eq(dns_mx(&d, "a.example", &mx), DNS_TEMP);
	ck_assert_int_eq(s.asked, DNS_CNAME_HOPS + 1);
	free(d.ans);
}
END_TEST

static Suite *
dns_suite(void)
{
	Suite	*s = suite_create("dns");
	TCase	*tc = tcase_create("parse");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, mx_good);
	tcase_add_test(tc, mx_null);
	tcase_add_test(tc, mx_compressed);
	tcase_add_test(tc, mx_many);
	tcase_add_test(tc, rcodes);
	tcase_add_test(tc, wrong_question);
	tcase_add_test(tc, cut_everywhere);
	tcase_add_test(tc, flip_everywhere);
	tcase_add_test(tc, pointer_loops);
	tcase_add_test(tc, lying_counts);
	tcase_add_test(tc, bad_rdata);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, cnames);
	tcase_add_test(tc, txt);
	tcase_add_test(tc, servers);
	tcase_add_test(tc, reverse);
	tcase_add_test(tc, names);
	tcase_add_test(tc, lookup_follows_cname);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run(dns_suite());
}
