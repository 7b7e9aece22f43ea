/*
 * dns.h: DNS lookups through glibc's resolver (libresolv), for stamp-remote
 * (MX, A, AAAA) and for DNS block lists (an A record exists, TXT).
 *
 * Queries go out with res_nquery on a private res_state: EDNS0 on, a 64 KiB
 * answer buffer, and glibc's own retry over TCP when an answer comes back
 * truncated. control/nameservers (IP[:port] lines, IPv4 or IPv6, at most
 * three) replaces the servers of /etc/resolv.conf when it has any.
 *
 * Every answer is parsed by the dns_parse_* functions, which take the raw
 * packet and never read outside it: truncated packets, compression loops,
 * wrong counts and oversized rdlength are all "temporary failure", never a
 * crash. They are separate from the network so check suites feed them
 * crafted packets, and the query itself goes through a replaceable function
 * so whole lookups run against scripted answers.
 *
 * Every lookup returns one of four results. Only NXDOMAIN and NODATA are
 * definite; anything else (SERVFAIL, REFUSED, a timeout, a malformed
 * answer, no memory) is DNS_TEMP, so mail waits instead of bouncing.
 */
#ifndef STAMP_DNS_H
#define STAMP_DNS_H

#include <stddef.h>

#include <netinet/in.h>
#include <resolv.h>

#include "str.h"

#define DNS_NAME_SZ     1025            /* dn_expand's output, with \DDD escapes, + NUL */
#define DNS_ANSWER_MAX  65536           /* the largest DNS message (TCP) */
#define DNS_CNAME_HOPS  8               /* CNAMEs followed, in and across answers */
#define DNS_MX_MAX      32              /* MX records kept (the best by preference) */
#define DNS_IP_MAX      32              /* addresses kept per name */
#define DNS_TXT_MAX     4096            /* octets of TXT text kept */
#define DNS_REV_SZ      (64 + 1 + 256)  /* IPv6 nibbles + "." + a zone */

enum dns_status {
	DNS_FOUND,      /* records of the type asked for, in the result */
	DNS_NXDOMAIN,   /* the name does not exist (definite) */
	DNS_NODATA,     /* the name exists, without records of this type (definite) */
	DNS_TEMP,       /* SERVFAIL, timeout, refused, malformed: try again later */
};

/* "found", "nxdomain", "nodata", "temporary", for logs. */
const char *dns_status_name(enum dns_status);

struct dns_ip {
	int		 af;            /* AF_INET or AF_INET6 */
	unsigned char	 addr[16];      /* 4 or 16 octets, network order */
};

struct dns_mx {
	unsigned	 pref;
	char		 name[DNS_NAME_SZ];     /* "" for the root (a null MX has "" at 0) */
};

struct dns_mxlist {
	size_t		 n;
	struct dns_mx	 mx[DNS_MX_MAX];        /* in answer order; dns_mx() leaves them so */
};

struct dns_iplist {
	size_t		 n;
	struct dns_ip	 ip[DNS_IP_MAX];
};

struct dns;

/*
 * The raw query: put the answer to (name, type) into ans and return its
 * length, or return -1 with *st set to NXDOMAIN, NODATA or TEMP when there
 * is no answer to parse. The default is res_nquery on the dns's res_state.
 */
typedef int (*dns_query_fn)(struct dns *, const char *name, int type,
    unsigned char *ans, size_t anssz, enum dns_status *st);

struct dns {
	struct __res_state	 res;
	int			 ready;         /* res_ninit succeeded */
	unsigned char		*ans;           /* DNS_ANSWER_MAX octets */
	dns_query_fn		 query;
	void			*ctx;           /* for a replacement query function */
	char			 err[256];      /* why dns_init failed */
};

/*
 * Set up a resolver: /etc/resolv.conf's settings, then control/nameservers
 * in place of its servers when that file lists any, and timeout_s seconds
 * per try (0: glibc's default). 0, or -1 with d->err set (a bad
 * nameservers line, no memory, res_ninit failing).
 */
int  dns_init(struct dns *d, int timeout_s);
/* The same with a list of IP[:port] servers given by the caller (NULL: resolv.conf's). */
int  dns_init_servers(struct dns *d, int timeout_s, char *const *servers, size_t nservers);
void dns_free(struct dns *d);

/*
 * Parse one nameservers line: "192.0.2.1", "192.0.2.1:5353", "::1",
 * "[::1]:5353" (a port after a bare IPv6 address needs the brackets).
 * 0, with ss and sslen filled; or -1.
 */
struct sockaddr_storage;
int  dns_parse_server(const char *line, struct sockaddr_storage *ss, size_t *sslen);

/* Lookups. name is a domain (with or without a trailing dot), never searched. */
enum dns_status dns_mx(struct dns *, const char *name, struct dns_mxlist *out);
/* type is ns_t_a or ns_t_aaaa; the addresses are appended to out (up to DNS_IP_MAX). */
enum dns_status dns_addr(struct dns *, const char *name, int type, struct dns_iplist *out);
/* The strings of the first TXT record, joined, cut at DNS_TXT_MAX octets. */
enum dns_status dns_txt(struct dns *, const char *name, struct str *out);
/* Does name have an A record (a DNS block list listing)? FOUND, NXDOMAIN, NODATA or TEMP. */
enum dns_status dns_exists_a(struct dns *, const char *name);

/*
 * Parsers of raw answers (also what the lookups use). qname is the name the
 * query asked for; CNAMEs inside the answer are followed from it, and when
 * the chain ends on a name without records of the type, that name goes to
 * cname (for a new query) and the result is DNS_NODATA. A malformed packet,
 * an answer to another question, or a failing rcode is DNS_TEMP (NXDOMAIN
 * rcode: DNS_NXDOMAIN). cname may be NULL.
 */
enum dns_status dns_parse_mx(const unsigned char *pkt, size_t len, const char *qname,
    struct dns_mxlist *out, char *cname, size_t cnamesz);
enum dns_status dns_parse_addr(const unsigned char *pkt, size_t len, const char *qname,
    int type, struct dns_iplist *out, char *cname, size_t cnamesz);
enum dns_status dns_parse_txt(const unsigned char *pkt, size_t len, const char *qname,
    struct str *out, char *cname, size_t cnamesz);

/* Are two domain names equal (ASCII case, a trailing dot ignored)? */
int  dns_name_eq(const char *a, const char *b);

/*
 * The DNS block list name of an address: "4.3.2.1.zone" for 1.2.3.4, 32
 * nibbles for IPv6 (RFC 5782). zone may be "" (then no trailing dot).
 * 0, or -1 when it does not fit.
 */
int  dns_reverse(const struct dns_ip *ip, const char *zone, char *out, size_t outsz);
/* The same from text ("192.0.2.1", "2001:db8::1"); -1 when it is no address. */
int  dns_reverse_text(const char *ip, const char *zone, char *out, size_t outsz);
/* inet_ntop for a dns_ip. */
const char *dns_ip_text(const struct dns_ip *ip, char *out, size_t outsz);

#endif
