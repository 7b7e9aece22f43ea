/*
 * stamp-run: run the suite in the foreground.
 *
 * Creates the home when it is missing, starts the scheduler and the SMTP,
 * submission and POP3 listeners, says "stamp: ready ..." once every one of
 * them serves, relays SIGHUP, and stops everything on SIGINT or SIGTERM or
 * when any of them dies.
 *
 * A listener whose program is not installed is left out (with a warning,
 * and without its key in the ready line) unless its option asked for it,
 * in which case stamp-run refuses to start.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <pwd.h>
#include <stdnoreturn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "home.h"
#include "homesetup.h"
#include "listen.h"
#include "log.h"
#include "str.h"
#include "supervise.h"

#define READY_WAIT_MS 60000
#define STOP_WAIT_MS  90000   /* the listeners' own stop grace comes first */

struct listener {
	const char	*what, *prog, *addr, *mode;   /* mode: an extra first argument */
	int		 asked;                       /* given on the command line */
};

static struct listener listeners[] = {
	{ "smtp", "stamp-smtpd", "127.0.0.1:2525", NULL, 0 },
	{ "submission", "stamp-smtpd", "127.0.0.1:2587", "--submission", 0 },
	{ "pop3", "stamp-popd", "127.0.0.1:1110", NULL, 0 },
};
#define NLISTENERS (sizeof listeners / sizeof listeners[0])

static void
usage(int code)
{
	fprintf(code ? stderr : stdout,
	    "usage: stamp-run [--home DIR] [--smtp ADDR:PORT] [--submission ADDR:PORT]"
	    " [--pop3 ADDR:PORT]\n"
	    "       stamp-run [--home DIR] --check   (runs stamp-check)\n");
	exit(code);
}

static void
set_addr(struct listener *l, const char *addr)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 q[LOG_QUOTE_MAX];

	if (listen_parse_addr(addr, &ss, &len) == -1) {
		log_quotes(q, sizeof q, addr);
		fatalx(2, "option=--%s addr=%s reason=\"not ADDR:PORT, [IPv6]:PORT or *:PORT\"",
		    l->what, q);
	}
	l->addr = addr;
	l->asked = 1;
}

/* --check: the installation's checker, stamp-check, beside this program. */
static noreturn void
exec_check(const char *home)
{
	char	 path[HOME_PATH_MAX];
	char	*argv[] = { "stamp-check", "--home", (char *)home, NULL };

	if (sibling_path(path, sizeof path, "stamp-check") == -1)
		fatalx(2, "reason=\"path of stamp-check too long\"");
	if (home == NULL)
		argv[1] = NULL;
	execv(path, argv);
	fatal(2, "action=exec path=%s", path);
}

static const char *
parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'd' },
		{ "smtp", required_argument, NULL, 's' },
		{ "submission", required_argument, NULL, 'u' },
		{ "pop3", required_argument, NULL, 'p' },
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*home = NULL;
	int		 c, check = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': home = optarg; break;
		case 's': set_addr(&listeners[0], optarg); break;
		case 'u': set_addr(&listeners[1], optarg); break;
		case 'p': set_addr(&listeners[2], optarg); break;
		case 'c': check = 1; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	if (check)
		exec_check(home);
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

static int
installed(const char *prog)
{
	char	 path[HOME_PATH_MAX];

	return sibling_path(path, sizeof path, prog) == 0 && access(path, X_OK) == 0;
}

/* The scheduler, then each listener whose program is there. */
static void
add_children(struct sup *s)
{
	struct sup_child *c = sup_add(s, "scheduler", "stamp-send", NULL);

	c->argv[0] = "--home";
	c->argv[1] = home_dir();
	c->argv[2] = "--ready-fd";
	c->argv[3] = "3";
	for (size_t i = 0; i < NLISTENERS; i++) {
		struct listener *l = &listeners[i];
		int a = 0;
		if (!installed(l->prog)) {
			if (l->asked)
				fatalx(1, "option=--%s reason=\"%s is not installed beside stamp-run\"",
				    l->what, l->prog);
			log_warnx("what=%s program=%s reason=\"not installed; %s is not served\"",
			    l->what, l->prog, l->what);
			continue;
		}
		c = sup_add(s, l->what, l->prog, l->addr);
		if (l->mode != NULL)
			c->argv[a++] = l->mode;
		c->argv[a++] = "-l";
		c->argv[a++] = l->addr;
		c->argv[a++] = "--ready-fd";
		c->argv[a++] = "3";
	}
}

static void
say_ready(const struct sup *s)
{
	struct str	 line = STR_INIT;

	str_appends(&line, "stamp: ready");
	for (int i = 0; i < s->n; i++)
		if (s->c[i].addr != NULL)
			str_appendf(&line, " %s=%s", s->c[i].what, s->c[i].addr);
	if (str_appendf(&line, " home=%s\n", home_dir()) == -1)
		fatal(1, "action=ready-line");
	fputs(line.s, stdout);
	fflush(stdout);
	str_free(&line);
}

int
main(int argc, char **argv)
{
	static struct sup s;
	int		 rc;

	log_init("stamp-run");
	if (home_init(parse_options(argc, argv)) == -1)
		fatalx(1, "reason=\"home path too long\"");
	/* The listeners find the same home (stamp-send is told with --home). */
	if (setenv("STAMP_HOME", home_dir(), 1) == -1)
		fatal(1, "action=setenv");
	umask(022);
	make_home();
	if (sup_init(&s) == -1)
		return 1;
	add_children(&s);
	if (sup_start(&s) == -1)
		return 1;
	if (sup_await_ready(&s, READY_WAIT_MS) == -1) {
		int asked_to_stop = s.stop;
		sup_stop(&s, STOP_WAIT_MS);
		return asked_to_stop ? 0 : 1;
	}
	say_ready(&s);
	rc = sup_watch(&s);
	sup_stop(&s, STOP_WAIT_MS);
	log_info("action=exit");
	return rc == 0 ? 0 : 1;
}
