/*
 * stamp-qrm: remove messages from the queue, without a bounce.
 *
 * While stamp-send runs, it alone changes the queue: stamp-qrm asks it
 * through the trigger fifo ("rm ID"), and it removes the message once any
 * delivery in progress has ended. With no scheduler running, stamp-qrm holds
 * the scheduler's lock (so none starts meanwhile) and removes the files in
 * the scheduler's order: envelope first, message last.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

#include "home.h"
#include "log.h"
#include "qlist.h"

static int
remove_files(const char *queue, const char *id)
{
	static const enum qstate order[] = { Q_TODO, Q_INFO, Q_DONE, Q_INTD, Q_MESS };
	char	 rel[64], path[HOME_PATH_MAX];
	int	 found = 0;

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (qpath(rel, sizeof rel, order[i], id) == -1 ||
		    snprintf(path, sizeof path, "%s/%s", queue, rel) >= (int)sizeof path)
			return -1;
		if (unlink(path) == 0)
			found |= order[i] == Q_TODO || order[i] == Q_INFO;
		else if (errno != ENOENT) {
			log_warn("id=%s action=remove path=%s", id, path);
			return -1;
		}
	}
	if (!found)
		log_warnx("id=%s action=remove reason=\"not in the queue\"", id);
	return found ? 0 : -1;
}

int
main(int argc, char **argv)
{
	char	 queue[HOME_PATH_MAX], line[64];
	int	 lockfd, running, rc = 0;

	log_init("stamp-qrm");
	qtool_options_ex(argc, argv, "usage: stamp-qrm [--home DIR] ID...\n", 1, NULL);
	if (optind == argc)
		fatalx(2, "reason=\"no queue ID given\" usage=\"stamp-qrm [--home DIR] ID...\"");
	if (home_path(queue, sizeof queue, "queue") == -1)
		fatalx(1, "reason=\"home path too long\"");
	if ((running = qtool_scheduler_running(queue, &lockfd)) == -1)
		fatal(1, "action=lock home=%s", home_dir());
	for (int i = optind; i < argc; i++) {
		if (!qid_valid(argv[i])) {
			log_warnx("id=%s reason=\"not a queue ID (16 hex digits)\"", argv[i]);
			rc = 1;
			continue;
		}
		if (!running) {
			if (remove_files(queue, argv[i]) == -1)
				rc = 1;
			else
				log_info("id=%s action=removed", argv[i]);
			continue;
		}
		snprintf(line, sizeof line, "rm %s", argv[i]);
		if (qtool_tell_scheduler(queue, line) == -1) {
			log_warn("id=%s action=remove", argv[i]);
			rc = 1;
		} else
			log_info("id=%s action=remove-requested", argv[i]);
	}
	if (lockfd != -1)
		close(lockfd);
	return rc;
}
