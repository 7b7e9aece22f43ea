/*
 * bounce.c: the RFC 3464 report for a message's failed recipients.
 *
 * The three parts are built first, each in its own string, because the
 * boundary must be chosen knowing all the content: it holds the queue id and
 * random hex, and is redrawn while any part contains it. Texts from peers go
 * through clean() (ASCII only, no control characters, bounded) and fold(),
 * and the returned original through ret_clean() (no NUL, no bare CR, lines
 * of at most 998 octets), so the report is valid whatever came in.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounce.h"
#include "datefmt.h"

#define LINE_HARD   998     /* RFC 5322 2.1.1: octets per line, without CRLF */
#define FOLD_WIDTH  78      /* where folding starts, when there is a space */
#define ADDR_MAX    512     /* an address, cleaned (RFC 5321 paths are 256) */
#define HOST_MAX    255
#define TEXT_MAX    4096    /* a result text, cleaned */
#define TOKEN_MAX   64      /* the id in Message-ID and boundary */
#define BOUNDARY_TRIES 16
#define READ_CHUNK  65536

struct parts {
	struct str	 text, status, orig;
	int		 orig_whole;     /* message/rfc822, else text/rfc822-headers */
	int		 orig_8bit;
};

/* Copy src to dst as printable ASCII: controls become spaces, 8-bit octets '?'. */
static void
clean(char *dst, size_t dstsz, const char *src)
{
	size_t		 i = 0;
	unsigned char	 c;

	for (; src != NULL && *src != '\0' && i + 1 < dstsz; src++) {
		c = (unsigned char)*src;
		if (c >= 0x80)
			c = '?';
		else if (c < 0x20 || c == 0x7f)
			c = ' ';
		dst[i++] = (char)c;
	}
	dst[i] = '\0';
}

/* An address for an angle-addr: printable, no space, no angle brackets. */
static void
clean_addr(char *dst, size_t dstsz, const char *src)
{
	clean(dst, dstsz, src);
	for (char *p = dst; *p != '\0'; p++)
		if (*p == ' ' || *p == '<' || *p == '>')
			*p = '?';
}

/* Only the characters of a dot-atom host name or id; dflt when nothing is left. */
static void
clean_token(char *dst, size_t dstsz, const char *src, const char *dflt)
{
	size_t	 i = 0;

	for (; src != NULL && *src != '\0' && i + 1 < dstsz; src++)
		if (isalnum((unsigned char)*src) || *src == '-' || *src == '.' ||
		    *src == '_')
			dst[i++] = *src;
	dst[i] = '\0';
	if (i == 0)
		snprintf(dst, dstsz, "%s", dflt);
}

/* Digits at *pp, 1 to max of them, followed by stop (or, when stop is ' ', the end). */
static int
digits(const char **pp, size_t max, char stop)
{
	const char	*p = *pp;
	size_t		 n = 0;

	while (isdigit((unsigned char)p[n]) && n < max)
		n++;
	if (n == 0 || !(p[n] == stop || (stop == ' ' && p[n] == '\0')))
		return -1;
	*pp = p + n;
	return 0;
}

void
bounce_status(const char *text, char *out, size_t outsz)
{
	const char	*p = text, *subj;
	char		 cls;

	snprintf(out, outsz, "5.0.0");
	if (p == NULL)
		return;
	while (*p == ' ' || *p == '\t')
		p++;
	/* An SMTP reply code may come first: "550 5.1.1 ..." or "550-5.1.1". */
	if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && (p[3] == ' ' || p[3] == '-'))
		p += 4;
	cls = p[0];
	if ((cls != '4' && cls != '5') || p[1] != '.')
		return;
	p += 2;
	subj = p;
	if (digits(&p, 3, '.') == -1)
		return;
	p++;
	if (digits(&p, 3, ' ') == -1)
		return;
	snprintf(out, outsz, "5.%.*s", (int)(p - subj), subj);
}

/* End the line and start the next with cont. */
static int
newline(struct str *out, const char *cont, size_t *col, int *fresh)
{
	*col = strlen(cont);
	*fresh = 1;
	return str_appendc(out, '\n') == -1 || str_appends(out, cont) == -1 ? -1 : 0;
}

/*
 * Append prefix, then the words of text (split at spaces), folded before
 * width when a word does not fit and cut at LINE_HARD when a single word is
 * longer than a line; every new line starts with cont. Ends with LF.
 */
static int
fold(struct str *out, const char *prefix, const char *cont, const char *text,
    size_t width)
{
	size_t	 col = strlen(prefix), wlen, n;
	int	 fresh = 0, rc;

	rc = str_appends(out, prefix);
	while (rc == 0 && *text != '\0') {
		text += strspn(text, " ");
		wlen = strcspn(text, " ");
		while (rc == 0 && wlen > 0) {
			if (!fresh && col + 1 + wlen > width) {
				rc = newline(out, cont, &col, &fresh);
				continue;
			}
			if (!fresh && (rc = str_appendc(out, ' ')) == 0)
				col++;
			/* Here col + wlen <= width, or the line holds only cont. */
			n = wlen < LINE_HARD - col ? wlen : LINE_HARD - col;
			if (rc == 0)
				rc = str_append(out, text, n);
			col += n;
			text += n;
			wlen -= n;
			fresh = 0;
			if (rc == 0 && wlen > 0)
				rc = newline(out, cont, &col, &fresh);
		}
	}
	return rc == 0 ? str_appendc(out, '\n') : -1;
}

static int
date_line(struct str *out, const char *name, time_t t)
{
	char	 d[DATE_RFC5322_MAX];

	if (date_rfc5322(d, sizeof d, t) == -1)
		snprintf(d, sizeof d, "Thu, 1 Jan 1970 00:00:00 +0000");
	return str_appendf(out, "%s: %s\n", name, d);
}

static int
build_text(const struct bounce_info *bi, const char *me, struct str *out)
{
	char	 addr[ADDR_MAX], text[TEXT_MAX], prefix[ADDR_MAX + 8];
	int	 rc;

	clean_addr(addr, sizeof addr, bi->sender);
	rc = str_appendf(out, "This is the mail system at host %s.\n\n", me);
	if (rc == 0 && bi->is_double)
		rc = str_appendf(out,
		    "A delivery report (a message with the null sender <>) could\n"
		    "not be delivered. It cannot be returned to its sender, so it\n"
		    "comes to the postmaster instead.\n\n");
	else if (rc == 0)
		rc = str_appendf(out,
		    "Your message to the recipients below could not be delivered.\n"
		    "It was sent by <%s>; it is attached after this report\n"
		    "(or only its header, when it is large).\n\n", addr);
	if (rc == 0)
		rc = str_appendf(out,
		    "For help, write to the postmaster of %s and quote the\n"
		    "queue ID %s.\n\n", me, bi->id);
	for (size_t i = 0; rc == 0 && i < bi->nrcpts; i++) {
		clean_addr(addr, sizeof addr, bi->rcpts[i].rcpt);
		clean(text, sizeof text, bi->rcpts[i].text);
		snprintf(prefix, sizeof prefix, "<%s>:", addr);
		rc = fold(out, prefix, "    ", text, 76);
		if (rc == 0 && i + 1 < bi->nrcpts)
			rc = str_appendc(out, '\n');
	}
	return rc;
}

static int
build_rcpt_status(const struct bounce_rcpt *r, struct str *out)
{
	char	 addr[ADDR_MAX], host[HOST_MAX + 1], text[TEXT_MAX], status[16];
	int	 rc;

	clean_addr(addr, sizeof addr, r->rcpt);
	clean(text, sizeof text, r->text);
	bounce_status(text, status, sizeof status);
	rc = str_appendf(out, "\nFinal-Recipient: rfc822; %s\nAction: failed\n"
	    "Status: %s\n", addr, status);
	if (rc == 0 && r->remote_mta != NULL && r->remote_mta[0] != '\0') {
		clean_token(host, sizeof host, r->remote_mta, "unknown");
		rc = str_appendf(out, "Remote-MTA: dns; %s\n", host);
	}
	if (rc == 0 && r->diagnostic != NULL)
		clean(text, sizeof text, r->diagnostic);
	if (rc == 0)
		rc = fold(out, "Diagnostic-Code: smtp;", " ", text, FOLD_WIDTH);
	if (rc == 0 && r->when > 0)
		rc = date_line(out, "Last-Attempt-Date", r->when);
	return rc;
}

static int
build_status(const struct bounce_info *bi, const char *me, const char *id,
    struct str *out)
{
	int	 rc;

	rc = str_appendf(out, "Reporting-MTA: dns; %s\nX-Stamp-Queue-ID: %s\n",
	    me, id);
	if (rc == 0)
		rc = date_line(out, "Arrival-Date", bi->arrival);
	for (size_t i = 0; rc == 0 && i < bi->nrcpts; i++)
		rc = build_rcpt_status(&bi->rcpts[i], out);
	return rc;
}

/* Read up to max octets of fd from offset 0 into out. */
static int
read_upto(int fd, struct str *out, size_t max)
{
	ssize_t	 n;
	size_t	 want;

	while (out->len < max) {
		want = max - out->len < READ_CHUNK ? max - out->len : READ_CHUNK;
		if (str_reserve(out, want) == -1)
			return -1;
		n = pread(fd, out->s + out->len, want, (off_t)out->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->s[out->len] = '\0';
	}
	return 0;
}

/* How much of m (len octets) is its header: up to the empty line, bounded, whole lines. */
static size_t
header_len(const char *m, size_t len)
{
	size_t	 lim = len < BOUNCE_HEADER_MAX ? len : BOUNCE_HEADER_MAX;
	char	*p;

	if (lim > 0 && m[0] == '\n')
		return 0;
	if ((p = memmem(m, lim, "\n\n", 2)) != NULL)
		return (size_t)(p - m) + 1;
	if (lim == len)
		return len;
	if ((p = memrchr(m, '\n', lim)) != NULL)
		return (size_t)(p - m) + 1;
	return lim;
}

/*
 * Copy the original into out so it is a valid part whatever it holds:
 * CR LF becomes LF, a bare CR or a NUL becomes '?', and a line is cut at
 * LINE_HARD (with a folding space in the header, so it stays one field).
 * Ends with LF. Notes whether an 8-bit octet remains.
 */
static int
ret_clean(const char *m, size_t len, struct str *out, int *is8bit)
{
	size_t	 col = 0;
	int	 in_header = 1, rc = 0;
	char	 c;

	*is8bit = 0;
	if (str_reserve(out, len + len / 64 + 2) == -1)
		return -1;
	for (size_t i = 0; i < len && rc == 0; i++) {
		c = m[i];
		if (c == '\r' && i + 1 < len && m[i + 1] == '\n')
			continue;
		if (c == '\r' || c == '\0')
			c = '?';
		if (c == '\n') {
			if (col == 0)
				in_header = 0;
			col = 0;
		} else if (col >= LINE_HARD) {
			rc = str_appends(out, in_header ? "\n " : "\n");
			col = in_header ? 1 : 0;
		}
		if (rc == 0)
			rc = str_appendc(out, c);
		if (c != '\n')
			col++;
		if ((unsigned char)c >= 0x80)
			*is8bit = 1;
	}
	if (rc == 0 && (out->len == 0 || out->s[out->len - 1] != '\n'))
		rc = str_appendc(out, '\n');
	return rc;
}

static int
build_orig(const struct bounce_info *bi, struct parts *pt)
{
	struct str	 raw = STR_INIT;
	size_t		 cap, want;
	int		 rc;

	cap = bi->max_return < BOUNCE_RETURN_CAP ? bi->max_return : BOUNCE_RETURN_CAP;
	want = cap + 1 > BOUNCE_HEADER_MAX ? cap + 1 : BOUNCE_HEADER_MAX;
	if (read_upto(bi->msgfd, &raw, want) == -1) {
		str_free(&raw);
		return -1;
	}
	pt->orig_whole = raw.len <= cap;
	if (!pt->orig_whole)
		raw.len = header_len(raw.s, raw.len);
	rc = ret_clean(raw.s != NULL ? raw.s : "", raw.len, &pt->orig, &pt->orig_8bit);
	str_free(&raw);
	return rc;
}

static uint32_t
rnd(const struct bounce_info *bi)
{
	return bi->rand32 != NULL ? bi->rand32() : arc4random();
}

static int
in_part(const struct parts *pt, const char *b)
{
	const struct str	*s[] = { &pt->text, &pt->status, &pt->orig };

	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		if (s[i]->len > 0 && memmem(s[i]->s, s[i]->len, b, strlen(b)) != NULL)
			return 1;
	return 0;
}

/* "=_" cannot start a line of base64 or quoted-printable; the rest is unique. */
static int
pick_boundary(const struct bounce_info *bi, const struct parts *pt,
    const char *id, char *b, size_t bsz)
{
	for (int i = 0; i < BOUNDARY_TRIES; i++) {
		uint32_t r1 = rnd(bi), r2 = rnd(bi);

		snprintf(b, bsz, "=_stamp.%.*s.%08x%08x", 32, id, r1, r2);
		if (!in_part(pt, b))
			return 0;
	}
	errno = EAGAIN;
	return -1;
}

static int
build_head(const struct bounce_info *bi, const char *me, const char *id,
    const char *b, int is8bit, struct str *out)
{
	char	 from[ADDR_MAX], to[ADDR_MAX];
	int	 rc;

	clean_addr(from, sizeof from, bi->bouncefrom != NULL &&
	    bi->bouncefrom[0] != '\0' ? bi->bouncefrom : "MAILER-DAEMON");
	clean_addr(to, sizeof to, bi->to);
	if (strchr(from, '@') != NULL)
		rc = str_appendf(out, "From: Mail Delivery System <%s>\n", from);
	else
		rc = str_appendf(out, "From: Mail Delivery System <%s@%s>\n", from, me);
	if (rc == 0)
		rc = str_appendf(out, "To: <%s>\nSubject: %s\n", to, bi->is_double ?
		    "Undeliverable: Undelivered Mail Returned to Sender" :
		    "Undelivered Mail Returned to Sender");
	if (rc == 0)
		rc = date_line(out, "Date", bi->now);
	if (rc == 0)
		rc = str_appendf(out, "Message-ID: <%lld.%s.%08x%08x@%s>\n",
		    (long long)bi->now, id, rnd(bi), rnd(bi), me);
	if (rc == 0)
		rc = str_appendf(out, "Auto-Submitted: auto-replied\n"
		    "MIME-Version: 1.0\n"
		    "Content-Type: multipart/report; report-type=delivery-status;\n"
		    "\tboundary=\"%s\"\n%s\n"
		    "This is a MIME-encapsulated message.\n\n", b,
		    is8bit ? "Content-Transfer-Encoding: 8bit\n" : "");
	return rc;
}

static int
assemble(const struct bounce_info *bi, const char *me, const char *id,
    const struct parts *pt, struct str *out)
{
	char	 b[128];

	if (pick_boundary(bi, pt, id, b, sizeof b) == -1 ||
	    build_head(bi, me, id, b, pt->orig_8bit, out) == -1)
		return -1;
	if (str_appendf(out, "--%s\nContent-Type: text/plain; charset=us-ascii\n"
	    "Content-Description: Notification\n\n", b) == -1 ||
	    str_append(out, pt->text.s, pt->text.len) == -1 ||
	    str_appendf(out, "\n--%s\nContent-Type: message/delivery-status\n"
	    "Content-Description: Delivery report\n\n", b) == -1 ||
	    str_append(out, pt->status.s, pt->status.len) == -1)
		return -1;
	if (str_appendf(out, "\n--%s\nContent-Type: %s\nContent-Description: %s\n%s\n",
	    b, pt->orig_whole ? "message/rfc822" : "text/rfc822-headers",
	    pt->orig_whole ? "Undelivered Message" : "Undelivered Message Headers",
	    pt->orig_8bit ? "Content-Transfer-Encoding: 8bit\n" : "") == -1 ||
	    str_append(out, pt->orig.s, pt->orig.len) == -1 ||
	    str_appendf(out, "\n--%s--\n", b) == -1)
		return -1;
	return 0;
}

int
bounce_build(const struct bounce_info *bi, struct str *out)
{
	struct parts	 pt = { STR_INIT, STR_INIT, STR_INIT, 0, 0 };
	char		 me[HOST_MAX + 1], id[TOKEN_MAX + 1];
	size_t		 oldlen = out->len;
	int		 rc, saved;

	if (bi == NULL || bi->id == NULL || bi->sender == NULL || bi->to == NULL ||
	    bi->rcpts == NULL || bi->nrcpts == 0 || bi->msgfd < 0) {
		errno = EINVAL;
		return -1;
	}
	clean_token(me, sizeof me, bi->me, "localhost");
	clean_token(id, sizeof id, bi->id, "unknown");
	rc = build_text(bi, me, &pt.text);
	if (rc == 0)
		rc = build_status(bi, me, id, &pt.status);
	if (rc == 0)
		rc = build_orig(bi, &pt);
	if (rc == 0)
		rc = assemble(bi, me, id, &pt, out);
	saved = errno;
	if (rc == -1)
		str_truncate(out, oldlen);
	str_free(&pt.text);
	str_free(&pt.status);
	str_free(&pt.orig);
	errno = saved;
	return rc;
}

const char *
bounce_remote_split(const char *text, char *host, size_t hostsz)
{
	const char	*p = text, *h, *said;
	size_t		 n;

	/* The enhanced code: a class digit, then digits and dots. */
	if (*p < '2' || *p > '5' || p[1] != '.')
		return NULL;
	p += strspn(p, "0123456789.");
	if (strncmp(p, " host ", 6) != 0)
		return NULL;
	h = p + 6;
	n = strcspn(h, " ");
	if (n == 0 || n >= hostsz || strncmp(h + n, " [", 2) != 0)
		return NULL;
	if ((said = strstr(h + n, "] said: ")) == NULL || strchr(h + n + 2, ' ') < said)
		return NULL;
	memcpy(host, h, n);
	host[n] = '\0';
	return said + 8;
}
