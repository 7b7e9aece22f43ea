/* milter.c: the filters of one SMTP session, stage by stage (see milter.h). */
#include "milter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "milter_msg.h"

#define REPLY_REJECT   "550 5.7.1 Command rejected"
#define REPLY_TEMPFAIL "451 4.7.1 Service unavailable - try again later"

static int
seconds_ms(const char *name, long long def)
{
	long long	 s;

	if (ctl_number(name, &s) == -1)
		s = def;
	return (int)(s * 1000);
}

/* Out of memory at the start: a set that is all failure, so nothing passes unfiltered. */
static struct milter_set oom_set = { .broken = 1 };

struct milter_set *
milter_open(int submission, unsigned long long max_bytes, size_t rcpt_max)
{
	const char		*file = submission ? "submissionmilters" : "milters", *why;
	struct ctl_list		 list = { NULL, 0 };
	struct milter_set	*set;
	struct milter_spec	 sp;
	int			 tc, tm, te, broken = 0;

	if (ctl_list(file, &list) == -1)
		broken = 1;     /* logged by the reader */
	else if (list.n == 0)
		return NULL;
	if ((set = calloc(1, sizeof *set)) == NULL ||
	    (list.n > 0 && (set->f = calloc(list.n, sizeof *set->f)) == NULL)) {
		log_warn("milter event=open");
		free(set);
		ctl_list_free(&list);
		return &oom_set;
	}
	set->broken = broken;
	set->max_bytes = max_bytes;
	set->rcpt_max = rcpt_max;
	tc = seconds_ms("timeoutmilterconnect", 30);
	tm = seconds_ms("timeoutmilter", 30);
	te = seconds_ms("timeoutmiltereom", 300);
	for (size_t i = 0; i < list.n; i++) {
		char q[LOG_QUOTE_MAX];

		if (milter_spec_parse(list.items[i], &sp, &why) == -1) {
			log_warnx("milter=%s file=%s error=\"%s\" action=tempfail",
			    log_quotes(q, sizeof q, list.items[i]), file, why);
			set->broken = 1;
			continue;
		}
		(void)milter_start(&set->f[set->n++], &sp, tc, tm, te);
	}
	ctl_list_free(&list);
	return set;
}

void
milter_close(struct milter_set *set)
{
	if (set == NULL || set == &oom_set)
		return;
	for (size_t i = 0; i < set->n; i++)
		milter_quit(&set->f[i]);
	free(set->f);
	free(set);
}

/* The verdict a filter's act makes; MV_GO to ask the next one. */
static enum milter_verdict
verdict(struct milter_set *set, struct milter *f, enum milter_act act, int msg_stage,
    char *reply, size_t replysz)
{
	switch (act) {
	case MACT_CONTINUE:
	case MACT_ACCEPT:
		return MV_GO;
	case MACT_REJECT:
		if (reply[0] == '\0')
			strlcpy(reply, REPLY_REJECT, replysz);
		return MV_REJECT;
	case MACT_TEMPFAIL:
		if (reply[0] == '\0')
			strlcpy(reply, REPLY_TEMPFAIL, replysz);
		return MV_TEMPFAIL;
	case MACT_DISCARD:
		set->discard = 1;
		return MV_DISCARD;
	case MACT_FAILED:
		break;
	}
	if (f->spec.default_accept || !msg_stage)
		return MV_GO;
	strlcpy(reply, REPLY_TEMPFAIL, replysz);
	return MV_TEMPFAIL;
}

/* What holds for the whole session before any filter is asked about a message. */
static int
session_verdict(struct milter_set *set, char *reply, size_t replysz, enum milter_verdict *v)
{
	if (set->broken) {
		strlcpy(reply, REPLY_TEMPFAIL, replysz);
		*v = MV_TEMPFAIL;
		return 1;
	}
	if (set->conn_refused) {
		strlcpy(reply, set->conn_reply, replysz);
		*v = reply[0] == '5' ? MV_REJECT : MV_TEMPFAIL;
		return 1;
	}
	if (set->discard) {
		*v = MV_DISCARD;
		return 1;
	}
	return 0;
}

static enum milter_verdict
ask_all(struct milter_set *set, int mst, char cmd, const void *data, size_t len,
    const struct milter_macros *mm, int msg_stage, char *reply, size_t replysz)
{
	enum milter_verdict	 v;

	reply[0] = '\0';
	if (set == NULL)
		return MV_GO;
	if (msg_stage && session_verdict(set, reply, replysz, &v))
		return v == MV_DISCARD ? MV_GO : v;
	for (size_t i = 0; i < set->n; i++) {
		struct milter	*f = &set->f[i];
		enum milter_act	 act;

		if (f->failed) {
			act = MACT_FAILED;
		} else if (msg_stage && f->skip_msg)
			continue;
		else
			act = milter_command(f, mst, cmd, data, len, mm, NULL, NULL, reply, replysz);
		if ((v = verdict(set, f, act, msg_stage, reply, replysz)) == MV_DISCARD)
			return MV_GO;	/* the message is taken and dropped at its end */
		if (v != MV_GO)
			return v;
	}
	return MV_GO;
}

enum milter_verdict
milter_connect(struct milter_set *set, const struct milter_macros *mm, const char *hostname,
    const char *ip, unsigned port, char *reply, size_t replysz)
{
	struct str		 d = STR_INIT;
	char			 p2[2] = { (char)(port >> 8), (char)port };
	enum milter_verdict	 v;

	reply[0] = '\0';
	if (set == NULL)
		return MV_GO;
	if (milter_put_str(&d, hostname) == -1 ||
	    str_appendc(&d, ip[0] == '\0' ? 'U' : strchr(ip, ':') ? '6' : '4') == -1 ||
	    (ip[0] != '\0' && (str_append(&d, p2, 2) == -1 || milter_put_str(&d, ip) == -1))) {
		str_free(&d);
		set->broken = 1;
		return MV_TEMPFAIL;
	}
	v = ask_all(set, MST_CONNECT, SMFIC_CONNECT, d.s, d.len, mm, 0, reply, replysz);
	str_free(&d);
	if (v == MV_REJECT || v == MV_TEMPFAIL) {
		set->conn_refused = 1;
		strlcpy(set->conn_reply, reply, sizeof set->conn_reply);
	}
	return v;
}

enum milter_verdict
milter_helo(struct milter_set *set, const struct milter_macros *mm, const char *helo,
    char *reply, size_t replysz)
{
	return ask_all(set, MST_HELO, SMFIC_HELO, helo, strlen(helo) + 1, mm, 0, reply, replysz);
}

/* "<addr>\0" for MAIL and RCPT. */
static enum milter_verdict
ask_path(struct milter_set *set, int mst, char cmd, const struct milter_macros *mm,
    const char *addr, char *reply, size_t replysz)
{
	char	 path[ADDR_PATH_MAX + 3];
	int	 n = snprintf(path, sizeof path, "<%s>", addr);

	return ask_all(set, mst, cmd, path, (size_t)n + 1, mm, 1, reply, replysz);
}

enum milter_verdict
milter_mail(struct milter_set *set, const struct milter_macros *mm, const char *sender,
    char *reply, size_t replysz)
{
	return ask_path(set, MST_MAIL, SMFIC_MAIL, mm, sender, reply, replysz);
}

enum milter_verdict
milter_rcpt(struct milter_set *set, const struct milter_macros *mm, const char *rcpt,
    char *reply, size_t replysz)
{
	return ask_path(set, MST_RCPT, SMFIC_RCPT, mm, rcpt, reply, replysz);
}

enum milter_verdict
milter_data(struct milter_set *set, const struct milter_macros *mm, char *reply,
    size_t replysz)
{
	return ask_all(set, MST_DATA, SMFIC_DATA, NULL, 0, mm, 1, reply, replysz);
}

void
milter_reset(struct milter_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->n; i++)
		milter_abort(&set->f[i]);
	set->discard = 0;
}

/* ---- end of message ----------------------------------------------------- */

struct send_ctx {
	struct milter			*f;
	const struct milter_macros	*mm;
	enum milter_act			 act;
	char				*reply;
	size_t				 replysz;
};

/* One header or body packet: 0 go on, 1 the filter decided (or failed). */
static int
send_one(void *ctx, char cmd, const void *data, size_t len)
{
	struct send_ctx	*c = ctx;

	c->act = milter_command(c->f, -1, cmd, data, len, c->mm, NULL, NULL, c->reply, c->replysz);
	return c->act == MACT_CONTINUE ? 0 : 1;
}

/* The whole message to one filter, its modifications applied to m. */
static enum milter_act
message_to(struct milter *f, struct mmsg *m, const struct milter_macros *mm, char *reply,
    size_t replysz)
{
	struct send_ctx	 c = { f, mm, MACT_CONTINUE, reply, replysz };
	enum milter_act	 act;

	if (mmsg_send_fields(m, (f->neg.proto & SMFIP_HDR_LEADSPC) != 0, send_one, &c) != 0)
		return c.act == MACT_CONTINUE ? MACT_FAILED : c.act;
	act = milter_command(f, MST_EOH, SMFIC_EOH, NULL, 0, mm, NULL, NULL, reply, replysz);
	if (act != MACT_CONTINUE)
		return act;
	if (mmsg_send_body(m, send_one, &c) != 0)
		return c.act;
	act = milter_command(f, MST_EOM, SMFIC_BODYEOB, NULL, 0, mm, mmsg_apply, m,
	    reply, replysz);
	mmsg_filter_done(m);
	return act;
}

/* The end of message for every filter; the transaction is over for them all. */
static enum milter_verdict
filter_message(struct milter_set *set, struct mmsg *m, const struct milter_macros *mm,
    char *reply, size_t replysz)
{
	enum milter_verdict	 v = MV_GO;

	for (size_t i = 0; i < set->n && v == MV_GO; i++) {
		struct milter	*f = &set->f[i];
		enum milter_act	 act;

		if (!f->failed && f->skip_msg)
			continue;
		act = f->failed ? MACT_FAILED : message_to(f, m, mm, reply, replysz);
		v = verdict(set, f, act, 1, reply, replysz);
	}
	for (size_t i = 0; i < set->n; i++) {
		set->f[i].in_msg = 0;    /* the end of message ends it: no abort owed */
		milter_abort(&set->f[i]);
	}
	return v;
}

/* Hand out what the filters made of the message. */
static enum milter_verdict
output(struct mmsg *m, int msgfd, struct milter_out *out, char *reply, size_t replysz)
{
	strlcpy(out->sender, m->sender, sizeof out->sender);
	strlcpy(out->quarantine, m->quarantine, sizeof out->quarantine);
	if (!m->changed) {
		out->fd = msgfd;
		return MV_GO;
	}
	if (m->nrcpt == 0) {
		log_info("milter event=discard reason=\"every recipient was removed\"");
		return MV_DISCARD;
	}
	if ((out->fd = mmsg_write(m)) == -1) {
		log_warn("milter event=rewrite");
		strlcpy(reply, "451 4.3.0 Temporary failure writing the filtered message", replysz);
		return MV_TEMPFAIL;
	}
	close(msgfd);
	out->rcpts = m->rcpts;
	out->nrcpt = m->nrcpt;
	m->rcpts = NULL;
	m->nrcpt = 0;
	return MV_GO;
}

enum milter_verdict
milter_message(struct milter_set *set, const struct milter_macros *mm, int msgfd,
    const char *sender, char *const *rcpts, size_t nrcpt, struct milter_out *out,
    char *reply, size_t replysz)
{
	struct mmsg		 m;
	enum milter_verdict	 v;

	memset(out, 0, sizeof *out);
	out->fd = msgfd;
	strlcpy(out->sender, sender, sizeof out->sender);
	reply[0] = '\0';
	if (set == NULL)
		return MV_GO;
	if (session_verdict(set, reply, replysz, &v)) {
		milter_reset(set);
		return v;
	}
	if (mmsg_load(&m, msgfd, sender, rcpts, nrcpt, set->rcpt_max, set->max_bytes) == -1) {
		int big = errno == E2BIG;

		log_warn("milter event=load");
		mmsg_free(&m);
		milter_reset(set);
		strlcpy(reply, big ? "552 5.3.4 Message header too big for the mail filters" :
		    "451 4.3.0 Temporary failure reading the message", replysz);
		return big ? MV_REJECT : MV_TEMPFAIL;
	}
	v = filter_message(set, &m, mm, reply, replysz);
	if (set->discard)
		v = MV_DISCARD;
	set->discard = 0;
	if (v == MV_GO)
		v = output(&m, msgfd, out, reply, replysz);
	mmsg_free(&m);
	return v;
}

void
milter_out_free(struct milter_out *out)
{
	for (size_t i = 0; out->rcpts != NULL && i < out->nrcpt; i++)
		free(out->rcpts[i]);
	free(out->rcpts);
	out->rcpts = NULL;
	out->nrcpt = 0;
}
