/* home.c: locate STAMP_HOME and the sibling programs. */
#include "home.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "paths.h"

static char home[HOME_PATH_MAX] = STAMP_HOME_DEFAULT;

int
home_secure(void)
{
	return getauxval(AT_SECURE) != 0;
}

static int
copy_path(char *out, size_t outsz, const char *a, const char *b)
{
	int n = snprintf(out, outsz, "%s%s%s", a, b ? "/" : "", b ? b : "");

	if (n < 0 || (size_t)n >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
home_init(const char *arg)
{
	const char *env = getenv("STAMP_HOME");

	if (home_secure())
		return copy_path(home, sizeof home, STAMP_HOME_DEFAULT, NULL);
	if (arg != NULL && *arg != '\0')
		return copy_path(home, sizeof home, arg, NULL);
	if (env != NULL && *env != '\0')
		return copy_path(home, sizeof home, env, NULL);
	return copy_path(home, sizeof home, STAMP_HOME_DEFAULT, NULL);
}

const char *
home_dir(void)
{
	return home;
}

int
home_path(char *out, size_t outsz, const char *rel)
{
	return copy_path(out, outsz, home, rel);
}

int
sibling_path(char *out, size_t outsz, const char *prog)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash;

	if (n > 0 && !home_secure()) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			return copy_path(out, outsz, self, prog);
		}
	}
	return copy_path(out, outsz, STAMP_SBINDIR, prog);
}
