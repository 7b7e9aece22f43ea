/*
 * stamp-queue: put one message into the queue.
 *
 * The message comes on fd 0, the envelope on fd 1 (qmail-queue's interface).
 * Installed set-user-ID stampq: then the environment cannot move the home.
 * With --serve, one message after another over the socket on fd 0 (for
 * stamp-smtpd: see inj_serve.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "home.h"
#include "inj_serve.h"
#include "inject.h"
#include "log.h"
#include "qexit.h"

#ifdef __SANITIZE_ADDRESS__
#include <sys/auxv.h>

/*
 * The sanitizer build only. Set-user-ID, this process is not dumpable, so
 * ASan cannot read its /proc/self/environ (ASAN_OPTIONS is never seen) and
 * LeakSanitizer cannot stop its threads: every run would end in
 * "LeakSanitizer has encountered a fatal error" and exit 1 after its
 * commit. No leak check then; other reports go to stderr.
 */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return getauxval(AT_SECURE) ? "detect_leaks=0" : "";
}
#endif

static int
invoked_from_network(uid_t uid)
{
	struct passwd *pw = getpwnam("stampd");

	return pw != NULL && pw->pw_uid == uid;
}

static int
read_controls(struct inject_opts *o)
{
	long long databytes, timeout;

	if (ctl_number("databytes", &databytes) == -1 ||
	    ctl_number("timeoutqueue", &timeout) == -1)
		return -1;
	o->databytes = (unsigned long long)databytes;
	o->timeout_ms = (int)(timeout * 1000);
	return 0;
}

/*
 * STAMP_QUEUE_IDFD=N: the caller (stamp-smtpd) wants the queue ID, "ID\n",
 * on fd N, to tell its client. A qmail-queue filter in between passes the
 * variable and the fd on without knowing; without it, nothing is written.
 * Only a descriptor open at start is used: never one of our own files.
 */
static int
id_fd(void)
{
	const char	*v = getenv("STAMP_QUEUE_IDFD"), *err = NULL;
	int		 fd;

	if (v == NULL)
		return -1;
	fd = (int)strtonum(v, 3, 255, &err);
	if (err != NULL || fd == 6 || fcntl(fd, F_GETFD) == -1)
		return -1;
	return fd;
}

static void
tell_id(int fd, const char *id)
{
	char	 line[QID_LEN + 2];

	if (fd == -1)
		return;
	snprintf(line, sizeof line, "%s\n", id);
	if (write(fd, line, strlen(line)) == -1)
		log_warn("id=%s action=tell-id fd=%d", id, fd);
}

int
main(int argc, char **argv)
{
	struct inject_opts o = { .msgfd = 0, .envfd = 1 };
	struct inject_result res;
	char q[LOG_QUOTE_MAX];
	int code, idfd, serve;

	log_init("stamp-queue");
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("usage: stamp-queue <message >&envelope (qmail-queue's interface: "
		    "the message on fd 0, the envelope on fd 1)\n"
		    "       stamp-queue --serve (requests on the socket on fd 0, for stamp-smtpd)\n");
		return 0;
	}
	serve = argc == 2 && strcmp(argv[1], "--serve") == 0;
	if (argc > 1 && !serve)
		fatalx(QX_BUG, "reason=\"stamp-queue takes no arguments but --serve\"");
	signal(SIGPIPE, SIG_IGN);
	idfd = serve ? -1 : id_fd();
	umask(027);
	alarm(INJECT_LIFETIME);
	if (home_init(NULL) == -1)
		fatal(QX_HOME, "reason=\"home path too long\"");
	if (read_controls(&o) == -1)
		fatalx(QX_CONTROL, "reason=\"cannot read a control file\" home=%s",
		    home_dir());
	if (chdir(home_dir()) == -1)
		fatal(QX_HOME, "reason=\"cannot enter the home folder\" home=%s",
		    log_quotes(q, sizeof q, home_dir()));
	if (chdir("queue") == -1)
		fatal(QX_QUEUE, "reason=\"cannot enter the queue folder\" home=%s",
		    log_quotes(q, sizeof q, home_dir()));
	o.uid = getuid();
	o.from_network = invoked_from_network(o.uid);
	/*
	 * STAMP_QUEUE_HOLD=reason: commit into hold/ (a filter's quarantine,
	 * through stamp-smtpd). It only ever holds the caller's own message.
	 */
	o.hold = getenv("STAMP_QUEUE_HOLD");
	if (serve) {
		alarm(0);	/* each message has its own bound (inj_serve.c) */
		o.hold = NULL;	/* a held message gets a stamp-queue of its own */
		return inject_serve(0, &o, read_controls) == 0 ? 0 : QX_BUG;
	}
	code = inject(&o, &res);
	if (code != QX_OK)
		fatalx(code, "reason=%s exit=%d%s%s",
		    log_quotes(q, sizeof q, res.reason ? res.reason : qexit_text(code)),
		    code, res.id[0] ? " id=" : "", res.id);
	tell_id(idfd, res.id);
	if (o.hold != NULL && o.hold[0] != '\0')
		log_info("id=%s event=held", res.id);
	return 0;
}
