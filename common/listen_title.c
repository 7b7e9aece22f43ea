/*
 * listen_title.c: process titles for the listener's master and workers
 * ("stamp-smtpd: idle", "stamp-smtpd: session 192.0.2.1"), as ps shows them.
 *
 * The title is written over the memory of the original argv and environ
 * strings. libbsd's setproctitle_init() moves the environment (and argv[1]
 * on) out of that area; the writing is ours, not libbsd's setproctitle(),
 * because that one leaves a "." behind whenever a title gets shorter
 * ("stamp-smtpd: idle        ."). Without listen_proctitle_init() titles
 * are left alone.
 */
#include <string.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>	/* libbsd-overlay: setproctitle_init */

#include "listen_int.h"

extern char **environ;

static char	*title_base;	/* argv[0] as the kernel shows it */
static size_t	 title_room;	/* bytes from there to the end of the strings */

/* The end of the contiguous run of strings starting at argv[0], env included. */
static char *
strings_end(int argc, char *argv[])
{
	char	*end = argv[0] + strlen(argv[0]);

	for (int i = 1; i < argc && argv[i] == end + 1; i++)
		end = argv[i] + strlen(argv[i]);
	for (int i = 0; environ[i] != NULL && environ[i] == end + 1; i++)
		end = environ[i] + strlen(environ[i]);
	return end;
}

void
listen_proctitle_init(int argc, char *argv[])
{
	char	*end;

	if (argc < 1 || argv == NULL || argv[0] == NULL)
		return;
	end = strings_end(argc, argv);
	setproctitle_init(argc, argv, environ);
	title_base = argv[0];
	title_room = (size_t)(end - title_base) + 1;
}

void
listen_title(const char *fmt, ...)
{
	char	 text[256];
	size_t	 n;
	va_list	 ap;

	if (title_base == NULL || title_room < 2)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	n = strlen(text);
	if (n > title_room - 1)
		n = title_room - 1;
	memcpy(title_base, text, n);
	/* NULs to the end: ps shows nothing of the old title or the old environment. */
	memset(title_base + n, '\0', title_room - n);
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
