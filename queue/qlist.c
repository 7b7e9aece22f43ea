/* qlist.c: collect committed queue entries; shared bits of the queue tools. */
#include "qlist.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "home.h"
#include "log.h"

struct collect {
	struct qentry *v;
	size_t         n, cap;
	enum qstate    state;
};

static int
add_entry(const char *id, void *arg)
{
	struct collect *c = arg;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct qentry *v = reallocarray(c->v, cap, sizeof *v);

		if (v == NULL) {
			log_warn("action=collect");
			return -1;
		}
		c->v = v;
		c->cap = cap;
	}
	memcpy(c->v[c->n].id, id, QID_LEN + 1);
	c->v[c->n++].state = c->state;
	return 0;
}

static int
by_id(const void *a, const void *b)
{
	return strcmp(((const struct qentry *)a)->id, ((const struct qentry *)b)->id);
}

int
qlist_collect(const char *queue, struct qentry **out, size_t *n)
{
	struct collect c = { .v = NULL };

	c.state = Q_TODO;
	if (qscan(queue, Q_TODO, add_entry, &c) != 0)
		goto fail;
	c.state = Q_INFO;
	if (qscan(queue, Q_INFO, add_entry, &c) != 0)
		goto fail;
	c.state = Q_HOLD;
	if (qscan(queue, Q_HOLD, add_entry, &c) != 0)
		goto fail;
	if (c.n > 0)
		qsort(c.v, c.n, sizeof *c.v, by_id);
	*out = c.v;
	*n = c.n;
	return 0;
fail:
	free(c.v);
	return -1;
}

void
qtool_options(int argc, char **argv, const char *usage)
{
	qtool_options_ex(argc, argv, usage, 0, NULL);
}

void
qtool_options_ex(int argc, char **argv, const char *usage, int want_args, int *json)
{
	const struct qtool_opt extra[] = { { "json", NULL, json }, { NULL, NULL, NULL } };

	qtool_getopt(argc, argv, usage, want_args, json != NULL ? extra : extra + 1);
}

void
qtool_getopt(int argc, char **argv, const char *usage, int want_args,
    const struct qtool_opt *extra)
{
	struct option opts[QTOOL_OPTS_MAX + 3] = {
		{ "home", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
	};
	const char *home = NULL;
	size_t n = 0;
	int c;

	for (; extra[n].name != NULL && n < QTOOL_OPTS_MAX; n++)
		opts[2 + n] = (struct option){ extra[n].name,
		    extra[n].value != NULL ? required_argument : no_argument, NULL, 256 + (int)n };
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'd')
			home = optarg;
		else if (c == 'h') {
			printf("%s", usage);
			exit(0);
		} else if (c >= 256 && (size_t)(c - 256) < n) {
			const struct qtool_opt *o = &extra[c - 256];

			if (o->value != NULL)
				*o->value = optarg;
			else
				*o->flag = 1;
		} else {
			fprintf(stderr, "%s", usage);
			exit(2);
		}
	}
	if (!want_args && optind != argc) {
		fprintf(stderr, "%s", usage);
		exit(2);
	}
	if (home_init(home) == -1)
		fatalx(1, "reason=\"home path too long\"");
}

void
qtool_age(char *out, size_t outsz, long long s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, outsz, "%llds", s);
	else if (s < 3600)
		snprintf(out, outsz, "%lldm%llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, outsz, "%lldh%lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, outsz, "%lldd%lldh", s / 86400, s % 86400 / 3600);
}

int
qtool_tell_scheduler(const char *queue, const char *line)
{
	char	 path[4096], buf[128];
	int	 fd, n;
	ssize_t	 w;

	n = snprintf(path, sizeof path, "%s/%s", queue, QUEUE_TRIGGER);
	if (n < 0 || (size_t)n >= sizeof path ||
	    (n = snprintf(buf, sizeof buf, "%s\n", line)) < 0 || (size_t)n >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* Non-blocking: with no reader open() fails with ENXIO at once. */
	if ((fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return -1;
	w = write(fd, buf, (size_t)n);	/* under PIPE_BUF: all or nothing */
	close(fd);
	if (w != n) {
		if (w >= 0)
			errno = EAGAIN;
		return -1;
	}
	return 0;
}

int
qtool_scheduler_running(const char *queue, int *lockfd)
{
	char	 path[4096];
	int	 n = snprintf(path, sizeof path, "%s/lock", queue);

	*lockfd = -1;
	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((*lockfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (flock(*lockfd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	close(*lockfd);
	*lockfd = -1;
	return errno == EWOULDBLOCK ? 1 : -1;
}
