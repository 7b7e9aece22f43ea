/*
 * bounce_dump.c: print the bounce that bounce_build() makes, for tests.
 *
 * usage: bounce_dump [-d] [-m max_return] [-s sender] [-t to] [-i id]
 *            [-M me] [-r remote_mta] MESSAGE-FILE RCPT TEXT [RCPT TEXT ...]
 *
 * -d makes a double bounce; -t defaults to the sender; -r (the Remote-MTA)
 * applies to every recipient. The bounce goes to stdout.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "str.h"
#include "queue/bounce.h"

static void
usage(void)
{
	fprintf(stderr, "usage: bounce_dump [-d] [-m max_return] [-s sender] "
	    "[-t to] [-i id] [-M me] [-r remote_mta] file rcpt text [rcpt text ...]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct bounce_info	 bi;
	struct bounce_rcpt	*r;
	struct str		 out = STR_INIT;
	const char		*remote = NULL, *errstr;
	size_t			 n;
	int			 ch, fd;

	log_init("bounce_dump");
	memset(&bi, 0, sizeof bi);
	bi.me = "mx.example.org";
	bi.bouncefrom = "MAILER-DAEMON";
	bi.id = "5f0a1b2c3d4e5f60";
	bi.sender = "sender@example.org";
	bi.to = NULL;
	bi.now = time(NULL);
	bi.arrival = bi.now - 3600;
	bi.max_return = 128 * 1024;
	while ((ch = getopt(argc, argv, "di:m:M:r:s:t:")) != -1) {
		switch (ch) {
		case 'd':
			bi.is_double = 1;
			break;
		case 'i':
			bi.id = optarg;
			break;
		case 'm':
			bi.max_return = (size_t)strtonum(optarg, 0, BOUNCE_RETURN_CAP, &errstr);
			if (errstr != NULL)
				fatalx(2, "max_return=%s: %s", optarg, errstr);
			break;
		case 'M':
			bi.me = optarg;
			break;
		case 'r':
			remote = optarg;
			break;
		case 's':
			bi.sender = optarg;
			break;
		case 't':
			bi.to = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3 || argc % 2 == 0)
		usage();
	if (bi.to == NULL)
		bi.to = bi.sender;
	if ((fd = open(argv[0], O_RDONLY | O_CLOEXEC)) == -1)
		fatal(1, "open %s", argv[0]);
	n = (size_t)(argc - 1) / 2;
	if ((r = calloc(n, sizeof *r)) == NULL)
		fatal(1, "calloc");
	for (size_t i = 0; i < n; i++) {
		r[i].rcpt = argv[1 + 2 * i];
		r[i].text = argv[2 + 2 * i];
		r[i].remote_mta = remote;
		r[i].when = bi.now - 60;
	}
	bi.rcpts = r;
	bi.nrcpts = n;
	bi.msgfd = fd;
	if (bounce_build(&bi, &out) == -1)
		fatal(1, "bounce_build");
	if (write_full(STDOUT_FILENO, out.s, out.len) == -1)
		fatal(1, "write");
	str_free(&out);
	free(r);
	close(fd);
	return 0;
}
