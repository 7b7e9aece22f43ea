/* inj_serve.c: stamp-queue --serve (see inj_serve.h). */
#include "inj_serve.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "log.h"
#include "qexit.h"

static int
one(const struct inject_opts *base, int (*controls)(struct inject_opts *),
    int msgfd, int envfd, struct inject_result *res)
{
	struct inject_opts o = *base;
	char		 q[LOG_QUOTE_MAX];
	int		 code;

	res->id[0] = '\0';
	res->reason = NULL;
	if (controls(&o) == -1)
		code = QX_CONTROL;
	else {
		o.msgfd = msgfd;
		o.envfd = envfd;
		/* The same bound as a stamp-queue per message: a stuck one ends the server. */
		alarm(INJECT_LIFETIME);
		code = inject(&o, res);
		alarm(0);
	}
	if (code != QX_OK)
		log_warnx("reason=%s exit=%d%s%s",
		    log_quotes(q, sizeof q, res->reason ? res->reason : qexit_text(code)),
		    code, res->id[0] ? " id=" : "", res->id);
	return code;
}

int
inject_serve(int sock, const struct inject_opts *base, int (*controls)(struct inject_opts *))
{
	struct inject_result res;
	char		 req[8], reply[QSERVE_REPLY_MAX];
	int		 fds[2], nfds, code;
	ssize_t		 n;

	for (;;) {
		n = fdpass_recv(sock, req, sizeof req, fds, 2, &nfds);
		if (n == 0)
			return 0;
		if (n == -1 && errno != EMSGSIZE) {
			log_warn("action=serve-recv");
			return -1;
		}
		if (n == 1 && req[0] == 'M' && nfds == 2)
			code = one(base, controls, fds[0], fds[1], &res);
		else {
			log_warnx("reason=\"malformed request\" exit=%d", QX_BUG);
			res.id[0] = '\0';
			code = QX_BUG;
		}
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		snprintf(reply, sizeof reply, "%d %s", code, res.id[0] ? res.id : "-");
		if (fdpass_send(sock, reply, strlen(reply), NULL, 0) == -1) {
			if (errno == EPIPE || errno == ECONNRESET)
				return 0;
			log_warn("action=serve-reply");
			return -1;
		}
	}
}
