/*
 * privdrop.h: give up root for a named user, for good.
 */
#ifndef STAMP_PRIVDROP_H
#define STAMP_PRIVDROP_H

/*
 * Become user (its uid, its primary gid and its supplementary groups) and
 * check that it held: real and effective ids are the user's and setuid(0)
 * fails. Refuses a user whose uid or gid is 0. 0, or -1 after a log line
 * naming the user.
 */
int priv_drop(const char *user);

#endif
