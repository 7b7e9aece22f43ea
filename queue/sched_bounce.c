/*
 * sched_bounce.c: send what a message owes for its failed recipients.
 *
 * One RFC 3464 report per round to the envelope sender. A message whose
 * sender is <> is a bounce itself: its report goes to doublebounceto
 * instead, and when that fails too it is logged and dropped, so that no
 * bounce can ever loop.
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bounce.h"
#include "fsutil.h"
#include "home.h"
#include "log.h"
#include "qexit.h"
#include "qlayout.h"
#include "runqueue.h"
#include "sched.h"

#define BOUNCE_RETURN_MAX (128 * 1024)

/* Run stamp-queue with the message and envelope; its exit code, or -1. */
static int
inject_bounce(const struct str *message, const struct str *envelope)
{
	int	 mfd, efd;

	if ((mfd = memfd_with("bounce", message->s, message->len)) == -1)
		return -1;
	if ((efd = memfd_with("envelope", envelope->s, envelope->len)) == -1) {
		close(mfd);
		return -1;
	}
	return run_queue(mfd, efd);
}

/* The address a double bounce goes to: doublebounceto, qualified with me. */
static void
double_to(const struct sconf *c, char *out, size_t outsz)
{
	if (strchr(c->doublebounceto.s, '@') != NULL)
		snprintf(out, outsz, "%s", c->doublebounceto.s);
	else
		snprintf(out, outsz, "%s@%s", c->doublebounceto.s, c->me.s);
}

static int
mark_bounced(struct msg *m, time_t now)
{
	struct str	 rec = STR_INIT;
	int		 rc = 0;

	for (size_t i = 0; i < m->n && rc == 0; i++)
		if (m->r[i].st.state == RS_FAILED)
			rc = qdone_put(&rec, 'B', i, now, NULL);
	if (rc == 0)
		rc = msg_log_append(m, &rec);
	str_free(&rec);
	if (rc == 0)
		for (size_t i = 0; i < m->n; i++)
			if (m->r[i].st.state == RS_FAILED)
				m->r[i].st.state = RS_BOUNCED;
	return rc;
}

static int
build(const struct sconf *c, struct msg *m, const char *to, int is_double,
    time_t now, struct str *out)
{
	struct bounce_rcpt	*br;
	struct bounce_info	 bi;
	char			(*hosts)[256];
	char			 path[64];
	size_t			 nb = 0;
	int			 fd, rc;

	if ((br = calloc(m->n, sizeof *br)) == NULL)
		return -1;
	if ((hosts = calloc(m->n, sizeof *hosts)) == NULL) {
		free(br);
		return -1;
	}
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].st.state == RS_FAILED) {
			br[nb].rcpt = m->r[i].addr;
			br[nb].text = m->r[i].st.text ? m->r[i].st.text : "5.0.0 delivery failed";
			br[nb].when = m->r[i].st.last;
			/* A remote server's own words: Remote-MTA and Diagnostic-Code from them. */
			br[nb].diagnostic = bounce_remote_split(br[nb].text, hosts[nb], sizeof hosts[nb]);
			if (br[nb].diagnostic != NULL)
				br[nb].remote_mta = hosts[nb];
			nb++;
		}
	if (qpath(path, sizeof path, Q_MESS, m->id) == -1 ||
	    (fd = open_safe(path, O_RDONLY, 0)) == -1) {
		free(br);
		free(hosts);
		return -1;
	}
	memset(&bi, 0, sizeof bi);
	bi.me = c->me.s;
	bi.bouncefrom = c->bouncefrom.s;
	bi.id = m->id;
	bi.sender = m->sender;
	bi.to = to;
	bi.arrival = m->qtime;
	bi.now = now;
	bi.is_double = is_double;
	bi.rcpts = br;
	bi.nrcpts = nb;
	bi.msgfd = fd;
	bi.max_return = BOUNCE_RETURN_MAX;
	rc = bounce_build(&bi, out);
	close(fd);
	free(br);
	free(hosts);
	return rc;
}

int
sched_bounce(const struct sconf *c, struct msg *m, time_t now)
{
	char		 to[600];
	struct str	 message = STR_INIT, env = STR_INIT;
	int		 is_double = m->sender[0] == '\0', code;

	if (is_double) {
		double_to(c, to, sizeof to);
		for (size_t i = 0; i < m->n; i++)
			if (m->r[i].st.state == RS_FAILED &&
			    strcasecmp(m->r[i].addr, to) == 0) {
				log_warnx("id=%s action=drop-double-bounce rcpt=%s "
				    "reason=\"the double bounce itself failed\"", m->id, to);
				return mark_bounced(m, now);
			}
	} else
		snprintf(to, sizeof to, "%s", m->sender);

	if (build(c, m, to, is_double, now, &message) == -1 ||
	    str_append(&env, "F", 2) == -1 ||   /* F, then the empty sender's NUL */
	    str_appendc(&env, 'T') == -1 ||
	    str_append(&env, to, strlen(to) + 1) == -1 ||
	    str_appendc(&env, '\0') == -1) {
		log_warn("id=%s action=bounce", m->id);
		str_free(&message);
		str_free(&env);
		return -1;
	}
	code = inject_bounce(&message, &env);
	str_free(&message);
	str_free(&env);
	if (code != 0) {
		log_warnx("id=%s action=bounce to=%s status=deferred reason=\"stamp-queue: %s\"",
		    m->id, to, code == -1 ? strerror(errno) : qexit_text(code));
		return -1;
	}
	log_info("id=%s action=bounce to=%s type=%s", m->id, to,
	    is_double ? "double" : "single");
	return mark_bounced(m, now);
}
