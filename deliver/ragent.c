/* ragent.c: the agent's side of the scheduler's contract (ragent.h). */
#include "ragent.h"

#include <sys/types.h>

#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "buf.h"
#include "home.h"
#include "log.h"
#include "str.h"

int
ragent_drop_root(void)
{
	struct passwd	*pw;

	if (geteuid() != 0)
		return 0;
	if ((pw = getpwnam("stampr")) == NULL) {
		log_warnx("reason=\"started as root, and there is no user stampr\"");
		return -1;
	}
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0 ||
	    setuid(0) == 0) {
		log_warn("action=drop-root");
		return -1;
	}
	return 0;
}

void
ragent_finish(const char *id, struct rs_rcpt *rc, size_t n)
{
	static const char	 code[] = { 'K', 'Z', 'D' };
	struct str		 out = STR_INIT;
	char			 qr[LOG_QUOTE_MAX], qt[LOG_QUOTE_MAX];

	for (size_t i = 0; i < n; i++) {
		if (!rc[i].done)
			dlv_set(&rc[i].res, DLV_TEMP, "4.3.0 no result (internal error)");
		log_info("id=%s rcpt=%s status=%c text=%s", id,
		    log_quotes(qr, sizeof qr, rc[i].addr), code[rc[i].res.status],
		    log_quotes(qt, sizeof qt, rc[i].res.text));
		if (str_appendf(&out, "%c %s\n", code[rc[i].res.status], rc[i].res.text) < 0)
			exit(111);
	}
	if (fd_write_all(1, out.s, out.len, -1) < 0)
		exit(111);
	str_free(&out);
	exit(0);
}

void
ragent_fail_all(const char *id, struct rs_rcpt *rc, size_t n, const char *text)
{
	for (size_t i = 0; i < n; i++)
		if (!rc[i].done) {
			dlv_set(&rc[i].res, DLV_TEMP, "%s", text);
			rc[i].done = 1;
		}
	ragent_finish(id, rc, n);
}

void
ragent_start(struct ragent_run *r, const char *prog, int argc, char **argv,
    void (*usage)(void))
{
	static const struct option opts[] = {
		{ "home", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*home = NULL;
	int		 c;

	log_init(prog);
	signal(SIGPIPE, SIG_IGN);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'd')
			usage();
		home = optarg;
	}
	if (argc - optind < 4 || argc - optind - 3 > RAGENT_RCPTS_MAX)
		usage();
	memset(r, 0, sizeof *r);
	r->id = argv[optind];
	r->target = argv[optind + 2];
	r->n = (size_t)(argc - optind - 3);
	if ((r->rc = calloc(r->n, sizeof *r->rc)) == NULL)
		fatal(111, "calloc");
	for (size_t i = 0; i < r->n; i++)
		r->rc[i].addr = argv[optind + 3 + i];
	r->m.sender = argv[optind + 1];
	r->m.fd = 0;
	if (home_init(home) == -1)
		ragent_fail_all(r->id, r->rc, r->n, "4.3.5 the home path is too long");
	if (ragent_drop_root() < 0)
		ragent_fail_all(r->id, r->rc, r->n, "4.3.0 cannot become the user stampr");
}

void
ragent_read_message(struct ragent_run *r)
{
	struct addr	 sa;

	if (r->m.sender[0] != '\0') {
		if (addr_parse_mailbox(r->m.sender, strlen(r->m.sender), ADDR_UTF8, &sa) != ADDR_OK)
			ragent_fail_all(r->id, r->rc, r->n,
			    "5.1.7 the envelope sender is not a valid mailbox");
		r->m.utf8 |= sa.has_8bit;
	}
	if (rdata_scan(0, &r->m.info) < 0) {
		log_warn("id=%s action=read-message", r->id);
		ragent_fail_all(r->id, r->rc, r->n, "4.3.0 cannot read the queued message");
	}
}
