/*
 * stamp-qflush: ask the running scheduler to retry every queued message now.
 *
 * It writes "flush" to the trigger fifo rather than signalling a pid: the
 * fifo reaches exactly the scheduler of this queue, with the permissions
 * the queue already has, and there is no pid file to go stale.
 */
#include <errno.h>
#include <stdio.h>

#include "home.h"
#include "log.h"
#include "qlist.h"

int
main(int argc, char **argv)
{
	char	 queue[HOME_PATH_MAX];

	log_init("stamp-qflush");
	qtool_options(argc, argv, "usage: stamp-qflush [--home DIR]\n");
	if (home_path(queue, sizeof queue, "queue") == -1)
		fatalx(1, "reason=\"home path too long\"");
	if (qtool_tell_scheduler(queue, "flush") == -1) {
		if (errno == ENXIO)
			fatalx(1, "reason=\"stamp-send is not running; start it (stamp-run) "
			    "and it retries everything at once\" home=%s", home_dir());
		fatal(1, "action=flush home=%s", home_dir());
	}
	return 0;
}
