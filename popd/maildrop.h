/*
 * maildrop.h: a Maildir as one POP3 session sees it.
 *
 * At login the folder is locked (flock on the Maildir folder itself, so a
 * killed session leaves no stale lock: the kernel drops it with the last
 * fd), every message in new/ moves to cur/ with an empty ":2," info, and
 * cur/ is read once into a fixed list in delivery order. Sizes come from
 * ",W=" (Dovecot's size with CRLF line ends) in the name; only a name
 * without one costs a read of its file. Memory is one small record and the
 * name per message. Messages delivered later wait for the next session.
 */
#ifndef STAMP_MAILDROP_H
#define STAMP_MAILDROP_H

#include <stddef.h>
#include <sys/types.h>

#define UIDL_MAX 70	/* RFC 1939 */

struct msg {
	size_t		 name;     /* offset of the file name in the pool */
	size_t		 ulen;     /* length of its unique part (before ":") */
	unsigned long long sec, usec;
	off_t		 size;     /* octets on the wire, CRLF line ends, before stuffing */
	int		 deleted;
};

struct maildrop {
	int		 dirfd, curfd, newfd;
	struct msg	*m;
	size_t		 n, cap;
	char		*pool;
	size_t		 poollen, poolcap;
};

enum md_status { MD_OK = 0, MD_INUSE, MD_ERROR };

/* Lock and scan maildir (path of the folder holding cur/ new/ tmp/). */
enum md_status maildrop_open(struct maildrop *, const char *maildir);
/* The name in cur/ of message i (0-based). */
const char *maildrop_name(const struct maildrop *, size_t i);
/* Its UIDL: the Maildir unique name, or the MD5 of it when that is no valid UIDL. */
void maildrop_uidl(const struct maildrop *, size_t i, char out[UIDL_MAX + 1]);
/* Open message i for reading (found again by its unique name if its flags changed). -1 errno. */
int  maildrop_openmsg(const struct maildrop *, size_t i);
/* Remove the messages marked deleted and fsync cur/. The count that could not be removed. */
size_t maildrop_commit(struct maildrop *);
void maildrop_close(struct maildrop *);

/* Parsing a name, for the scan and its tests. */
/* The size from ",W=" in the unique part; -1 when there is none. */
long long maildrop_name_wsize(const char *name);
/* The length of the unique part (up to ":"). */
size_t maildrop_unique_len(const char *name);
/* The wire size of fd's content (each LF without a CR before it counts 2). -1 errno. */
off_t maildrop_wire_size(int fd);

#endif
