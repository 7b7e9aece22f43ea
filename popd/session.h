/*
 * session.h: one POP3 session, split by privilege (stamp-popd(8), DESIGN).
 *
 *   P, the session's first process (root under tcpserver/inetd as root),
 *     forks A and waits for login requests from it over a socketpair;
 *   A drops to stampd and speaks AUTHORIZATION on the client's fds; it
 *     holds no mailbox access. For a login it sends P the credentials and
 *     the client bytes it already read past the command, and waits;
 *   P runs the checkpassword program (stamp-checkpw) with the credentials
 *     on fd 3, the leftover bytes on fd 4, a verdict pipe on fd 5, and the
 *     client on fds 0 and 1; on success it becomes the user and runs
 *     `stamp-popd --transaction`, T, which writes "K" on fd 5 and serves the
 *     TRANSACTION and UPDATE states. P tells A the verdict: A exits
 *     quietly after a success, answers -ERR after a failure.
 * Not root: the same processes, all as the invoking user.
 */
#ifndef STAMP_SESSION_H
#define STAMP_SESSION_H

#define SESSION_LEFTOVER_MAX 4096   /* the size of A's input buffer */

/* Serve one client on rfd/wfd (closed when it returns); returns the exit code. */
int popd_session(int rfd, int wfd);
/* stamp-popd --transaction: the part after a successful login. */
int popd_transaction(void);

#endif
