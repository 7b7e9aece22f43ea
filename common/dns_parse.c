/*
 * dns_parse.c: reading raw DNS answers, with ns_initparse/ns_parserr.
 *
 * The packet is hostile. ns_initparse walks every section against the end
 * of the message, ns_parserr checks each rdlength against it, and dn_expand
 * bounds every name (and stops compression loops); on top of that each
 * record's rdata must be exactly as long as its type says, so a name in
 * rdata can never run into the next record. Anything that does not add up
 * makes the whole answer DNS_TEMP: a broken answer is never a definite "no".
 */
#include "dns.h"

#include <arpa/nameser.h>
#include <string.h>
#include <strings.h>

const char *
dns_status_name(enum dns_status st)
{
	switch (st) {
	case DNS_FOUND:         return "found";
	case DNS_NXDOMAIN:      return "nxdomain";
	case DNS_NODATA:        return "nodata";
	case DNS_TEMP:          return "temporary";
	}
	return "temporary";
}

/* Length of a name without one trailing dot (a lone "." is the root: 0). */
static size_t
name_len(const char *s)
{
	size_t	 n = strlen(s);

	if (n > 0 && s[n - 1] == '.' && (n < 2 || s[n - 2] != '\\'))
		n--;
	return n;
}

int
dns_name_eq(const char *a, const char *b)
{
	size_t	 na = name_len(a), nb = name_len(b);

	return na == nb && strncasecmp(a, b, na) == 0;
}

/* An answer being read: the parsed message and the name the CNAME chain reached. */
struct answer {
	ns_msg	 msg;
	char	 owner[DNS_NAME_SZ];
};

/* Check the header and the question; an NXDOMAIN or failing rcode ends here. */
static enum dns_status
answer_open(struct answer *a, const unsigned char *pkt, size_t len, const char *qname,
    int type)
{
	ns_rr	 q;

	if (len < NS_HFIXEDSZ || len > DNS_ANSWER_MAX)
		return DNS_TEMP;
	if (ns_initparse(pkt, (int)len, &a->msg) < 0)
		return DNS_TEMP;
	if (!ns_msg_getflag(a->msg, ns_f_qr))
		return DNS_TEMP;
	switch (ns_msg_getflag(a->msg, ns_f_rcode)) {
	case ns_r_noerror:
		break;
	case ns_r_nxdomain:
		return DNS_NXDOMAIN;
	default:
		return DNS_TEMP;
	}
	/* An answer to some other question is not an answer to ours. */
	if (ns_msg_count(a->msg, ns_s_qd) != 1)
		return DNS_TEMP;
	if (ns_parserr(&a->msg, ns_s_qd, 0, &q) < 0)
		return DNS_TEMP;
	if ((int)ns_rr_type(q) != type || ns_rr_class(q) != ns_c_in || !dns_name_eq(q.name, qname))
		return DNS_TEMP;
	if (strlcpy(a->owner, qname, sizeof a->owner) >= sizeof a->owner)
		return DNS_TEMP;
	return DNS_FOUND;
}

/*
 * Expand the name at p, which must end exactly at end (the end of the
 * record's rdata). 0, or -1 for a malformed name.
 */
static int
rdata_name(const ns_msg *m, const unsigned char *p, const unsigned char *end,
    char *out, size_t outsz)
{
	int	 n;

	if (p >= end)
		return -1;
	n = dn_expand(ns_msg_base(*m), ns_msg_end(*m), p, out, (int)outsz);
	if (n < 0 || p + n != end)
		return -1;
	return 0;
}

/* Record i of the answer section; -1 when it cannot be parsed. */
static int
answer_rr(struct answer *a, int i, ns_rr *rr)
{
	return ns_parserr(&a->msg, ns_s_an, i, rr);
}

/*
 * Follow CNAMEs from the question's name through the answer section, in any
 * order. DNS_FOUND with a->owner at the end of the chain, or DNS_TEMP for a
 * loop, a chain too long, or a malformed record.
 */
static enum dns_status
answer_follow(struct answer *a)
{
	int	 n = ns_msg_count(a->msg, ns_s_an);

	for (int hop = 0; hop <= DNS_CNAME_HOPS; hop++) {
		int	 moved = 0;

		for (int i = 0; i < n && !moved; i++) {
			ns_rr	 rr;
			char	 target[DNS_NAME_SZ];

			if (answer_rr(a, i, &rr) < 0)
				return DNS_TEMP;
			if (ns_rr_type(rr) != ns_t_cname || ns_rr_class(rr) != ns_c_in ||
			    !dns_name_eq(rr.name, a->owner))
				continue;
			if (rdata_name(&a->msg, ns_rr_rdata(rr),
			    ns_rr_rdata(rr) + ns_rr_rdlen(rr), target, sizeof target) < 0)
				return DNS_TEMP;
			memcpy(a->owner, target, sizeof a->owner);
			moved = 1;
		}
		if (!moved)
			return DNS_FOUND;
	}
	return DNS_TEMP;
}

/* Nothing of the type at the chain's end: tell the caller where it ended. */
static enum dns_status
answer_nodata(const struct answer *a, const char *qname, char *cname, size_t cnamesz)
{
	if (cname != NULL && cnamesz > 0) {
		cname[0] = '\0';
		if (!dns_name_eq(a->owner, qname) &&
		    strlcpy(cname, a->owner, cnamesz) >= cnamesz)
			return DNS_TEMP;
	}
	return DNS_NODATA;
}

/* Open, check and follow: the common start of every parser. */
static enum dns_status
answer_prepare(struct answer *a, const unsigned char *pkt, size_t len, const char *qname,
    int type, char *cname, size_t cnamesz)
{
	enum dns_status	 st;

	if (cname != NULL && cnamesz > 0)
		cname[0] = '\0';
	if ((st = answer_open(a, pkt, len, qname, type)) != DNS_FOUND)
		return st;
	return answer_follow(a);
}

/* Is record rr one of type at the chain's end? */
static int
answer_wants(const struct answer *a, const ns_rr *rr, int type)
{
	return (int)ns_rr_type(*rr) == type && ns_rr_class(*rr) == ns_c_in &&
	    dns_name_eq(rr->name, a->owner);
}

/* Keep the DNS_MX_MAX best: a full list gives up its worst for a better one. */
static void
mx_keep(struct dns_mxlist *out, const struct dns_mx *mx)
{
	size_t	 worst = 0;

	if (out->n < DNS_MX_MAX) {
		out->mx[out->n++] = *mx;
		return;
	}
	for (size_t i = 1; i < out->n; i++)
		if (out->mx[i].pref > out->mx[worst].pref)
			worst = i;
	if (mx->pref < out->mx[worst].pref)
		out->mx[worst] = *mx;
}

enum dns_status
dns_parse_mx(const unsigned char *pkt, size_t len, const char *qname,
    struct dns_mxlist *out, char *cname, size_t cnamesz)
{
	struct answer	 a;
	enum dns_status	 st;

	out->n = 0;
	if ((st = answer_prepare(&a, pkt, len, qname, ns_t_mx, cname, cnamesz)) != DNS_FOUND)
		return st;
	for (int i = 0; i < ns_msg_count(a.msg, ns_s_an); i++) {
		ns_rr		 rr;
		struct dns_mx	 mx;
		const unsigned char *p;

		if (answer_rr(&a, i, &rr) < 0)
			goto bad;
		if (!answer_wants(&a, &rr, ns_t_mx))
			continue;
		p = ns_rr_rdata(rr);
		if (ns_rr_rdlen(rr) < 3)
			goto bad;
		mx.pref = ns_get16(p);
		if (rdata_name(&a.msg, p + 2, p + ns_rr_rdlen(rr), mx.name, sizeof mx.name) < 0)
			goto bad;
		if (strcmp(mx.name, ".") == 0)
			mx.name[0] = '\0';
		mx_keep(out, &mx);
	}
	if (out->n == 0)
		return answer_nodata(&a, qname, cname, cnamesz);
	return DNS_FOUND;
bad:
	out->n = 0;
	return DNS_TEMP;
}

enum dns_status
dns_parse_addr(const unsigned char *pkt, size_t len, const char *qname,
    int type, struct dns_iplist *out, char *cname, size_t cnamesz)
{
	struct answer	 a;
	enum dns_status	 st;
	size_t		 want = type == ns_t_a ? 4 : 16, start = out->n, found = 0;

	if (type != ns_t_a && type != ns_t_aaaa)
		return DNS_TEMP;
	if ((st = answer_prepare(&a, pkt, len, qname, type, cname, cnamesz)) != DNS_FOUND)
		return st;
	for (int i = 0; i < ns_msg_count(a.msg, ns_s_an); i++) {
		ns_rr	 rr;

		if (answer_rr(&a, i, &rr) < 0)
			goto bad;
		if (!answer_wants(&a, &rr, type))
			continue;
		if (ns_rr_rdlen(rr) != want)
			goto bad;
		found++;
		if (out->n < DNS_IP_MAX) {
			out->ip[out->n].af = type == ns_t_a ? AF_INET : AF_INET6;
			memset(out->ip[out->n].addr, 0, sizeof out->ip[out->n].addr);
			memcpy(out->ip[out->n].addr, ns_rr_rdata(rr), want);
			out->n++;
		}
	}
	if (found == 0)
		return answer_nodata(&a, qname, cname, cnamesz);
	return DNS_FOUND;
bad:
	out->n = start;
	return DNS_TEMP;
}

/* Append the character-strings of one TXT rdata, control characters as '?'. */
static int
txt_append(struct str *out, const unsigned char *p, size_t len)
{
	size_t	 at = 0;

	while (at < len) {
		size_t	 n = p[at++];

		if (n > len - at)
			return -1;
		for (size_t k = 0; k < n && out->len < DNS_TXT_MAX; k++) {
			unsigned char	 c = p[at + k];

			if (str_appendc(out, c < 0x20 || c == 0x7f ? '?' : (char)c) < 0)
				return -1;
		}
		at += n;
	}
	return 0;
}

enum dns_status
dns_parse_txt(const unsigned char *pkt, size_t len, const char *qname,
    struct str *out, char *cname, size_t cnamesz)
{
	struct answer	 a;
	enum dns_status	 st;

	str_clear(out);
	if ((st = answer_prepare(&a, pkt, len, qname, ns_t_txt, cname, cnamesz)) != DNS_FOUND)
		return st;
	for (int i = 0; i < ns_msg_count(a.msg, ns_s_an); i++) {
		ns_rr	 rr;

		if (answer_rr(&a, i, &rr) < 0)
			goto bad;
		if (!answer_wants(&a, &rr, ns_t_txt))
			continue;
		if (ns_rr_rdlen(rr) == 0 || txt_append(out, ns_rr_rdata(rr), ns_rr_rdlen(rr)) < 0)
			goto bad;
		if (str_appends(out, "") < 0)   /* a NUL even for an empty string */
			goto bad;
		return DNS_FOUND;
	}
	return answer_nodata(&a, qname, cname, cnamesz);
bad:
	str_clear(out);
	return DNS_TEMP;
}
