/*
 * stamp-send: the scheduler. Takes committed messages from the queue, runs
 * delivery agents for their recipients, retries, bounces, and removes what
 * is done. See queue/README.md and stamp-send(8).
 *
 * Started by root, it forks the spawner (which keeps root to start agents
 * as the right users) and then runs as `stamps`; started by anyone else, it
 * and its agents run as that user.
 */
#include <sys/prctl.h>
#include <sys/file.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "home.h"
#include "log.h"
#include "sched_loop.h"
#include "spawner.h"

static struct sched sched;

static void
usage(int code)
{
	fprintf(code ? stderr : stdout, "usage: stamp-send [--home DIR] [--ready-fd N]\n");
	exit(code);
}

static int ready_fd = -1;

static const char *
parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'd' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*home = NULL;
	int		 c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': home = optarg; break;
		case 'r':
			ready_fd = (int)strtonum(optarg, 3, 1023, NULL);
			if (ready_fd == 0)
				usage(2);
			/* Agents must not inherit it. */
			if (fcntl(ready_fd, F_SETFD, FD_CLOEXEC) == -1)
				fatal(111, "action=ready-fd fd=%d", ready_fd);
			break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	return home;
}

static struct passwd
need_user(const char *name)
{
	struct passwd	*pw = getpwnam(name);

	if (pw == NULL)
		fatalx(111, "reason=\"user %s does not exist; as root, make install "
		    "creates it (or run stamp-send as the user who owns the queue)\"", name);
	if (pw->pw_uid == 0)
		fatalx(111, "reason=\"user %s has uid 0; it must be an unprivileged user\"", name);
	return *pw;
}

/* One scheduler per queue: two would deliver everything twice. */
static void
lock_queue(void)
{
	int	 fd = open("lock", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd == -1)
		fatal(111, "action=open path=queue/lock");
	if (flock(fd, LOCK_EX | LOCK_NB) == -1)
		fatalx(111, "reason=\"another stamp-send is running on this queue\" home=%s",
		    home_dir());
	/* Kept open (and locked) until exit. */
}

/*
 * Become pw. A uid change clears the parent-death signal stamp-run set, so
 * it is set again; a parent that died meanwhile is caught by getppid.
 */
static void
drop_to(const struct passwd *pw)
{
	int	 pdeath = 0;
	pid_t	 parent = getppid();

	if (prctl(PR_GET_PDEATHSIG, &pdeath) == -1)
		pdeath = 0;
	if (setgroups(0, NULL) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1)
		fatal(111, "action=drop-privileges user=%s", pw->pw_name);
	if (getuid() == 0 || geteuid() == 0)
		fatalx(111, "action=drop-privileges reason=\"still root\"");
	if (pdeath != 0 && (prctl(PR_SET_PDEATHSIG, pdeath) == -1 || getppid() != parent))
		fatalx(111, "reason=\"the program that started stamp-send is gone\"");
}

int
main(int argc, char **argv)
{
	const char	*home;
	int		 sock;
	pid_t		 spawner;

	log_init("stamp-send");
	home = parse_options(argc, argv);
	if (home_init(home) == -1)
		fatalx(111, "reason=\"home path too long\"");
	/* stamp-queue, run for bounces, finds the same home (unless set-ID). */
	if (setenv("STAMP_HOME", home_dir(), 1) == -1)
		fatal(111, "action=setenv");
	umask(027);
	if (chdir(home_dir()) == -1 || chdir("queue") == -1)
		fatal(111, "action=chdir path=%s/queue", home_dir());
	if (sconf_load(&sched.conf) == -1)
		fatalx(111, "reason=\"cannot read the control files\" home=%s", home_dir());
	if (geteuid() == 0) {
		struct passwd s = need_user("stamps"), r = need_user("stampr");
		if (spawner_start(1, r.pw_uid, r.pw_gid, &sock, &spawner) == -1)
			fatalx(111, "reason=\"cannot start the spawner\"");
		drop_to(&s);
	} else if (spawner_start(0, 0, 0, &sock, &spawner) == -1)
		fatalx(111, "reason=\"cannot start the spawner\"");
	/* After the fork, so that the spawner does not share the lock. */
	lock_queue();
	if (sched_init(&sched, sock) == -1)
		fatalx(111, "reason=\"cannot start\" home=%s", home_dir());
	/* Tell whoever started us (stamp-run, tests) that the queue is being served. */
	if (ready_fd != -1) {
		(void)!write(ready_fd, "ready\n", 6);
		close(ready_fd);
	}
	sched_run(&sched);
}
