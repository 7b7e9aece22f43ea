/*
 * inject.c: put one message into the queue, crash-safely.
 *
 * The order of steps is the one written in queue/README.md; each step says
 * there what a crash at that point leaves. Nothing becomes visible to the
 * scheduler before the rename into todo/, and nothing is renamed there
 * before the message, the envelope and the message's folder entry are on
 * disk. Those three are fsynced together (fsync_together: one wait for
 * the disk instead of three in a row), as none depends on another.
 */
#include "inject.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "crlf.h"
#include "datefmt.h"
#include "fsutil.h"
#include "log.h"
#include "qexit.h"
#include "qlayout.h"

#define CHUNK     65536
#define NAME_MAX_ 64

/* What this injection has made so far, so that a failure can undo it. */
struct job {
	char id[QID_LEN + 1];
	char mess[NAME_MAX_];
	char intd[NAME_MAX_];
	char todo[NAME_MAX_];      /* or hold/, when held */
	int held;
	int  messfd;
	int  intdfd;      /* written, not yet synced */
	int  have_intd;
	int  committed;   /* the scheduler may have it: never remove the message */
};

/* Space and I/O trouble is "write error" whatever the file; the rest is the file's own code. */
static int
errno_code(int err, int fallback)
{
	switch (err) {
	case ENOSPC: case EDQUOT: case EFBIG: case EIO: case EROFS:
		return QX_WRITE;
	case ENOMEM:
		return QX_NOMEM;
	default:
		return fallback;
	}
}

static int
fail(struct inject_result *res, const char *reason, int code)
{
	res->reason = reason;
	return code;
}

/* Step 1: a new message file, locked for as long as this process lives. */
static int
create_mess(struct job *j, struct inject_result *res)
{
	struct stat st;

	for (int tries = 0; tries < 64; tries++) {
		int fd;

		qid_new(j->id, time(NULL));
		qpath(j->mess, sizeof j->mess, Q_MESS, j->id);
		fd = open_safe(j->mess, O_WRONLY | O_CREAT | O_EXCL, 0640);
		if (fd == -1 && errno == EEXIST)
			continue;
		if (fd == -1)
			return fail(res, "cannot create the message file",
			    errno_code(errno, QX_MESS));
		if (flock(fd, LOCK_EX) == -1 || fstat(fd, &st) == -1) {
			close(fd);
			unlink(j->mess);
			return fail(res, "cannot lock the message file", QX_MESS);
		}
		if (st.st_nlink == 0) {
			/* Taken for a leftover and removed before our lock: start again. */
			close(fd);
			continue;
		}
		j->messfd = fd;
		return QX_OK;
	}
	return fail(res, "no free queue ID", QX_MESS);
}

static int
write_received(const struct inject_opts *o, int fd)
{
	char date[DATE_RFC5322_MAX], line[256], by[64];

	if (date_rfc5322(date, sizeof date, time(NULL)) == -1)
		return -1;
	if (o->from_network)
		snprintf(by, sizeof by, "invoked from network");
	else
		snprintf(by, sizeof by, "invoked by uid %lu", (unsigned long)o->uid);
	snprintf(line, sizeof line, "Received: (stamp-queue %ld %s); %s\n",
	    (long)getpid(), by, date);
	return write_full(fd, line, strlen(line));
}

/* Step 2: the Received: line and the data, CR LF made LF (synced in step 4). */
static int
copy_message(const struct inject_opts *o, struct job *j, struct inject_result *res)
{
	char in[CHUNK], out[CHUNK + 1];
	struct crlf st = { 0 };
	unsigned long long total = 0;
	size_t m;

	if (write_received(o, j->messfd) == -1)
		return fail(res, "cannot write the message", errno_code(errno, QX_MESS));
	for (;;) {
		ssize_t n = fd_read_timeout(NULL, o->msgfd, in, sizeof in, o->timeout_ms);

		if (n == 0)
			break;
		if (n < 0)
			return errno == ETIMEDOUT ?
			    fail(res, "timeout reading the message", QX_TIMEOUT) :
			    fail(res, "cannot read the message", QX_READ);
		m = crlf_to_lf(&st, in, (size_t)n, out);
		total += m;
		if (o->databytes != 0 && total > o->databytes)
			return fail(res, "message larger than databytes", QX_SIZE);
		if (write_full(j->messfd, out, m) == -1)
			return fail(res, "cannot write the message", errno_code(errno, QX_MESS));
	}
	/* A held bare CR at the very end counts against databytes too. */
	m = crlf_finish(&st, out);
	if (o->databytes != 0 && total + m > o->databytes)
		return fail(res, "message larger than databytes", QX_SIZE);
	if (write_full(j->messfd, out, m) == -1)
		return fail(res, "cannot write the message", errno_code(errno, QX_WRITE));
	return QX_OK;
}

static int
read_byte(struct rbuf *rb, char *c, const char **reason)
{
	ssize_t r = rbuf_read(rb, c, 1);

	if (r == 1)
		return QX_OK;
	if (r == -1 && errno == ETIMEDOUT) {
		*reason = "timeout reading the envelope";
		return QX_TIMEOUT;
	}
	*reason = r == 0 ? "envelope ended early" : "cannot read the envelope";
	return QX_READ;
}

/* One address up to its NUL, checked and made canonical into out. */
static int
read_address(struct rbuf *rb, char *out, const char **reason)
{
	char raw[ADDR_PATH_MAX + 1];
	struct addr a;
	size_t len = 0;
	int code;

	for (;;) {
		char c;

		if ((code = read_byte(rb, &c, reason)) != QX_OK)
			return code;
		if (c == '\0')
			break;
		if (len == ADDR_PATH_MAX) {
			*reason = "address too long";
			return QX_ADDR;
		}
		raw[len++] = c;
	}
	if (len == 0) {
		out[0] = '\0';
		return QX_OK;
	}
	if (addr_parse_mailbox(raw, len, ADDR_UTF8 | ADDR_ALLOW_LOCAL, &a) != ADDR_OK) {
		*reason = "address is not an RFC 5321 mailbox";
		return QX_ADDR;
	}
	strlcpy(out, a.mailbox, ADDR_PATH_MAX + 1);
	return QX_OK;
}

int
inject_read_envelope(struct rbuf *rb, struct envelope *env, const char **reason)
{
	char addr[ADDR_PATH_MAX + 1], c;
	int code;

	if ((code = read_byte(rb, &c, reason)) != QX_OK)
		return code;
	if (c != 'F') {
		*reason = "envelope does not start with F";
		return QX_FORMAT;
	}
	if ((code = read_address(rb, env->sender, reason)) != QX_OK)
		return code;
	for (;;) {
		if ((code = read_byte(rb, &c, reason)) != QX_OK)
			return code;
		if (c == '\0')
			break;
		if (c != 'T') {
			*reason = "envelope record is neither T nor the end";
			return QX_FORMAT;
		}
		if ((code = read_address(rb, addr, reason)) != QX_OK)
			return code;
		if (addr[0] == '\0') {
			*reason = "empty recipient";
			return QX_ADDR;
		}
		if (envelope_add_rcpt(env, addr) == -1) {
			*reason = errno == E2BIG ? "too many recipients" : "out of memory";
			return errno == E2BIG ? QX_RCPTS : QX_NOMEM;
		}
	}
	if (env->nrcpt == 0) {
		*reason = "no recipients";
		return QX_FORMAT;
	}
	return QX_OK;
}

/* Step 3: the envelope into intd/ (synced in step 4; the fd stays open for it). */
static int
write_envelope(struct job *j, const struct envelope *env, struct inject_result *res)
{
	struct str buf = STR_INIT;
	int fd, code = QX_OK;

	if (envelope_encode(env, &buf) == -1)
		return fail(res, "out of memory", QX_NOMEM);
	qpath(j->intd, sizeof j->intd, Q_INTD, j->id);
	fd = open_safe(j->intd, O_WRONLY | O_CREAT | O_EXCL, 0640);
	if (fd == -1 && errno == EEXIST) {
		/* A leftover of a dead injection that had this ID: ours owns the ID now. */
		unlink(j->intd);
		fd = open_safe(j->intd, O_WRONLY | O_CREAT | O_EXCL, 0640);
	}
	if (fd == -1) {
		code = fail(res, "cannot create the envelope", errno_code(errno, QX_INTD));
		goto out;
	}
	j->have_intd = 1;
	j->intdfd = fd;
	if (write_full(fd, buf.s, buf.len) == -1)
		code = fail(res, "cannot write the envelope", errno_code(errno, QX_INTD));
out:
	str_free(&buf);
	return code;
}

/* Step 4: the message, the envelope and the message's name on disk, all at once. */
static int
sync_all(struct job *j, struct inject_result *res)
{
	char	 dir[NAME_MAX_];
	char	*slash;
	int	 fds[3], errs[3], dirfd, r;

	strlcpy(dir, j->mess, sizeof dir);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return fail(res, "cannot sync queue/mess", errno_code(errno, QX_MESS));
	fds[0] = j->messfd;
	fds[1] = j->intdfd;
	fds[2] = dirfd;
	r = fsync_together(fds, errs, 3);
	close(dirfd);
	if (r == -1 && errs[0] != 0)
		return fail(res, "cannot write the message", errno_code(errs[0], QX_WRITE));
	if (r == -1 && errs[1] != 0)
		return fail(res, "cannot write the envelope", errno_code(errs[1], QX_INTD));
	if (r == -1)
		return fail(res, "cannot sync queue/mess", errno_code(errs[2], QX_MESS));
	r = close(j->intdfd);
	j->intdfd = -1;
	if (r == -1)
		return fail(res, "cannot write the envelope", errno_code(errno, QX_INTD));
	return QX_OK;
}

/* Step 5: the commit. */
static int
commit(struct job *j, struct inject_result *res)
{
	/* A held message commits into hold/, where the scheduler never looks. */
	qpath(j->todo, sizeof j->todo, j->held ? Q_HOLD : Q_TODO, j->id);
	if (rename(j->intd, j->todo) == -1)
		return fail(res, j->held ? "cannot commit into queue/hold" :
		    "cannot commit into queue/todo", errno_code(errno, QX_TODO));
	j->have_intd = 0;
	if (fsync_parent(j->todo) == -1) {
		/*
		 * Visible but maybe not durable: take it back if the scheduler
		 * has not taken it yet, and report a temporary failure either way
		 * (the sender retries; at worst a message arrives twice).
		 */
		log_warn("id=%s action=fsync path=todo", j->id);
		if (rename(j->todo, j->intd) == 0)
			j->have_intd = 1;
		else
			j->committed = 1;
		return fail(res, "cannot sync queue/todo", QX_TODO);
	}
	return QX_OK;
}

/* Step 6: wake the scheduler; nobody listening is fine. */
static void
pull_trigger(const char *id)
{
	char line[QID_LEN + 1];
	int fd = open(QUEUE_TRIGGER, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd == -1)
		return;
	memcpy(line, id, QID_LEN);
	line[QID_LEN] = '\n';
	if (write(fd, line, sizeof line) == -1 && errno != EAGAIN)
		log_warn("id=%s action=trigger", id);
	close(fd);
}

static void
undo(struct job *j)
{
	if (j->intdfd != -1)
		close(j->intdfd);
	if (j->have_intd)
		unlink(j->intd);
	if (j->messfd != -1) {
		if (!j->committed)
			unlink(j->mess);
		close(j->messfd);
		j->messfd = -1;
	}
}

int
inject(const struct inject_opts *o, struct inject_result *res)
{
	struct envelope env = { .time = 0 };
	struct job j = { .messfd = -1, .intdfd = -1 };
	char rbmem[4096];
	struct rbuf rb;
	int code;

	res->id[0] = '\0';
	res->reason = NULL;
	if ((code = create_mess(&j, res)) != QX_OK)
		return code;
	memcpy(res->id, j.id, sizeof res->id);
	if ((code = copy_message(o, &j, res)) != QX_OK)
		goto out;
	rbuf_init(&rb, o->envfd, rbmem, sizeof rbmem, o->timeout_ms);
	if ((code = inject_read_envelope(&rb, &env, &res->reason)) != QX_OK)
		goto out;
	memcpy(env.id, j.id, sizeof env.id);
	env.time = time(NULL);
	env.uid = o->uid;
	if (o->hold != NULL && o->hold[0] != '\0') {
		/* Printable, bounded: the reason is shown by stamp-qread. */
		strlcpy(env.hold, o->hold, sizeof env.hold);
		for (char *p = env.hold; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
				*p = '?';
		j.held = 1;
	}
	if ((code = write_envelope(&j, &env, res)) != QX_OK)
		goto out;
	if ((code = sync_all(&j, res)) != QX_OK)
		goto out;
	if ((code = commit(&j, res)) != QX_OK)
		goto out;
	if (!j.held)
		pull_trigger(j.id);
	close(j.messfd);   /* releases the lock; the message is the scheduler's now */
out:
	if (code != QX_OK)
		undo(&j);
	envelope_free(&env);
	return code;
}
