/*
 * stamp-qread: what the queue holds. One line per message (id, age, size,
 * sender, recipients), then one indented line per recipient with its state,
 * tries, next retry and last result; --json prints the same as JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "envelope.h"
#include "qdone.h"
#include "fsutil.h"
#include "home.h"
#include "log.h"
#include "qlist.h"

#define ENVELOPE_FILE_MAX (ENV_RCPT_MAX * (ADDR_PATH_MAX + 16) + 4096)

static int
join(char *out, size_t outsz, const char *queue, const char *rel)
{
	int n = snprintf(out, outsz, "%s/%s", queue, rel);

	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

struct view {
	int        json;
	int        first;        /* no JSON object printed yet */
	long long  retrymin, retrymax;
	time_t     now;
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

static time_t
next_retry(const struct view *v, const struct rcpt_status *st)
{
	long long d = v->retrymin;

	if (st->state != RS_PENDING || st->tries == 0)
		return 0;
	for (unsigned i = 1; i < st->tries && d < v->retrymax; i++)
		d *= 2;
	return st->last + (d < v->retrymax ? d : v->retrymax);
}

static void
show_text(const struct view *v, const struct qentry *e, const struct envelope *env,
    const struct stat *st, const struct rcpt_status *rs)
{
	char age[32], next[32];

	qtool_age(age, sizeof age, (long long)(v->now - env->time));
	printf("%s %s %lld <%s>", e->id, age, (long long)st->st_size, env->sender);
	for (size_t i = 0; i < env->nrcpt; i++)
		printf(" %s", env->rcpt[i]);
	putchar('\n');
	for (size_t i = 0; i < env->nrcpt; i++) {
		time_t t = next_retry(v, &rs[i]);
		printf("  %s state=%s tries=%u", env->rcpt[i],
		    e->state == Q_TODO ? "new" : rcpt_state_name(rs[i].state), rs[i].tries);
		if (t != 0) {
			qtool_age(next, sizeof next, (long long)(t > v->now ? t - v->now : 0));
			printf(" next=%s", next);
		}
		if (rs[i].text != NULL) {
			char q[LOG_QUOTE_MAX];
			printf(" last=%s", log_quotes(q, sizeof q, rs[i].text));
		}
		putchar('\n');
	}
}

static void
show_json(struct view *v, const struct qentry *e, const struct envelope *env,
    const struct stat *st, const struct rcpt_status *rs)
{
	printf("%s\n  {\"id\": \"%s\", \"state\": \"%s\", \"arrival\": %lld, "
	    "\"age\": %lld, \"size\": %lld, \"sender\": ", v->first ? "" : ",",
	    e->id, e->state == Q_TODO ? "new" : "queued", (long long)env->time,
	    (long long)(v->now - env->time), (long long)st->st_size);
	json_string(env->sender);
	printf(", \"recipients\": [");
	for (size_t i = 0; i < env->nrcpt; i++) {
		time_t t = next_retry(v, &rs[i]);
		printf("%s\n    {\"address\": ", i ? "," : "");
		json_string(env->rcpt[i]);
		printf(", \"state\": \"%s\", \"tries\": %u, \"next_retry\": ",
		    e->state == Q_TODO ? "new" : rcpt_state_name(rs[i].state), rs[i].tries);
		if (t != 0)
			printf("%lld", (long long)t);
		else
			printf("null");
		printf(", \"last_result\": ");
		if (rs[i].text != NULL)
			json_string(rs[i].text);
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
	char path[HOME_PATH_MAX], rel[64];
	struct envelope env;
	struct rcpt_status *rs;
	struct stat st;
	size_t len, good;
	char *buf;

	if (qpath(rel, sizeof rel, e->state, e->id) == -1 ||
	    join(path, sizeof path, queue, rel) == -1)
		return -1;
	if (read_file_max(path, ENVELOPE_FILE_MAX, &buf, &len) == -1)
		return errno == ENOENT ? 0 : -1;
	if (envelope_parse(buf, len, &env) != ENV_OK) {
		free(buf);
		if (!v->json)
			printf("%s invalid-envelope\n", e->id);
		return 0;
	}
	free(buf);
	if (qpath(rel, sizeof rel, Q_MESS, e->id) == -1 ||
	    join(path, sizeof path, queue, rel) == -1 || stat(path, &st) == -1) {
		envelope_free(&env);
		return errno == ENOENT ? 0 : -1;
	}
	if ((rs = calloc(env.nrcpt, sizeof *rs)) == NULL ||
	    qdone_load(queue, e->id, rs, env.nrcpt, &good) == -1) {
		free(rs);
		envelope_free(&env);
		return -1;
	}
	if (v->json)
		show_json(v, e, &env, &st, rs);
	else
		show_text(v, e, &env, &st, rs);
	qdone_free(rs, env.nrcpt);
	free(rs);
	envelope_free(&env);
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
	if (ctl_number("retrymin", &vw.retrymin) == -1 ||
	    ctl_number("retrymax", &vw.retrymax) == -1)
		fatalx(1, "reason=\"cannot read a control file\" home=%s", home_dir());
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
