/* log.c: `program: key=value` lines on stderr, one write(2) each. */
#include "log.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static const char *progname = "stamp";
static int to_syslog;

/*
 * inetd and xinetd give a server the client's TCP socket as fds 0, 1 and 2:
 * a log line written to stderr would go to the client, in the middle of
 * the protocol. When stderr is a TCP socket, lines go to syslog (LOG_MAIL)
 * instead. A Unix socket (systemd's journal stream) stays stderr.
 */
static int
stderr_is_tcp(void)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	struct stat		 st;

	if (fstat(STDERR_FILENO, &st) == -1 || !S_ISSOCK(st.st_mode))
		return 0;
	if (getsockname(STDERR_FILENO, (struct sockaddr *)&ss, &len) == -1)
		return 0;
	return ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
}

void
log_init(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
	to_syslog = stderr_is_tcp();
	if (to_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

const char *
log_progname(void)
{
	return progname;
}

/* Format the whole line in memory and emit it with one write(2). */
static void __attribute__((format(printf, 3, 0)))
log_emit(const char *level, const char *err, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t n;
	int r;

	r = snprintf(line, sizeof line, "%s: %s%s", progname,
	    level ? level : "", level ? " " : "");
	n = r < 0 ? 0 : (size_t)r;
	if (n < sizeof line) {
		r = vsnprintf(line + n, sizeof line - n, fmt, ap);
		n += r < 0 ? 0 : (size_t)r;
	}
	if (err != NULL && n < sizeof line) {
		char q[LOG_QUOTE_MAX];

		r = snprintf(line + n, sizeof line - n, " error=%s",
		    log_quotes(q, sizeof q, err));
		n += r < 0 ? 0 : (size_t)r;
	}
	if (n >= sizeof line - 1) {
		n = sizeof line - 1;
		memcpy(line + n - 3, "...", 3);
	}
	if (to_syslog) {
		line[n] = '\0';
		size_t skip = strlen(progname) + 2;

		syslog(level == NULL ? LOG_INFO : LOG_WARNING, "%s", n > skip ? line + skip : line);
		return;
	}
	line[n++] = '\n';
	/* Nothing sensible to do when stderr itself fails. */
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(NULL, NULL, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	const char *err = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_emit("level=warn", err, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit("level=warn", NULL, fmt, ap);
	va_end(ap);
}

void
fatal(int code, const char *fmt, ...)
{
	const char *err = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	log_emit("level=fatal", err, fmt, ap);
	va_end(ap);
	exit(code);
}

void
fatalx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit("level=fatal", NULL, fmt, ap);
	va_end(ap);
	exit(code);
}

static int
plain_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
}

char *
log_quote(char *dst, size_t dstsz, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = 0;
	int plain = len > 0;

	for (i = 0; i < len && plain; i++)
		plain = plain_byte((unsigned char)src[i]);
	if (!plain)
		dst[n++] = '"';
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		char esc[4];
		size_t k = 0;

		if (plain_byte(c) || (c == ' ' && !plain))
			esc[k++] = (char)c;
		else if (c == '"' || c == '\\')
			esc[k++] = '\\', esc[k++] = (char)c;
		else if (c == '\r')
			esc[k++] = '\\', esc[k++] = 'r';
		else if (c == '\n')
			esc[k++] = '\\', esc[k++] = 'n';
		else if (c == '\t')
			esc[k++] = '\\', esc[k++] = 't';
		else {
			esc[k++] = '\\', esc[k++] = 'x';
			esc[k++] = hex[c >> 4], esc[k++] = hex[c & 15];
		}
		/* Room for this escape, a closing quote, "..." and the NUL. */
		if (n + k + 5 > dstsz) {
			memcpy(dst + n, "...", 3);
			n += 3;
			break;
		}
		memcpy(dst + n, esc, k);
		n += k;
	}
	if (!plain)
		dst[n++] = '"';
	dst[n] = '\0';
	return dst;
}

char *
log_quotes(char *dst, size_t dstsz, const char *src)
{
	return log_quote(dst, dstsz, src, strlen(src));
}
