/* child.c: bounded waits for child programs (see child.h). */
#include "child.h"

#include <sys/pidfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "home.h"

static int
reap(pid_t pid)
{
	int	 status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 256 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int
child_wait(pid_t pid, int timeout_ms)
{
	struct pollfd	 p;
	int		 fd = pidfd_open(pid, 0), n;

	if (fd == -1)
		return reap(pid);	/* an old kernel: the child's own bounds must do */
	p.fd = fd;
	p.events = POLLIN;
	do
		n = poll(&p, 1, timeout_ms);
	while (n == -1 && errno == EINTR);
	close(fd);
	if (n == 0) {
		kill(pid, SIGKILL);
		(void)reap(pid);
		errno = ETIMEDOUT;
		return -1;
	}
	return reap(pid);
}

int
child_program(char *out, size_t outsz, const char *envname, const char *sibling)
{
	const char	*env = getenv(envname);

	if (env != NULL && *env != '\0') {
		if (strlcpy(out, env, outsz) >= outsz) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return 0;
	}
	return sibling_path(out, outsz, sibling);
}
