/* ragent.c: the agent's side of the scheduler's contract (ragent.h). */
#include "ragent.h"

#include <sys/types.h>

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
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
