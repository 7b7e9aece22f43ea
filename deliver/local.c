/* local.c: loop detection and delivery instructions for stamp-local. */
#include <sys/mman.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "fsutil.h"
#include "home.h"
#include "local.h"
#include "maildir.h"
#include "mbox.h"
#include "qexit.h"
#include "runqueue.h"

void
local_head(struct delivery *d)
{
	int	 n = snprintf(d->head, sizeof d->head, "Return-Path: <%s>\nDelivered-To: %s\n",
	    d->sender, d->rcpt);

	d->headlen = n < 0 ? 0 : (size_t)n >= sizeof d->head ? sizeof d->head - 1 : (size_t)n;
}

/* Does the header line start with this field name (case-insensitively)? */
static int
field_is(const char *line, size_t len, const char *name)
{
	size_t	 n = strlen(name);

	return len > n && strncasecmp(line, name, n) == 0 && line[n] == ':';
}

/* One header line: a loop (1, r set), or counts toward the hops. */
static int
loop_line(const struct delivery *d, const char *line, size_t ll, long long *hops,
    struct dlv_result *r)
{
	const char	*v;
	size_t		 vl;

	if (field_is(line, ll, "Received")) {
		(*hops)++;
		return 0;
	}
	if (!field_is(line, ll, "Delivered-To"))
		return 0;
	(*hops)++;
	v = line + 13;
	vl = ll - 13;
	while (vl > 0 && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl > 0 && isspace((unsigned char)v[vl - 1]))
		vl--;
	if (vl != strlen(d->rcpt) || strncasecmp(v, d->rcpt, vl) != 0)
		return 0;
	dlv_set(r, DLV_PERM, "5.4.6 mail loop detected: the message was already "
	    "delivered to %s here", d->rcpt);
	return 1;
}

/*
 * Only the header counts (up to its empty line, and HEADER_SCAN_MAX octets
 * of it: a longer header ends there; its last, cut line is not looked at).
 */
int
local_loop_check(const struct delivery *d, struct dlv_result *r)
{
	char		*buf;
	ssize_t		 n;
	size_t		 len = 0;
	long long	 hops = 0;
	int		 rc = 0;

	if ((buf = malloc(HEADER_SCAN_MAX)) == NULL) {
		dlv_set(r, DLV_TEMP, "4.3.0 out of memory");
		return -1;
	}
	while (len < HEADER_SCAN_MAX &&
	    (n = pread(d->msgfd, buf + len, HEADER_SCAN_MAX - len, (off_t)len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			dlv_set(r, DLV_TEMP, "4.3.0 cannot read the message: %s", strerror(errno));
			free(buf);
			return -1;
		}
		len += (size_t)n;
	}
	for (size_t pos = 0; pos < len && rc == 0;) {
		char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t ll = (size_t)(nl - line);

		if (nl == NULL || ll == 0 || (ll == 1 && line[0] == '\r'))
			break;	/* the end of the header, or of what we read of it */
		rc = loop_line(d, line, ll, &hops, r);
		pos += ll + 1;
	}
	free(buf);
	if (rc == 0 && hops > d->maxhops) {
		dlv_set(r, DLV_PERM, "5.4.6 mail loop detected: %lld Received: and "
		    "Delivered-To: lines (more than maxhops %lld)", hops, d->maxhops);
		rc = 1;
	}
	return rc;
}

/* A memfd holding head + message, at offset 0 (for a program or stamp-queue). */
static int
message_copy(const struct delivery *d, const char *head, size_t headlen)
{
	char	 buf[65536];
	off_t	 off = 0;
	ssize_t	 n;
	int	 fd = memfd_create("message", MFD_CLOEXEC);

	if (fd == -1)
		return -1;
	if (write_full(fd, head, headlen) == -1)
		goto fail;
	while ((n = pread(d->msgfd, buf, sizeof buf, off)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (write_full(fd, buf, (size_t)n) == -1)
			goto fail;
		off += n;
	}
	if (lseek(fd, 0, SEEK_SET) == -1)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static void
set_env(const struct delivery *d)
{
	char	 dt[600], rp[600];

	snprintf(rp, sizeof rp, "Return-Path: <%s>", d->sender);
	snprintf(dt, sizeof dt, "Delivered-To: %s", d->rcpt);
	clearenv();
	setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
	setenv("HOME", d->home, 1);
	setenv("SENDER", d->sender, 1);
	setenv("RECIPIENT", d->rcpt, 1);
	setenv("LOCAL", d->local, 1);
	setenv("HOST", d->host, 1);
	setenv("EXT", d->ext, 1);
	if (d->user != NULL)
		setenv("USER", d->user, 1);
	setenv("DTLINE", dt, 1);
	setenv("RPLINE", rp, 1);
	if (d->id != NULL)
		setenv("STAMP_ID", d->id, 1);
}

/*
 * Keep the program's output (up to PIPE_OUTPUT_MAX) until it exits or its
 * time is up. Its exit, not the end of its output, ends the delivery: a
 * program may leave a child running in the background with our pipe open.
 */
static int
collect(int fd, pid_t pid, char *out, size_t outsz)
{
	struct pollfd	 pfd = { .fd = fd, .events = POLLIN };
	time_t		 end = time(NULL) + PIPE_TIME_MAX;
	size_t		 len = 0;
	char		 tmp[4096];
	int		 status, open_ = 1;
	pid_t		 w;

	for (;;) {
		while ((w = waitpid(pid, &status, WNOHANG)) == -1 && errno == EINTR)
			;
		if (w == pid || w == -1)
			break;
		if (time(NULL) >= end) {
			kill(-pid, SIGKILL);	/* its process group: the shell and its children */
			kill(pid, SIGKILL);
			end += 60;
		}
		if (!open_ || poll(&pfd, 1, 200) <= 0) {
			if (!open_)
				usleep(50000);
			continue;
		}
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			open_ = 0;
			continue;
		}
		size_t k = (size_t)n < outsz - 1 - len ? (size_t)n : outsz - 1 - len;
		memcpy(out + len, tmp, k);
		len += k;
	}
	/* What it wrote just before it exited. */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (ssize_t n; open_ && len < outsz - 1 && (n = read(fd, tmp, sizeof tmp)) > 0;) {
		size_t k = (size_t)n < outsz - 1 - len ? (size_t)n : outsz - 1 - len;
		memcpy(out + len, tmp, k);
		len += k;
	}
	out[len] = '\0';
	return w == pid ? status : -1;
}

static enum dlv_status
deliver_pipe(struct delivery *d, const char *cmd, struct dlv_result *r)
{
	char	 out[PIPE_OUTPUT_MAX + 1];
	int	 in, p[2], status, code;
	pid_t	 pid;

	if ((in = message_copy(d, d->head, d->headlen)) == -1) {
		dlv_set(r, DLV_TEMP, "4.3.0 cannot prepare the message for |%s: %s", cmd,
		    strerror(errno));
		return DLV_TEMP;
	}
	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		close(in);
		dlv_set(r, DLV_TEMP, "4.3.0 cannot start |%s: %s", cmd, strerror(errno));
		return DLV_TEMP;
	}
	if (pid == 0) {
		if (setpgid(0, 0) == -1 || dup2(in, 0) == -1 || dup2(p[1], 1) == -1 ||
		    dup2(p[1], 2) == -1 || chdir(d->home) == -1)
			_exit(111);
		set_env(d);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(111);
	}
	close(in);
	close(p[1]);
	status = collect(p[0], pid, out, sizeof out);
	close(p[0]);
	code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (code == 0 || code == 99) {
		d->stop = code == 99;
		dlv_set(r, DLV_OK, "2.0.0 delivered to |%s", cmd);
	} else if (code == 100)
		dlv_set(r, DLV_PERM, "5.2.0 |%s refused it (exit 100): %s", cmd, out);
	else
		dlv_set(r, DLV_TEMP, "4.2.0 |%s failed (%s %d): %s", cmd,
		    code >= 0 ? "exit" : "signal", code >= 0 ? code :
		    status != -1 && WIFSIGNALED(status) ? WTERMSIG(status) : 0, out);
	return r->status;
}

/* Re-inject through stamp-queue with the original sender. */
static enum dlv_status
deliver_forward(struct delivery *d, const char *to, struct dlv_result *r)
{
	char		 dt[600], full[ADDR_PATH_MAX + 1];
	struct addr	 a;
	int		 mfd, efd, n;

	/* A bare name ("alice" in an alias) is a user of the domain it came to. */
	if (strchr(to, '@') == NULL && d->host[0] != '\0') {
		snprintf(full, sizeof full, "%s@%s", to, d->host);
		to = full;
	}
	if (addr_parse_mailbox(to, strlen(to), ADDR_UTF8 | ADDR_ALLOW_LOCAL, &a) != ADDR_OK) {
		dlv_set(r, DLV_PERM, "5.1.3 bad forwarding address %s", to);
		return DLV_PERM;
	}
	/* A forwarded copy carries Delivered-To, so that a loop is seen. */
	n = snprintf(dt, sizeof dt, "Delivered-To: %s\n", d->rcpt);
	if ((mfd = message_copy(d, dt, (size_t)n)) == -1 ||
	    (efd = memfd_create("envelope", MFD_CLOEXEC)) == -1) {
		if (mfd != -1)
			close(mfd);
		dlv_set(r, DLV_TEMP, "4.3.0 cannot prepare the forward: %s", strerror(errno));
		return DLV_TEMP;
	}
	if (dprintf(efd, "F%s%cT%s%c%c", d->sender, 0, a.mailbox, 0, 0) < 0 ||
	    lseek(efd, 0, SEEK_SET) == -1) {
		dlv_set(r, DLV_TEMP, "4.3.0 cannot prepare the forward: %s", strerror(errno));
		close(mfd);
		close(efd);
		return DLV_TEMP;
	}
	if ((n = run_queue(mfd, efd)) == -1) {
		dlv_set(r, DLV_TEMP, "4.3.0 cannot run stamp-queue: %s", strerror(errno));
		return DLV_TEMP;
	}
	if (n == 0)
		dlv_set(r, DLV_OK, "2.0.0 forwarded to %s", a.mailbox);
	else
		dlv_set(r, qexit_permanent(n) ? DLV_PERM : DLV_TEMP, "%s forward to %s: %s",
		    qexit_permanent(n) ? "5.3.0" : "4.3.0", a.mailbox, qexit_text(n));
	return r->status;
}

/* A path relative to the owner's folder ("./Maildir/") made absolute. */
static int
owner_path(const struct delivery *d, const char *p, char *out, size_t outsz)
{
	int	 n;

	if (*p == '/')
		n = snprintf(out, outsz, "%s", p);
	else
		n = snprintf(out, outsz, "%s/%s", d->home, p[0] == '.' && p[1] == '/' ? p + 2 : p);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

enum local_kind
local_parse(const char *line, const char **arg)
{
	size_t	 len = strlen(line);

	*arg = line;
	if (len == 0 || line[0] == '#')
		return LI_NONE;
	if (line[0] == '|' || line[0] == '&') {
		*arg = line + 1;
		return line[0] == '|' ? LI_PIPE : LI_FORWARD;
	}
	if (line[0] != '/' && line[0] != '.')
		return LI_FORWARD;
	return line[len - 1] == '/' ? LI_MAILDIR : LI_MBOX;
}

enum dlv_status
local_instruction(struct delivery *d, const char *line, int create, struct dlv_result *r)
{
	char		 path[PATH_MAX];
	const char	*arg;
	enum local_kind	 k = local_parse(line, &arg);

	dlv_set(r, DLV_OK, "2.0.0 nothing to do");
	switch (k) {
	case LI_NONE:
		return DLV_OK;
	case LI_PIPE:
		return deliver_pipe(d, arg, r);
	case LI_FORWARD:
		return deliver_forward(d, arg, r);
	case LI_MAILDIR:
	case LI_MBOX:
		break;
	}
	if (owner_path(d, arg, path, sizeof path) == -1) {
		dlv_set(r, DLV_PERM, "5.3.5 mailbox path too long");
		return DLV_PERM;
	}
	if (k == LI_MAILDIR)
		maildir_deliver(path, create, d->msgfd, d->head, d->headlen, r, NULL, 0);
	else
		mbox_deliver(path, d->sender, time(NULL), d->msgfd, d->head, d->headlen, r);
	return r->status;
}

enum dlv_status
local_instructions(struct delivery *d, const char *text, struct dlv_result *r)
{
	char		 line[1024];
	const char	*p = text;
	int		 any = 0;

	while (*p != '\0' && !d->stop) {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n >= sizeof line) {
			dlv_set(r, DLV_PERM, "5.3.5 a delivery instruction is longer than %zu octets",
			    sizeof line - 1);
			return DLV_PERM;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		p = nl != NULL ? nl + 1 : p + n;
		if (n == 0 || line[0] == '#')
			continue;
		any = 1;
		if (local_instruction(d, line, 0, r) != DLV_OK)
			return r->status;
	}
	if (!any)
		return local_instruction(d, "./Maildir/", 1, r);
	return r->status;
}
