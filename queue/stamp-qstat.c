/* stamp-qstat: how many messages are queued, and how many await their first look. */
#include <stdio.h>
#include <stdlib.h>

#include "home.h"
#include "log.h"
#include "qlist.h"

int
main(int argc, char **argv)
{
	struct qentry *v;
	char queue[HOME_PATH_MAX];
	size_t n, todo = 0;

	log_init("stamp-qstat");
	qtool_options(argc, argv, "usage: stamp-qstat [--home DIR]\n");
	if (home_path(queue, sizeof queue, "queue") == -1 ||
	    qlist_collect(queue, &v, &n) == -1)
		fatalx(1, "reason=\"cannot read the queue\" home=%s", home_dir());
	for (size_t i = 0; i < n; i++)
		todo += v[i].state == Q_TODO;
	printf("messages in queue: %zu\n", n);
	printf("messages in queue but not yet preprocessed: %zu\n", todo);
	free(v);
	return fflush(stdout) == 0 ? 0 : 1;
}
