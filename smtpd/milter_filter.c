/* milter_filter.c: the conversation with one filter (see milter_filter.h). */
#include "milter_filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define PROGRESS_MAX 10000   /* SMFIR_PROGRESS packets before we call it a hang */
#define MODS_MAX     10000   /* modifications in one end of message */

/* Postfix's default macro lists, with the client's own added at connect. */
static const char *const default_macros[MST_COUNT] = {
	[MST_CONNECT] = "j {daemon_name} {daemon_addr} v _ {client_addr} {client_name} "
	    "{client_port} {if_addr}",
	[MST_HELO] = "{tls_version} {cipher} {cipher_bits}",
	[MST_MAIL] = "i {auth_type} {auth_authen} {auth_author} {mail_mailer} {mail_host} {mail_addr}",
	[MST_RCPT] = "{rcpt_mailer} {rcpt_host} {rcpt_addr}",
	[MST_DATA] = "i",
	[MST_EOM] = "i",
	[MST_EOH] = "i",
};

/* The skip flag, the no-reply flag and the macro stage of each command. */
static const struct stage_info {
	char		 cmd;
	const char	*name;
	unsigned	 no, nr;
	int		 conn_level;    /* accept here skips the whole connection */
} stages[] = {
	{ SMFIC_CONNECT, "connect", SMFIP_NOCONNECT, SMFIP_NR_CONN, 1 },
	{ SMFIC_HELO, "helo", SMFIP_NOHELO, SMFIP_NR_HELO, 1 },
	{ SMFIC_MAIL, "mail", SMFIP_NOMAIL, SMFIP_NR_MAIL, 0 },
	{ SMFIC_RCPT, "rcpt", SMFIP_NORCPT, SMFIP_NR_RCPT, 0 },
	{ SMFIC_DATA, "data", SMFIP_NODATA, SMFIP_NR_DATA, 0 },
	{ SMFIC_HEADER, "header", SMFIP_NOHDRS, SMFIP_NR_HDR, 0 },
	{ SMFIC_EOH, "eoh", SMFIP_NOEOH, SMFIP_NR_EOH, 0 },
	{ SMFIC_BODY, "body", SMFIP_NOBODY, SMFIP_NR_BODY, 0 },
	{ SMFIC_BODYEOB, "eom", 0, 0, 0 },
	{ SMFIC_ABORT, "abort", 0, 0, 0 },
	{ SMFIC_QUIT, "quit", 0, 0, 1 },
	{ SMFIC_OPTNEG, "negotiate", 0, 0, 1 },
	{ 0, "unknown", 0, 0, 0 },
};

static const struct stage_info *
stage_of(char cmd)
{
	const struct stage_info *s = stages;

	while (s->cmd != 0 && s->cmd != cmd)
		s++;
	return s;
}

const char *
milter_stage_name(char cmd)
{
	return stage_of(cmd)->name;
}

void
milter_fail(struct milter *m, const char *stage, const char *why)
{
	char	 q[LOG_QUOTE_MAX];

	log_warnx("milter=%s stage=%s error=\"%s\" action=%s",
	    log_quotes(q, sizeof q, m->spec.name), stage, why,
	    m->spec.default_accept ? "accept" : "tempfail");
	if (m->io != NULL) {
		milter_io_close(m->io);
		free(m->io);
	}
	m->io = NULL;
	m->failed = 1;
}

/* An I/O failure: its name for the log. */
static const char *
io_why(enum milter_rd r)
{
	if (r == MRD_ERROR)
		return errno == ETIMEDOUT ? "timeout" : strerror(errno);
	if (r == MRD_OVERSIZE)
		return "packet length 0 or over 66559 octets";
	return r == MRD_EOF ? "connection closed" : "truncated packet";
}

static int
send_pkt(struct milter *m, char cmd, const void *data, size_t len)
{
	struct str	 out = STR_INIT;
	int		 rc;

	rc = milter_encode(&out, cmd, data, len) == -1 ? -1 : milter_io_send(m->io, &out);
	str_free(&out);
	if (rc == -1)
		milter_fail(m, stage_of(cmd)->name, errno == ETIMEDOUT ? "timeout" : strerror(errno));
	return rc;
}

int
milter_negotiate(struct milter *m, int tmo)
{
	char			 data[12];
	struct milter_pkt	 p;
	enum milter_rd		 r;
	const char		*why;

	milter_put32(data, MILTER_VERSION);
	milter_put32(data + 4, MILTER_ACTIONS);
	milter_put32(data + 8, MILTER_PROTO);
	milter_io_deadline(m->io, tmo);
	if (send_pkt(m, SMFIC_OPTNEG, data, sizeof data) == -1)
		return -1;
	if ((r = milter_io_read(m->io, &p)) != MRD_OK) {
		milter_fail(m, "negotiate", io_why(r));
		return -1;
	}
	if (milter_parse_neg(&p, &m->neg, &why) == -1) {
		milter_fail(m, "negotiate", why);
		return -1;
	}
	return 0;
}

int
milter_start(struct milter *m, const struct milter_spec *sp, int tmo_connect, int tmo_cmd,
    int tmo_eom)
{
	memset(m, 0, sizeof *m);
	m->spec = *sp;
	m->tmo_cmd = tmo_cmd;
	m->tmo_eom = tmo_eom;
	if ((m->io = malloc(sizeof *m->io)) == NULL) {
		milter_fail(m, "connect", "out of memory");
		return -1;
	}
	if (milter_io_open(m->io, sp, tmo_connect) == -1) {
		free(m->io);
		m->io = NULL;
		milter_fail(m, "connect", errno == ETIMEDOUT ? "timeout" : strerror(errno));
		return -1;
	}
	return milter_negotiate(m, tmo_connect);
}

/* ---- macros ------------------------------------------------------------ */

/* "name\0value\0" for each name of the list that has a value. */
static int
macro_data(const char *list, const struct milter_macros *mm, struct str *out)
{
	char		 name[64], bare[64];
	const char	*p = list, *v;

	while (*p != '\0') {
		size_t n;

		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == 0)
			break;
		if (n < sizeof name) {
			memcpy(name, p, n);
			name[n] = '\0';
			/* "{client_addr}" and "client_addr" are the same macro. */
			if (name[0] == '{' && n > 2 && name[n - 1] == '}') {
				memcpy(bare, name + 1, n - 2);
				bare[n - 2] = '\0';
			} else
				strlcpy(bare, name, sizeof bare);
			if ((v = mm->get(mm->ctx, bare)) != NULL &&
			    (milter_put_str(out, name) == -1 || milter_put_str(out, v) == -1))
				return -1;
		}
		p += n;
	}
	return 0;
}

static int
send_macros(struct milter *m, int mst, char cmd, const struct milter_macros *mm)
{
	struct str	 d = STR_INIT;
	const char	*list;
	int		 rc = 0;

	if (mst < 0 || mst >= MST_COUNT || mm == NULL)
		return 0;
	list = m->neg.has_macros[mst] ? m->neg.macros[mst] : default_macros[mst];
	if (str_appendc(&d, cmd) == -1 || macro_data(list, mm, &d) == -1) {
		milter_fail(m, stage_of(cmd)->name, "out of memory");
		rc = -1;
	} else if (d.len > 1)
		rc = send_pkt(m, SMFIC_MACRO, d.s, d.len);
	str_free(&d);
	return rc;
}

/* ---- replies ------------------------------------------------------------ */

static const unsigned mod_action[128] = {
	[SMFIR_ADDHEADER] = SMFIF_ADDHDRS, [SMFIR_INSHEADER] = SMFIF_ADDHDRS,
	[SMFIR_CHGHEADER] = SMFIF_CHGHDRS, [SMFIR_REPLBODY] = SMFIF_CHGBODY,
	[SMFIR_ADDRCPT] = SMFIF_ADDRCPT, [SMFIR_ADDRCPT_PAR] = SMFIF_ADDRCPT_PAR,
	[SMFIR_DELRCPT] = SMFIF_DELRCPT, [SMFIR_CHGFROM] = SMFIF_CHGFROM,
	[SMFIR_QUARANTINE] = SMFIF_QUARANTINE,
};

/* A final reply to cmd: what it means. */
static enum milter_act
final(struct milter *m, const struct stage_info *st, const struct milter_reply *r,
    char *reply, size_t replysz)
{
	switch (r->code) {
	case SMFIR_CONTINUE:
		return MACT_CONTINUE;
	case SMFIR_SKIP:
		if (st->cmd != SMFIC_BODY)
			break;
		m->skip_body = 1;
		return MACT_CONTINUE;
	case SMFIR_ACCEPT:
		if (st->conn_level)
			m->skip_conn = 1;
		else
			m->skip_msg = 1;
		return MACT_ACCEPT;
	case SMFIR_DISCARD:
		if (st->conn_level)
			break;     /* nothing to discard before a message */
		m->skip_msg = 1;
		return MACT_DISCARD;
	case SMFIR_REJECT:
		return MACT_REJECT;
	case SMFIR_TEMPFAIL:
		return MACT_TEMPFAIL;
	case SMFIR_REPLYCODE:
		strlcpy(reply, r->text, replysz);
		return r->text[0] == '5' ? MACT_REJECT : MACT_TEMPFAIL;
	}
	milter_fail(m, st->name, "reply not allowed at this stage");
	return MACT_FAILED;
}

enum milter_act
milter_command(struct milter *m, int mst, char cmd, const void *data, size_t len,
    const struct milter_macros *mm, milter_mod_fn mod, void *modctx, char *reply,
    size_t replysz)
{
	const struct stage_info	*st = stage_of(cmd);
	struct milter_pkt	 p;
	struct milter_reply	 r;
	enum milter_rd		 rd;
	const char		*why;
	unsigned		 progress = 0, mods = 0;

	if (replysz > 0)
		reply[0] = '\0';
	if (m->io == NULL || m->failed)
		return MACT_FAILED;
	if (m->skip_conn || (m->neg.proto & st->no) || (cmd == SMFIC_DATA && m->neg.version < 4))
		return MACT_CONTINUE;
	if (cmd == SMFIC_BODY && m->skip_body)
		return MACT_CONTINUE;
	milter_io_deadline(m->io, cmd == SMFIC_BODYEOB ? m->tmo_eom : m->tmo_cmd);
	if (send_macros(m, mst, cmd, mm) == -1 || send_pkt(m, cmd, data, len) == -1)
		return MACT_FAILED;
	if (cmd == SMFIC_MAIL)
		m->in_msg = 1;
	if (m->neg.proto & st->nr)
		return MACT_CONTINUE;
	for (;;) {
		if ((rd = milter_io_read(m->io, &p)) != MRD_OK) {
			milter_fail(m, st->name, io_why(rd));
			return MACT_FAILED;
		}
		if (milter_parse_reply(&p, &r, &why) == -1) {
			milter_fail(m, st->name, why);
			return MACT_FAILED;
		}
		if (r.code == SMFIR_PROGRESS) {
			if (++progress > PROGRESS_MAX) {
				milter_fail(m, st->name, "too many progress replies");
				return MACT_FAILED;
			}
			/* The filter is alive: it gets another timeout from now. */
			milter_io_deadline(m->io, cmd == SMFIC_BODYEOB ? m->tmo_eom : m->tmo_cmd);
			continue;
		}
		if ((unsigned char)r.code < 128 && mod_action[(unsigned char)r.code] != 0) {
			if (cmd != SMFIC_BODYEOB || mod == NULL ||
			    !(m->neg.actions & mod_action[(unsigned char)r.code])) {
				milter_fail(m, st->name, "modification not negotiated or not at end of message");
				return MACT_FAILED;
			}
			if (++mods > MODS_MAX) {
				milter_fail(m, st->name, "too many modifications");
				return MACT_FAILED;
			}
			if (mod(modctx, &r, (m->neg.proto & SMFIP_HDR_LEADSPC) != 0) == -1) {
				milter_fail(m, st->name, "modification refused (malformed or over a bound)");
				return MACT_FAILED;
			}
			continue;
		}
		return final(m, st, &r, reply, replysz);
	}
}

void
milter_abort(struct milter *m)
{
	if (m->io != NULL && !m->failed && m->in_msg && !m->skip_conn)
		(void)send_pkt(m, SMFIC_ABORT, NULL, 0);
	m->in_msg = 0;
	m->skip_msg = 0;
	m->skip_body = 0;
}

void
milter_quit(struct milter *m)
{
	if (m->io == NULL)
		return;
	milter_io_deadline(m->io, m->tmo_cmd);
	if (!m->failed) {
		struct str out = STR_INIT;
		if (milter_encode(&out, SMFIC_QUIT, NULL, 0) == 0)
			(void)milter_io_send(m->io, &out);
		str_free(&out);
	}
	milter_io_close(m->io);
	free(m->io);
	m->io = NULL;
}
