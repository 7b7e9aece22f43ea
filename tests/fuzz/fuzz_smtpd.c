/*
 * fuzz_smtpd.c: a whole SMTP session on hostile input. Byte 0 picks the
 * read size, byte 1 the client (loopback, relay client, TLS available);
 * the rest is what the client sends. Properties: every reply line is
 * "NNN " or "NNN-", at most 512 octets, ends in CR LF and holds no other CR
 * or LF; the first reply is 220 or 554; every queued message has only CR LF
 * line ends, fits databytes, and its Received: line holds no control
 * character; every reply was sent before the session ended.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "smtpd/opts.h"
#include "smtpd/session.h"
#include "str.h"
#include "tests/fuzz/fuzz.h"

#define DATABYTES 4096

struct fz {
	const uint8_t	*in;
	size_t		 len, pos, chunk;
	struct str	 out;
};

static ssize_t
fz_read(void *ctx, int fd, void *dst, size_t n, int timeout_ms)
{
	struct fz	*f = ctx;
	size_t		 k = f->len - f->pos;

	(void)fd, (void)timeout_ms;
	if (k > n)
		k = n;
	if (k > f->chunk)
		k = f->chunk;
	memcpy(dst, f->in + f->pos, k);
	f->pos += k;
	return (ssize_t)k;
}

static ssize_t
fz_write(void *ctx, int fd, const void *src, size_t n, int timeout_ms)
{
	struct fz *f = ctx;

	(void)fd, (void)timeout_ms;
	FUZZ_ASSERT(str_append(&f->out, src, n) == 0);
	return (ssize_t)n;
}

/* The message: only CR LF line ends; the trace lines printable. */
static void
check_message(const char *m, size_t n)
{
	const char *end_trace;

	FUZZ_ASSERT(n <= DATABYTES + 1024);
	for (size_t i = 0; i < n; i++) {
		if (m[i] == '\r')
			FUZZ_ASSERT(i + 1 < n && m[i + 1] == '\n');
		if (m[i] == '\n')
			FUZZ_ASSERT(i > 0 && m[i - 1] == '\r');
	}
	FUZZ_ASSERT(n >= 15 && memcmp(m, "Received: from ", 15) == 0);
	end_trace = strstr(m, ";\r\n\t");
	FUZZ_ASSERT(end_trace != NULL);
	for (const char *p = m; p < end_trace; p++)
		FUZZ_ASSERT((unsigned char)*p >= 0x20 || *p == '\r' || *p == '\n' || *p == '\t');
}

static enum queue_result
fz_queue(void *ctx, int msgfd, const char *sender, char *const *rcpts, size_t nrcpt,
    char *qid, size_t qidsz, char *text, size_t textsz)
{
	char	 buf[DATABYTES + 2048];
	ssize_t	 n;

	(void)ctx, (void)rcpts, (void)text, (void)textsz;
	FUZZ_ASSERT(nrcpt >= 1 && nrcpt <= 3 && strlen(sender) <= 256);
	n = read(msgfd, buf, sizeof buf - 1);
	FUZZ_ASSERT(n >= 0);
	buf[n] = '\0';
	close(msgfd);
	check_message(buf, (size_t)n);
	strlcpy(qid, "0123456789abcdef", qidsz);
	return QR_OK;
}

static enum checkpw_result
fz_checkpw(void *ctx, const char *user, const char *pass, const char *stamp)
{
	(void)ctx, (void)stamp;
	return strcmp(user, "a") == 0 && strcmp(pass, "b") == 0 ? PW_OK : PW_BAD;
}

static int
fz_starttls(void *ctx, struct rbuf *rb, struct wbuf *wb, char *proto, size_t psz,
    char *desc, size_t dsz)
{
	(void)ctx, (void)wb;
	FUZZ_ASSERT(rbuf_pending(rb) == 0);	/* the plaintext is gone */
	strlcpy(proto, "TLSv1.3", psz);
	strlcpy(desc, "TLSv1.3 X", dsz);
	return 0;
}

static enum lookup_kind
fz_lookup(void *ctx, const char *local, const char *domain)
{
	(void)ctx, (void)domain;
	return local[0] == 'e' ? LK_ERROR : local[0] == 'a' ? LK_VIRTUAL : LK_UNKNOWN;
}

static void fz_pause(void *ctx, int ms) { (void)ctx, (void)ms; }
static time_t fz_now(void *ctx) { (void)ctx; return 1796000000; }

static void
one_list(struct ctl_list *l, const char *item)
{
	l->n = item != NULL;
	l->items = calloc(2, sizeof *l->items);
	FUZZ_ASSERT(l->items != NULL);
	if (item != NULL)
		FUZZ_ASSERT((l->items[0] = strdup(item)) != NULL);
}

/* Each reply line: "NNN" then " " or "-", CR LF at its end only, bounded. */
static void
check_replies(const struct str *out)
{
	const char	*p = out->s, *end = out->s + out->len;

	FUZZ_ASSERT(out->len >= 5);
	FUZZ_ASSERT(memcmp(p, "220 ", 4) == 0 || memcmp(p, "554 ", 4) == 0);
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));

		FUZZ_ASSERT(lf != NULL && lf - p >= 5 && lf[-1] == '\r');
		FUZZ_ASSERT(lf - p <= 514);
		FUZZ_ASSERT(p[0] >= '2' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' &&
		    p[2] >= '0' && p[2] <= '9' && (p[3] == ' ' || p[3] == '-'));
		FUZZ_ASSERT(memchr(p, '\r', (size_t)(lf - p - 1)) == NULL);
		FUZZ_ASSERT(memchr(p, '\0', (size_t)(lf - p)) == NULL);
		p = lf + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz		 f = { 0 };
	struct smtpd_opts	 o;
	struct smtpd_client	 c;
	struct smtpd_world	 w = { .queue = fz_queue, .checkpw = fz_checkpw,
	    .starttls = fz_starttls, .lookup = fz_lookup, .pause = fz_pause, .now = fz_now };
	char			 rmem[512], wmem[256];
	struct rbuf		 rb;
	struct wbuf		 wb;
	int			 saved, null;

	if (size < 2 || size > 65536)
		return 0;
	f.chunk = (size_t)(data[0] % 64) + 1;
	f.in = data + 2;
	f.len = size - 2;
	w.ctx = &f;
	memset(&o, 0, sizeof o);
	FUZZ_ASSERT(str_sets(&o.me, "mx.example.org") == 0 && str_sets(&o.greeting, "mx.example.org") == 0);
	o.databytes = DATABYTES;
	o.timeout_ms = 1000;
	o.maxrcpt = 3;
	o.maxhops = 5;
	o.tls_available = (data[1] & 4) != 0;
	o.authplaintext = (data[1] & 8) != 0;
	one_list(&o.locals, "example.org");
	one_list(&o.vdomains, NULL);
	one_list(&o.rcpthosts, "example.org");
	one_list(&o.badmailfrom, "@bad.example");
	one_list(&o.badrcptto, "x@example.org");
	one_list(&o.relayclients, NULL);
	memset(&c, 0, sizeof c);
	strlcpy(c.ip, data[1] & 1 ? "127.0.0.1" : "192.0.2.1", sizeof c.ip);
	c.relayclient = (data[1] & 2) != 0;
	rbuf_init(&rb, -1, rmem, sizeof rmem, 1000);
	rbuf_set_reader(&rb, fz_read, &f);
	wbuf_init(&wb, -1, wmem, sizeof wmem, 1000);
	wbuf_set_writer(&wb, fz_write, &f);
	/* The session's log lines are noise here (a property failure still prints). */
	fflush(stderr);
	saved = dup(2);
	null = open("/dev/null", O_WRONLY);
	FUZZ_ASSERT(saved >= 0 && null >= 0 && dup2(null, 2) == 2);
	close(null);
	(void)smtpd_session(&rb, &wb, &c, &o, &w);
	FUZZ_ASSERT(dup2(saved, 2) == 2);
	close(saved);
	FUZZ_ASSERT(wb.len == 0);
	check_replies(&f.out);
	str_free(&f.out);
	smtpd_opts_free(&o);
	return 0;
}
