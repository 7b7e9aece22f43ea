/* queue.c: run the queue program on a spooled message (see queue.h). */
#include "queue.h"

#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "home.h"
#include "log.h"
#include "qserve.h"
#include "qexit.h"
#include "runqueue.h"
#include "str.h"
#include "uniq.h"

/* F sender NUL, T rcpt NUL ..., NUL */
static int
envelope(struct str *e, const char *sender, char *const *rcpts, size_t n)
{
	if (str_appendc(e, 'F') == -1 || str_append(e, sender, strlen(sender) + 1) == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (str_appendc(e, 'T') == -1 ||
		    str_append(e, rcpts[i], strlen(rcpts[i]) + 1) == -1)
			return -1;
	return str_appendc(e, '\0');
}

/* The reason of a hold asked for by queue_hold(), for the next message only. */
static char hold_var[300];

void
queue_hold(void *ctx, const char *reason)
{
	(void)ctx;
	hold_var[0] = '\0';
	if (reason != NULL && reason[0] != '\0')
		snprintf(hold_var, sizeof hold_var, "STAMP_QUEUE_HOLD=%s", reason);
}

/*
 * environ with STAMP_QUEUE_IDFD=7 in front (a previous value is shadowed),
 * and STAMP_QUEUE_HOLD only when this message is held (an inherited one
 * never passes): malloc'd, or NULL.
 */
static char **
queue_environ(void)
{
	static char	 idfd[] = "STAMP_QUEUE_IDFD=7";
	size_t		 n = 0, k = 0;
	char		**env;

	while (environ[n] != NULL)
		n++;
	if ((env = calloc(n + 3, sizeof *env)) == NULL)
		return NULL;
	env[k++] = idfd;
	if (hold_var[0] != '\0')
		env[k++] = hold_var;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "STAMP_QUEUE_IDFD=", 17) != 0 &&
		    strncmp(environ[i], "STAMP_QUEUE_HOLD=", 17) != 0)
			env[k++] = environ[i];
	env[k] = NULL;
	return env;
}

/*
 * Start prog with msgfd on 0, envfd on 1, errfd on 6, idfd on 7. With
 * posix_spawn (a vfork, not a copy of the worker's page tables: a fork
 * and exec per message is most of a message's CPU). Each fd is first
 * moved above all four, so that no dup2 onto 0, 1, 6 or 7 clobbers one
 * still to be moved; the high copies are closed again. 0, or -1 with errno.
 */
static int
spawn_queue(pid_t *pid, const char *prog, int msgfd, int envfd, int errfd, int idfd)
{
	const int	 src[4] = { msgfd, envfd, errfd, idfd }, dst[4] = { 0, 1, 6, 7 };
	posix_spawn_file_actions_t fa;
	char		*argv[] = { (char *)prog, NULL }, **env;
	int		 high = 8, err = 0;

	for (int i = 0; i < 4; i++)
		if (src[i] >= high)
			high = src[i] + 1;
	if ((env = queue_environ()) == NULL)
		return -1;
	if ((err = posix_spawn_file_actions_init(&fa)) != 0) {
		free(env);
		errno = err;
		return -1;
	}
	for (int i = 0; i < 4 && err == 0; i++)
		err = posix_spawn_file_actions_adddup2(&fa, src[i], high + i);
	for (int i = 0; i < 4 && err == 0; i++)
		err = posix_spawn_file_actions_adddup2(&fa, high + i, dst[i]);
	for (int i = 0; i < 4 && err == 0; i++)
		err = posix_spawn_file_actions_addclose(&fa, high + i);
	if (err == 0)
		err = posix_spawn(pid, prog, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/* Read back up to outsz - 1 bytes of a memory file the child wrote. */
static size_t
read_back(int fd, char *out, size_t outsz)
{
	ssize_t	 n = pread(fd, out, outsz - 1, 0);

	if (n < 0)
		n = 0;
	out[n] = '\0';
	return (size_t)n;
}

enum queue_result
queue_verdict(int code, const char *fd6, size_t fd6len, char *text, size_t textsz)
{
	if (code == QX_OK)
		return QR_OK;
	if (code == QX_CUSTOM && fd6len > 1 && (fd6[0] == 'D' || fd6[0] == 'Z')) {
		size_t n = strnlen(fd6 + 1, fd6len - 1);

		snprintf(text, textsz, "%.*s", (int)n, fd6 + 1);
		return fd6[0] == 'D' ? QR_PERM : QR_TEMP;
	}
	if (code == QX_CUSTOM) {
		snprintf(text, textsz, "queue failure");
		return QR_TEMP;
	}
	if (code >= 256 || code < 0) {
		snprintf(text, textsz, "queue program crashed");
		return QR_TEMP;
	}
	snprintf(text, textsz, "%s", qexit_text(code));
	return qexit_permanent(code) ? QR_PERM : QR_TEMP;
}

/* A queue ID as stamp-queue writes it: hex digits and a line end. */
static void
take_id(int fd, char *qid, size_t qidsz)
{
	char	 buf[64];
	size_t	 n = read_back(fd, buf, sizeof buf);

	qid[0] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (qid_valid(buf))
		strlcpy(qid, buf, qidsz);
}

/* A qmail-queue filter in STAMPQUEUE: one run per message, fd 6 and 7 as queue.h says. */
static int
run_filter(const char *prog, int msgfd, int envfd, char *qid, size_t qidsz,
    char *why, size_t whysz, size_t *whylen)
{
	int	 errfd = -1, idfd = -1, code = -1;
	pid_t	 pid;

	*whylen = 0;
	if ((errfd = memfd_create("stamp-smtpd-fd6", MFD_CLOEXEC)) == -1 ||
	    (idfd = memfd_create("stamp-smtpd-id", MFD_CLOEXEC)) == -1 ||
	    spawn_queue(&pid, prog, msgfd, envfd, errfd, idfd) == -1)
		goto out;
	if ((code = child_wait(pid, QUEUE_WAIT_MS)) == -1)
		goto out;
	*whylen = read_back(errfd, why, whysz);
	take_id(idfd, qid, qidsz);
out:
	if (errfd != -1)
		close(errfd);
	if (idfd != -1)
		close(idfd);
	return code;
}

/*
 * The queue program did not run to its end: one log line that tells the
 * operator which limit was hit (processes, descriptors, time), and the
 * client's text. errno is the failure's.
 */
static void
queue_trouble(int err, char *text, size_t textsz)
{
	const char	*why = "the queue program did not start or finish";

	if (err == ETIMEDOUT)
		why = "the queue program did not finish in time";
	else if (err == EAGAIN)
		why = "cannot start the queue program: too many processes (RLIMIT_NPROC)";
	else if (err == EMFILE || err == ENFILE)
		why = "cannot start the queue program: out of descriptors (RLIMIT_NOFILE)";
	errno = err;
	log_warn("event=queue reason=\"%s\"", why);
	snprintf(text, textsz, err == ETIMEDOUT ? "queue program did not finish" :
	    "cannot run the queue program now");
}

enum queue_result
queue_message(void *ctx, int msgfd, const char *sender, char *const *rcpts,
    size_t nrcpt, char *qid, size_t qidsz, char *text, size_t textsz)
{
	struct str		 env = STR_INIT;
	const char		*filter = getenv("STAMPQUEUE");
	char			 prog[PATH_MAX], why[256] = "";
	int			 envfd = -1, code = -1;
	enum queue_result	 r = QR_TEMP;
	size_t			 n = 0;

	(void)ctx;
	qid[0] = text[0] = '\0';
	if (envelope(&env, sender, rcpts, nrcpt) == -1 ||
	    child_program(prog, sizeof prog, "STAMPQUEUE", "stamp-queue") == -1 ||
	    (envfd = memfd_with("stamp-smtpd-env", env.s, env.len)) == -1) {
		log_warn("event=queue reason=\"cannot start the queue program\"");
		snprintf(text, textsz, "cannot start the queue program");
		goto out;
	}
	/* Our own stamp-queue is kept running (qserve.h); a filter runs per message, */
	/* ... and so does a held message: the hold is in its environment. */
	if ((filter == NULL || *filter == '\0') && hold_var[0] == '\0')
		code = qserve_inject(prog, msgfd, envfd, QUEUE_WAIT_MS, qid, qidsz);
	else
		code = run_filter(prog, msgfd, envfd, qid, qidsz, why, sizeof why, &n);
	if (code == -1) {
		queue_trouble(errno, text, textsz);
		qid[0] = '\0';
		goto out;
	}
	if ((r = queue_verdict(code, why, n, text, textsz)) != QR_OK)
		qid[0] = '\0';
out:
	hold_var[0] = '\0';
	str_free(&env);
	close(msgfd);
	if (envfd != -1)
		close(envfd);
	return r;
}
