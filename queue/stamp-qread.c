/*
 * stamp-qread: what the queue holds. One line per message (id, age, size,
 * sender, recipients), then one indented line per recipient with its state,
 * tries, next retry and last result; --json prints the same as JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "home.h"
#include "log.h"
#include "qlist.h"
#include "qmsg.h"

struct view {
	int           json;
	int           first;        /* no JSON object printed yet */
	struct qretry retry;
	time_t        now;
};

static void
json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
show_text(const struct view *v, const struct qmsg *m)
{
	char age[32];

	qtool_age(age, sizeof age, (long long)(v->now - m->env.time));
	printf("%s %s %lld <%s>", m->e.id, age, (long long)m->st.st_size, m->env.sender);
	for (size_t i = 0; i < m->env.nrcpt; i++)
		printf(" %s", m->env.rcpt[i]);
	if (m->e.state == Q_HOLD)
		printf(" held=\"%s\"", m->env.hold);    /* printable, checked by the reader */
	putchar('\n');
	for (size_t i = 0; i < m->env.nrcpt; i++)
		qmsg_print_rcpt(stdout, m, i, &v->retry, v->now);
}

static void
show_json(struct view *v, const struct qmsg *m)
{
	const int fresh = m->e.state == Q_TODO, held = m->e.state == Q_HOLD;

	printf("%s\n  {\"id\": \"%s\", \"state\": \"%s\", \"arrival\": %lld, "
	    "\"age\": %lld, \"size\": %lld, \"sender\": ", v->first ? "" : ",",
	    m->e.id, fresh ? "new" : held ? "held" : "queued", (long long)m->env.time,
	    (long long)(v->now - m->env.time), (long long)m->st.st_size);
	json_string(m->env.sender);
	if (held) {
		printf(", \"hold_reason\": ");
		json_string(m->env.hold);
	}
	printf(", \"recipients\": [");
	for (size_t i = 0; i < m->env.nrcpt; i++) {
		const struct rcpt_status *rs = &m->rs[i];
		time_t t = qretry_next(&v->retry, rs);

		printf("%s\n    {\"address\": ", i ? "," : "");
		json_string(m->env.rcpt[i]);
		printf(", \"state\": \"%s\", \"tries\": %u, \"next_retry\": ",
		    fresh ? "new" : held ? "held" : rcpt_state_name(rs->state), rs->tries);
		if (t != 0)
			printf("%lld", (long long)t);
		else
			printf("null");
		printf(", \"last_result\": ");
		if (rs->text != NULL)
			json_string(rs->text);
		else
			printf("null");
		putchar('}');
	}
	printf("]}");
	v->first = 0;
}

/* Show one message; a message delivered while we look is skipped. */
static int
show(struct view *v, const char *queue, const struct qentry *e)
{
	struct qmsg m;

	switch (qmsg_load(queue, e, &m)) {
	case QM_ERROR:
		return -1;
	case QM_GONE:
		return 0;
	case QM_INVALID:
		if (!v->json)
			printf("%s invalid-envelope\n", e->id);
		return 0;
	case QM_OK:
		break;
	}
	if (v->json)
		show_json(v, &m);
	else
		show_text(v, &m);
	qmsg_free(&m);
	return 0;
}

int
main(int argc, char **argv)
{
	char queue[HOME_PATH_MAX];
	struct view vw = { .first = 1, .now = time(NULL) };
	struct qentry *v;
	size_t n;
	int rc = 0;

	log_init("stamp-qread");
	qtool_options_ex(argc, argv, "usage: stamp-qread [--home DIR] [--json]\n", 0, &vw.json);
	if (qretry_read(&vw.retry) == -1)
		return 1;
	if (home_path(queue, sizeof queue, "queue") == -1 ||
	    qlist_collect(queue, &v, &n) == -1)
		fatalx(1, "reason=\"cannot read the queue\" home=%s", home_dir());
	if (vw.json)
		printf("[");
	for (size_t i = 0; i < n; i++)
		if (show(&vw, queue, &v[i]) == -1) {
			log_warn("id=%s action=read", v[i].id);
			rc = 1;
		}
	if (vw.json)
		printf("%s]\n", vw.first ? "" : "\n");
	free(v);
	return fflush(stdout) == 0 ? rc : 1;
}
