/*
 * stamp-run: run the suite in the foreground.
 *
 * Creates the home when it is missing, starts the scheduler, says
 * "stamp: ready ..." once everything serves, and stops everything on
 * SIGINT or SIGTERM. The SMTP and POP3 listeners join here in their issues.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "home.h"
#include "homesetup.h"
#include "log.h"

#define READY_WAIT_MS 60000

static volatile sig_atomic_t got_stop, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = 1;
}

static void
usage(int code)
{
	fprintf(code ? stderr : stdout,
	    "usage: stamp-run [--home DIR] [--smtp ADDR:PORT] [--submission ADDR:PORT]"
	    " [--pop3 ADDR:PORT]\n");
	exit(code);
}

static const char *
parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'd' },
		{ "smtp", required_argument, NULL, 's' },
		{ "submission", required_argument, NULL, 'u' },
		{ "pop3", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*home = NULL;
	int		 c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': home = optarg; break;
		case 's': case 'u': case 'p':
			log_warnx("option=%s reason=\"this listener is not built yet; ignored\"",
			    c == 's' ? "--smtp" : c == 'u' ? "--submission" : "--pop3");
			break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	return home;
}

/* As root the queue belongs to the stamp users; they must exist. */
static void
make_home(void)
{
	char		 control[HOME_PATH_MAX];
	struct stat	 st;
	int		 owners = geteuid() == 0;

	if (home_path(control, sizeof control, "control") == -1)
		fatalx(1, "reason=\"home path too long\"");
	if (stat(control, &st) == 0)
		return;
	if (owners && getpwnam("stampq") == NULL)
		fatalx(1, "reason=\"user stampq does not exist; run make install as root "
		    "first (it creates the stamp users), or run stamp-run as an ordinary user\"");
	if (home_setup(home_dir(), owners) == -1)
		fatalx(1, "reason=\"cannot create the home\" home=%s", home_dir());
	log_info("action=created-home home=%s", home_dir());
}

static pid_t
start_send(int *readyfd)
{
	char	 prog[HOME_PATH_MAX], fdarg[16];
	int	 p[2];
	pid_t	 pid;

	if (sibling_path(prog, sizeof prog, "stamp-send") == -1 || pipe2(p, O_CLOEXEC) == -1)
		fatal(1, "action=start program=stamp-send");
	if ((pid = fork()) == -1)
		fatal(1, "action=fork");
	if (pid == 0) {
		/* fd 3 in the child, without O_CLOEXEC. */
		if (dup2(p[1], 3) == -1)
			_exit(111);
		snprintf(fdarg, sizeof fdarg, "%d", 3);
		execl(prog, "stamp-send", "--home", home_dir(), "--ready-fd", fdarg,
		    (char *)NULL);
		log_warn("action=exec program=%s", prog);
		_exit(111);
	}
	close(p[1]);
	*readyfd = p[0];
	return pid;
}

static void
await_ready(int fd, pid_t pid)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	char		 buf[16];
	ssize_t		 r = 0;

	if (poll(&pfd, 1, READY_WAIT_MS) == 1)
		r = read(fd, buf, sizeof buf);
	close(fd);
	if (r <= 0) {
		kill(pid, SIGTERM);
		fatalx(1, "reason=\"stamp-send did not start; see its messages above\"");
	}
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	int		 readyfd, status;
	pid_t		 send_pid, w;

	log_init("stamp-run");
	if (home_init(parse_options(argc, argv)) == -1)
		fatalx(1, "reason=\"home path too long\"");
	umask(022);
	make_home();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	send_pid = start_send(&readyfd);
	await_ready(readyfd, send_pid);
	printf("stamp: ready home=%s\n", home_dir());
	fflush(stdout);
	for (;;) {
		w = waitpid(send_pid, &status, 0);
		if (w == send_pid) {
			if (got_stop)
				return 0;
			fatalx(1, "reason=\"stamp-send exited (status %d); stopping\"",
			    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		}
		if (got_stop) {
			log_info("action=stop");
			kill(send_pid, SIGTERM);
			got_stop = 2;	/* wait for it on the next turn */
		}
		if (got_hup) {
			got_hup = 0;
			kill(send_pid, SIGHUP);
		}
	}
}
