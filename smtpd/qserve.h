/*
 * qserve.h: the stamp-queue --serve a stamp-smtpd process keeps running
 * (queue/inj_serve.h has the protocol and the reason).
 *
 * Started at the first message, through posix_spawn as any queue program
 * is (so a set-user-ID stamp-queue runs as stampq, as per message), and
 * used for every later message of every session this process serves. It
 * ends when this process does (its end of the socket closes). When it is
 * found gone, its exit code is the message's; an idle one that died is
 * started again for the next message.
 */
#ifndef STAMP_SMTPD_QSERVE_H
#define STAMP_SMTPD_QSERVE_H

#include <stddef.h>

/*
 * Inject msgfd and envfd (both at offset 0) through the server prog.
 * Returns the exit code the message got (qexit.h), 256 + a signal when
 * the server was killed, or -1 with errno (it could not be started or did
 * not answer within wait_ms). qid gets the queue ID on success.
 */
int qserve_inject(const char *prog, int msgfd, int envfd, int wait_ms, char *qid, size_t qidsz);

#endif
