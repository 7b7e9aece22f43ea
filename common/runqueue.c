/* runqueue.c: run stamp-queue on two prepared files (see runqueue.h). */
#include "runqueue.h"

#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "home.h"
#include "qexit.h"

int
memfd_with(const char *name, const void *data, size_t len)
{
	int	 fd = memfd_create(name, MFD_CLOEXEC);

	if (fd == -1)
		return -1;
	if (write_full(fd, data, len) == -1 || lseek(fd, 0, SEEK_SET) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
run_queue(int msgfd, int envfd)
{
	return run_queue_prog(NULL, msgfd, envfd);
}

int
run_queue_prog(const char *path, int msgfd, int envfd)
{
	char	 prog[PATH_MAX];
	int	 status, saved;
	pid_t	 pid;
	int	 named = path != NULL;

	if (named && strlcpy(prog, path, sizeof prog) >= sizeof prog) {
		errno = ENAMETOOLONG;
		named = -1;
	}
	if (named == -1 || (!named && sibling_path(prog, sizeof prog, "stamp-queue") == -1) ||
	    (pid = fork()) == -1) {
		saved = errno;
		close(msgfd);
		close(envfd);
		errno = saved;
		return -1;
	}
	if (pid == 0) {
		if (dup2(msgfd, 0) == -1 || dup2(envfd, 1) == -1)
			_exit(QX_BUG);
		execl(prog, named ? prog : "stamp-queue", (char *)NULL);
		_exit(QX_BUG);
	}
	close(msgfd);
	close(envfd);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : QX_BUG;
}
