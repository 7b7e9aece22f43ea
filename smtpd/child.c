/* child.c: bounded waits for child programs (see child.h). */
#include "child.h"

#include <sys/pidfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

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
