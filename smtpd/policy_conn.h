/*
 * policy_conn.h: reach one policy service and hold one exchange with it,
 * all within one deadline.
 */
#ifndef STAMP_POLICY_CONN_H
#define STAMP_POLICY_CONN_H

#include <stddef.h>
#include <sys/types.h>

#include "control.h"
#include "str.h"
#include "policy_proto.h"

#define POLICY_ARGS_MAX 16

enum policy_kind { PK_INET, PK_UNIX, PK_EXEC };

struct policy_service {
	enum policy_kind kind;
	int   at_rcpt, at_eom;         /* stages it is asked at */
	char  spec[CTL_LINE_MAX + 1];      /* the line as written, for the log */
	char  host[256], port[16];     /* inet */
	char  path[256];               /* unix socket, or exec program */
	char *argv[POLICY_ARGS_MAX + 2];
	char  argmem[CTL_LINE_MAX + 1];
};

/*
 * Parse one control/policy line. 0, or -1 with *why saying what is wrong.
 */
int policy_service_parse(const char *line, struct policy_service *, const char **why);

/*
 * Send request to the service and read its answer into action, within
 * timeout_ms for everything. PREAD_OK, or what went wrong (PREAD_ERROR
 * with errno for connect, write, spawn and timeouts).
 */
enum policy_read policy_exchange(const struct policy_service *, const char *request,
                                 size_t len, int timeout_ms, struct str *action);

/*
 * The same over an already connected fd (the socket-pair tests use it);
 * the fd is not closed.
 */
enum policy_read policy_exchange_fd(int fd, const char *request, size_t len,
                                    long long deadline_ms, struct str *action);

/* Milliseconds on the monotonic clock. */
long long policy_now_ms(void);

#endif
