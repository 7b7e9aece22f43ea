/*
 * stamp-qview: one queued message: its envelope, the state of each
 * recipient, then the message itself as it is queued.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

#include "datefmt.h"
#include "fsutil.h"
#include "home.h"
#include "log.h"
#include "qlist.h"
#include "qmsg.h"

#define USAGE "usage: stamp-qview [--home DIR] [--headers] ID\n" \
    "  --headers  the message's header only, not its body\n"

static void
show_envelope(const struct qmsg *m, const struct qretry *r, time_t now)
{
	char date[DATE_RFC5322_MAX], age[32];

	if (date_rfc5322(date, sizeof date, m->env.time) == -1)
		snprintf(date, sizeof date, "%lld", (long long)m->env.time);
	qtool_age(age, sizeof age, (long long)(now - m->env.time));
	printf("id: %s\nstate: %s\narrival: %s (%s ago)\nsize: %lld\nuid: %u\nsender: <%s>\n"
	    "recipients: %zu\n", m->e.id, m->e.state == Q_TODO ? "new" : "queued", date, age,
	    (long long)m->st.st_size, (unsigned)m->env.uid, m->env.sender, m->env.nrcpt);
	for (size_t i = 0; i < m->env.nrcpt; i++)
		qmsg_print_rcpt(stdout, m, i, r, now);
	putchar('\n');
}

/* Copy the message file to stdout (up to its blank line with headers_only). 0 or -1. */
static int
show_message(const char *queue, const char *id, int headers_only)
{
	char rel[64], path[HOME_PATH_MAX], buf[65536];
	int fd, nl = 1;
	ssize_t r;

	if (qpath(rel, sizeof rel, Q_MESS, id) == -1 ||
	    snprintf(path, sizeof path, "%s/%s", queue, rel) >= (int)sizeof path ||
	    (fd = open_safe(path, O_RDONLY, 0)) == -1)
		return -1;
	if (fflush(stdout) != 0) {
		close(fd);
		return -1;
	}
	while ((r = read(fd, buf, sizeof buf)) > 0) {
		size_t n = (size_t)r;

		for (size_t i = 0; headers_only && i < n; i++) {
			if (buf[i] == '\n' && nl) {
				n = i;
				headers_only = 2;   /* found its end */
				break;
			}
			nl = buf[i] == '\n';
		}
		if (write_full(1, buf, n) == -1) {
			close(fd);
			return -1;
		}
		if (headers_only == 2)
			break;
	}
	close(fd);
	return r == -1 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	char queue[HOME_PATH_MAX];
	int headers_only = 0;
	const struct qtool_opt extra[] = { { "headers", NULL, &headers_only }, { NULL, NULL, NULL } };
	struct qretry retry;
	struct qentry e;
	struct qmsg m;
	const char *id;
	int found;

	log_init("stamp-qview");
	qtool_getopt(argc, argv, USAGE, 1, extra);
	if (argc - optind != 1) {
		fprintf(stderr, "%s", USAGE);
		return 2;
	}
	id = argv[optind];
	if (!qid_valid(id))
		fatalx(2, "id=%s reason=\"not a queue ID (16 hex digits)\"", id);
	if (qretry_read(&retry) == -1 || home_path(queue, sizeof queue, "queue") == -1)
		return 1;
	if ((found = qmsg_find(queue, id, &e)) == -1)
		fatal(1, "id=%s action=find", id);
	switch (found == 1 ? qmsg_load(queue, &e, &m) : QM_GONE) {
	case QM_GONE:
		fatalx(1, "id=%s reason=\"not in the queue (delivered or removed?)\"", id);
	case QM_INVALID:
		fatalx(1, "id=%s reason=\"the envelope file is not valid\"", id);
	case QM_ERROR:
		fatal(1, "id=%s action=read", id);
	case QM_OK:
		break;
	}
	show_envelope(&m, &retry, time(NULL));
	qmsg_free(&m);
	if (show_message(queue, id, headers_only) == -1) {
		if (errno == ENOENT)
			fatalx(1, "id=%s reason=\"delivered or removed while it was shown\"", id);
		fatal(1, "id=%s action=show-message", id);
	}
	return 0;
}
