/* cktmp.h: scratch folders and in-memory message files for check suites. */
#ifndef STAMP_CKTMP_H
#define STAMP_CKTMP_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "fsutil.h"

/* Remove a scratch folder made with mkdtemp (its name has no quote). */
static inline void
ck_rmtree(const char *dir)
{
	char	 cmd[256];

	ck_assert_ptr_null(strchr(dir, '\''));
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A scratch folder /tmp/NAME.XXXXXX into dir, with the given subfolders ("" ends the list). */
static inline void
ck_scratch(char *dir, size_t dirsz, const char *name, const char *const *subs)
{
	char	 p[512];

	snprintf(dir, dirsz, "/tmp/%s.XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (; subs != NULL && *subs != NULL; subs++) {
		snprintf(p, sizeof p, "%s/%s", dir, *subs);
		ck_assert_int_eq(mkdir(p, 0755), 0);
	}
}

/* Write dir/rel (atomically, mode 0644) with text. */
static inline void
ck_put(const char *dir, const char *rel, const char *text)
{
	char	 p[512];

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	ck_assert_int_eq(write_file_atomic(p, text, strlen(text), 0644), 0);
}

/* A memfd holding p[0..n), its offset at the end (readers use pread). */
static inline int
ck_memfd(const void *p, size_t n)
{
	int	 fd = memfd_create("msg", 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_full(fd, p, n), 0);
	return fd;
}

#endif
