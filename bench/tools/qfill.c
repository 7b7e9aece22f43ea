/*
 * qfill: run stamp-queue N times, P at a time, each with the message file
 * on fd 0 and the envelope file on fd 1 (qmail-queue's interface), for
 * bench/run's stamp-send memory figure. A fork and exec from C costs a
 * fraction of Python's subprocess, which was most of the fill time.
 *
 *   qfill STAMP-QUEUE MESSAGE ENVELOPE N P SECONDS
 *
 * Stops starting new ones after SECONDS; prints how many were queued.
 * Exit 0, or 1 when a stamp-queue failed (its status is printed).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t
start(const char *prog, const char *msg, const char *env)
{
	pid_t	 pid = fork();
	int	 m, e;

	if (pid != 0)
		return pid;
	m = open(msg, O_RDONLY);
	e = open(env, O_RDONLY);
	if (m == -1 || e == -1 || dup2(m, 0) == -1 || dup2(e, 1) == -1)
		_exit(111);
	execl(prog, prog, (char *)NULL);
	_exit(111);
}

/* Wait for one child; 0 when it exited 0. */
static int
reap(void)
{
	int	 st;

	if (wait(&st) == -1)
		return -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	fprintf(stderr, "qfill: stamp-queue ended with status %d\n", st);
	return -1;
}

int
main(int argc, char **argv)
{
	long	 n, par, done = 0, running = 0, failed = 0;
	double	 until;

	if (argc != 7) {
		fprintf(stderr, "usage: qfill stamp-queue message envelope n parallel seconds\n");
		return 2;
	}
	n = atol(argv[4]);
	par = atol(argv[5]);
	until = now() + atof(argv[6]);
	while (done < n && now() < until && !failed) {
		if (running == par) {
			failed |= reap() != 0;
			running--;
		}
		if (start(argv[1], argv[2], argv[3]) == -1) {
			perror("qfill: fork");
			failed = 1;
			break;
		}
		running++;
		done++;
	}
	while (running-- > 0)
		failed |= reap() != 0;
	printf("%ld\n", done);
	return failed ? 1 : 0;
}
