/*
 * driver.c: run a fuzz harness over files, without libFuzzer.
 *
 *   fuzz_NAME FILE|DIR...
 *
 * Every regular file named, or found directly in a folder named, is one
 * input (at most INPUT_MAX octets). Prints `fuzz_NAME: N inputs` and exits
 * 0; a failed property aborts inside the harness.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

#define INPUT_MAX (1 << 20)

static unsigned long ninputs;

static int
run_file(const char *path)
{
	static unsigned char	 buf[INPUT_MAX];
	size_t			 len = 0;
	ssize_t			 r;
	int			 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while (len < sizeof buf && (r = read(fd, buf + len, sizeof buf - len)) > 0)
		len += (size_t)r;
	close(fd);
	/* A copy of exactly the input's size, so ASan sees any read past its end. */
	unsigned char *copy = malloc(len ? len : 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, buf, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	ninputs++;
	return 0;
}

static int
run_dir(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	char		 path[4096];
	struct stat	 st;
	int		 rc = 0;

	if (d == NULL) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && run_file(path) == -1)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	const char	*name = strrchr(argv[0], '/');
	struct stat	 st;
	int		 rc = 0;

	name = name != NULL ? name + 1 : argv[0];
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", name);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if ((S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i])) == -1) {
			rc = 1;
		}
	}
	printf("%s: %lu inputs\n", name, ninputs);
	return rc;
}
