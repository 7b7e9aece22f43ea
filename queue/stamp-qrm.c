/*
 * stamp-qrm: remove messages from the queue, without a bounce: by ID, or
 * every message whose sender or a recipient matches a pattern.
 *
 * While stamp-send runs, it alone changes the queue: stamp-qrm asks it
 * through the trigger fifo ("rm ID"), and it removes the message once any
 * delivery in progress has ended. With no scheduler running, stamp-qrm holds
 * the scheduler's lock (so none starts meanwhile) and removes the files in
 * the scheduler's order: envelope first, message last.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

#include "home.h"
#include "log.h"
#include "qlist.h"
#include "qmsg.h"

#define USAGE "usage: stamp-qrm [--home DIR] [--dry-run] [--sender PATTERN] " \
    "[--recipient PATTERN] [ID ...]\n" \
    "  --sender PATTERN     messages whose sender matches (fnmatch, any case; <> the null sender)\n" \
    "  --recipient PATTERN  messages with a recipient that matches\n" \
    "  --dry-run            print what would be removed, remove nothing\n"

struct qrm {
	const char *queue;
	const char *sender, *rcpt;
	int         dry_run, running;
	size_t      done;
};

static int
remove_files(const char *queue, const char *id)
{
	static const enum qstate order[] = { Q_TODO, Q_INFO, Q_HOLD, Q_DONE, Q_INTD, Q_MESS };
	char	 rel[64], path[HOME_PATH_MAX];
	int	 found = 0;

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (qpath(rel, sizeof rel, order[i], id) == -1 ||
		    snprintf(path, sizeof path, "%s/%s", queue, rel) >= (int)sizeof path)
			return -1;
		if (unlink(path) == 0)
			found |= order[i] == Q_TODO || order[i] == Q_INFO || order[i] == Q_HOLD;
		else if (errno != ENOENT) {
			log_warn("id=%s action=remove path=%s", id, path);
			return -1;
		}
	}
	if (!found)
		log_warnx("id=%s action=remove reason=\"not in the queue\"", id);
	return found ? 0 : -1;
}

/* Remove one message (or, with --dry-run, say that it would be). 0 or -1. */
static int
remove_one(struct qrm *r, const char *id)
{
	char line[64];
	struct qentry e;
	struct qmsg m;

	if (r->dry_run) {
		if (qmsg_find(r->queue, id, &e) != 1) {
			log_warnx("id=%s reason=\"not in the queue\"", id);
			return -1;
		}
		if (qmsg_load(r->queue, &e, &m) != QM_OK) {
			printf("%s\n", id);
			return 0;
		}
		printf("%s <%s>", id, m.env.sender);
		for (size_t i = 0; i < m.env.nrcpt; i++)
			printf(" %s", m.env.rcpt[i]);
		putchar('\n');
		qmsg_free(&m);
		return 0;
	}
	if (!r->running) {
		if (remove_files(r->queue, id) == -1)
			return -1;
		log_info("id=%s action=removed", id);
		return 0;
	}
	snprintf(line, sizeof line, "rm %s", id);
	if (qtool_tell_scheduler(r->queue, line) == -1) {
		log_warn("id=%s action=remove", id);
		return -1;
	}
	log_info("id=%s action=remove-requested", id);
	return 0;
}

/* Every message matching the patterns. 0, 1 when none matched, -1 on error. */
static int
remove_matching(struct qrm *r)
{
	struct qentry *v;
	size_t n, matched = 0;
	int rc = 0;

	if (qlist_collect(r->queue, &v, &n) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct qmsg m;
		enum qmsg_load l = qmsg_load(r->queue, &v[i], &m);
		int hit;

		if (l == QM_ERROR) {
			log_warn("id=%s action=read", v[i].id);
			rc = -1;
		}
		if (l != QM_OK)
			continue;
		hit = qmsg_match(&m, r->sender, r->rcpt);
		qmsg_free(&m);
		if (!hit)
			continue;
		matched++;
		if (remove_one(r, v[i].id) == -1)
			rc = -1;
	}
	free(v);
	log_info("action=%s matched=%zu", r->dry_run ? "dry-run" : "remove", matched);
	return rc == 0 && matched == 0 ? 1 : rc;
}

int
main(int argc, char **argv)
{
	char	 queue[HOME_PATH_MAX];
	struct qrm r = { .queue = queue };
	const struct qtool_opt extra[] = {
		{ "sender", &r.sender, NULL }, { "recipient", &r.rcpt, NULL },
		{ "dry-run", NULL, &r.dry_run }, { NULL, NULL, NULL },
	};
	int	 lockfd = -1, rc = 0;

	log_init("stamp-qrm");
	qtool_getopt(argc, argv, USAGE, 1, extra);
	if (optind == argc && r.sender == NULL && r.rcpt == NULL)
		fatalx(2, "reason=\"no queue ID or pattern given\" usage=\"stamp-qrm [--home DIR] "
		    "[--dry-run] [--sender PATTERN] [--recipient PATTERN] [ID ...]\"");
	if (home_path(queue, sizeof queue, "queue") == -1)
		fatalx(1, "reason=\"home path too long\"");
	if (!r.dry_run && (r.running = qtool_scheduler_running(queue, &lockfd)) == -1)
		fatal(1, "action=lock home=%s", home_dir());
	for (int i = optind; i < argc; i++) {
		if (!qid_valid(argv[i])) {
			log_warnx("id=%s reason=\"not a queue ID (16 hex digits)\"", argv[i]);
			rc = 1;
		} else if (remove_one(&r, argv[i]) == -1)
			rc = 1;
	}
	if ((r.sender != NULL || r.rcpt != NULL) && remove_matching(&r) != 0)
		rc = 1;
	if (lockfd != -1)
		close(lockfd);
	return fflush(stdout) == 0 ? rc : 1;
}
