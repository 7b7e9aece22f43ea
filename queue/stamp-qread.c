/* stamp-qread: one line per queued message: id, age, size, sender, recipients. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "envelope.h"
#include "fsutil.h"
#include "home.h"
#include "log.h"
#include "qlist.h"

#define ENVELOPE_FILE_MAX (ENV_RCPT_MAX * (ADDR_PATH_MAX + 16) + 4096)

static int
join(char *out, size_t outsz, const char *queue, const char *rel)
{
	int n = snprintf(out, outsz, "%s/%s", queue, rel);

	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Print one message; a message delivered while we look is skipped. */
static int
show(const char *queue, const struct qentry *e, time_t now)
{
	char path[HOME_PATH_MAX], rel[64], age[32];
	struct envelope env;
	struct stat st;
	size_t len;
	char *buf;

	if (qpath(rel, sizeof rel, e->state, e->id) == -1 ||
	    join(path, sizeof path, queue, rel) == -1)
		return -1;
	if (read_file_max(path, ENVELOPE_FILE_MAX, &buf, &len) == -1)
		return errno == ENOENT ? 0 : -1;
	if (envelope_parse(buf, len, &env) != ENV_OK) {
		free(buf);
		printf("%s invalid-envelope\n", e->id);
		return 0;
	}
	free(buf);
	if (qpath(rel, sizeof rel, Q_MESS, e->id) == -1 ||
	    join(path, sizeof path, queue, rel) == -1 || stat(path, &st) == -1) {
		envelope_free(&env);
		return errno == ENOENT ? 0 : -1;
	}
	qtool_age(age, sizeof age, (long long)(now - env.time));
	printf("%s %s %lld <%s>", e->id, age, (long long)st.st_size, env.sender);
	for (size_t i = 0; i < env.nrcpt; i++)
		printf(" %s", env.rcpt[i]);
	putchar('\n');
	envelope_free(&env);
	return 0;
}

int
main(int argc, char **argv)
{
	char queue[HOME_PATH_MAX];
	struct qentry *v;
	time_t now = time(NULL);
	size_t n;
	int rc = 0;

	log_init("stamp-qread");
	qtool_options(argc, argv, "usage: stamp-qread [--home DIR]\n");
	if (home_path(queue, sizeof queue, "queue") == -1 ||
	    qlist_collect(queue, &v, &n) == -1)
		fatalx(1, "reason=\"cannot read the queue\" home=%s", home_dir());
	for (size_t i = 0; i < n; i++)
		if (show(queue, &v[i], now) == -1) {
			log_warn("id=%s action=read", v[i].id);
			rc = 1;
		}
	free(v);
	return fflush(stdout) == 0 ? rc : 1;
}
