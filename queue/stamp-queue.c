/*
 * stamp-queue: put one message into the queue.
 *
 * The message comes on fd 0, the envelope on fd 1 (qmail-queue's interface).
 * Installed set-user-ID stampq: then the environment cannot move the home.
 */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "home.h"
#include "inject.h"
#include "log.h"
#include "qexit.h"

/* A message that takes more than a day to arrive is not coming. */
#define INJECT_LIFETIME 86400

static int
invoked_from_network(uid_t uid)
{
	struct passwd *pw = getpwnam("stampd");

	return pw != NULL && pw->pw_uid == uid;
}

static void
read_controls(struct inject_opts *o)
{
	long long databytes, timeout;

	if (ctl_number("databytes", &databytes) == -1 ||
	    ctl_number("timeoutqueue", &timeout) == -1)
		fatalx(QX_CONTROL, "reason=\"cannot read a control file\" home=%s",
		    home_dir());
	o->databytes = (unsigned long long)databytes;
	o->timeout_ms = (int)(timeout * 1000);
}

int
main(int argc, char **argv)
{
	struct inject_opts o = { .msgfd = 0, .envfd = 1 };
	struct inject_result res;
	char q[LOG_QUOTE_MAX];
	int code;

	log_init("stamp-queue");
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("usage: stamp-queue <message >&envelope (qmail-queue's interface: "
		    "the message on fd 0, the envelope on fd 1)\n");
		return 0;
	}
	if (argc > 1)
		fatalx(QX_BUG, "reason=\"stamp-queue takes no arguments\"");
	signal(SIGPIPE, SIG_IGN);
	umask(027);
	alarm(INJECT_LIFETIME);
	if (home_init(NULL) == -1)
		fatal(QX_HOME, "reason=\"home path too long\"");
	read_controls(&o);
	if (chdir(home_dir()) == -1)
		fatal(QX_HOME, "reason=\"cannot enter the home folder\" home=%s",
		    log_quotes(q, sizeof q, home_dir()));
	if (chdir("queue") == -1)
		fatal(QX_QUEUE, "reason=\"cannot enter the queue folder\" home=%s",
		    log_quotes(q, sizeof q, home_dir()));
	o.uid = getuid();
	o.from_network = invoked_from_network(o.uid);
	code = inject(&o, &res);
	if (code != QX_OK)
		fatalx(code, "reason=%s exit=%d%s%s",
		    log_quotes(q, sizeof q, res.reason ? res.reason : qexit_text(code)),
		    code, res.id[0] ? " id=" : "", res.id);
	return 0;
}
