/* rtcpto.c: a small locked text file of unreachable addresses. */
#include "rtcpto.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define FILE_MAX (RTCPTO_MAX * 80)

struct entry {
	char		 ip[64];
	unsigned	 fails;
	long long	 last;
};

struct table {
	struct entry	 e[RTCPTO_MAX];
	size_t		 n;
};

time_t
rtcpto_window(unsigned failures)
{
	time_t	 w = RTCPTO_BASE;

	if (failures == 0)
		return 0;
	for (unsigned i = 1; i < failures && w < RTCPTO_CEILING; i++)
		w *= 2;
	return w < RTCPTO_CEILING ? w : RTCPTO_CEILING;
}

/* Parse the file's text; lines that do not parse are dropped. */
static void
table_parse(struct table *t, char *text)
{
	char	*save = NULL;

	t->n = 0;
	for (char *line = strtok_r(text, "\n", &save); line != NULL && t->n < RTCPTO_MAX;
	    line = strtok_r(NULL, "\n", &save)) {
		struct entry	 e;

		if (sscanf(line, "%63s %u %lld", e.ip, &e.fails, &e.last) == 3 && e.fails > 0)
			t->e[t->n++] = e;
	}
}

static int
table_load(int fd, struct table *t)
{
	char	 buf[FILE_MAX + 1];
	ssize_t	 n = pread(fd, buf, FILE_MAX, 0);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	table_parse(t, buf);
	return 0;
}

static int
table_store(int fd, const struct table *t)
{
	char	 buf[FILE_MAX];
	size_t	 len = 0;

	for (size_t i = 0; i < t->n; i++) {
		int n = snprintf(buf + len, sizeof buf - len, "%s %u %lld\n",
		    t->e[i].ip, t->e[i].fails, t->e[i].last);

		if (n < 0 || (size_t)n >= sizeof buf - len)
			break;
		len += (size_t)n;
	}
	if (pwrite(fd, buf, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) < 0)
		return -1;
	return 0;
}

static struct entry *
table_find(struct table *t, const char *ip)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->e[i].ip, ip) == 0)
			return &t->e[i];
	return NULL;
}

int
rtcpto_skip(const char *path, const struct dns_ip *ip, time_t now)
{
	struct table	 t;
	struct entry	*e;
	char		 text[64];
	int		 fd, skip = 0;

	if (path == NULL || (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0;
	if (flock(fd, LOCK_SH) == 0 && table_load(fd, &t) == 0 &&
	    (e = table_find(&t, dns_ip_text(ip, text, sizeof text))) != NULL)
		skip = now >= e->last && now - e->last < rtcpto_window(e->fails);
	close(fd);
	return skip;
}

void
rtcpto_note(const char *path, const struct dns_ip *ip, int failed, time_t now)
{
	struct table	 t;
	struct entry	*e;
	char		 text[64];
	int		 fd;

	if (path == NULL)
		return;
	if ((fd = open(path, (failed ? O_CREAT : 0) | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0640)) < 0) {
		if (errno != ENOENT && errno != EACCES)
			log_warn("action=tcpto-open path=%s", path);
		return;
	}
	(void)dns_ip_text(ip, text, sizeof text);
	if (flock(fd, LOCK_EX) < 0 || table_load(fd, &t) < 0) {
		log_warn("action=tcpto-read path=%s", path);
		close(fd);
		return;
	}
	e = table_find(&t, text);
	if (!failed) {
		if (e == NULL) {
			close(fd);
			return;
		}
		*e = t.e[--t.n];
	} else {
		if (e == NULL) {
			if (t.n == RTCPTO_MAX) {        /* forget the oldest failure */
				size_t old = 0;
				for (size_t i = 1; i < t.n; i++)
					if (t.e[i].last < t.e[old].last)
						old = i;
				t.e[old] = t.e[--t.n];
			}
			e = &t.e[t.n++];
			(void)strlcpy(e->ip, text, sizeof e->ip);
			e->fails = 0;
		}
		if (e->fails < 1000)
			e->fails++;
		e->last = (long long)now;
	}
	if (table_store(fd, &t) < 0)
		log_warn("action=tcpto-write path=%s", path);
	close(fd);
}
