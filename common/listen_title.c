/*
 * listen_title.c: process titles for the listener's master and workers
 * ("stamp-smtpd: idle", "stamp-smtpd: session 192.0.2.1").
 *
 * libbsd's setproctitle needs setproctitle_init() with main()'s argv
 * before anything else reads environ; without it, it would print a
 * warning on every call, so the listener leaves titles alone unless the
 * program asked for them through listen_proctitle_init().
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>	/* libbsd-overlay: setproctitle */

#include "listen_int.h"

extern char **environ;

static int titles_on;

void
listen_proctitle_init(int argc, char *argv[])
{
	setproctitle_init(argc, argv, environ);
	titles_on = 1;
}

void
listen_title(const char *fmt, ...)
{
	char	 text[256];
	va_list	 ap;

	if (!titles_on)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	/* A leading "-" keeps libbsd from putting its own program name first. */
	setproctitle("-%s", text);
}

void
listen_notify(int fd)
{
	char	 c = 0;

	/* Best effort by design: EAGAIN means the master has wake-ups pending. */
	if (write(fd, &c, 1) == -1) {
		/* nothing to do */
	}
}
