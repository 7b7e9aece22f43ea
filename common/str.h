/*
 * str.h: a growable byte string with checked arithmetic.
 *
 * s is always NUL-terminated once anything was stored (the NUL is not counted
 * in len), so text can be passed to libc; the content itself may hold NULs.
 * Every growing call returns 0, or -1 with errno ENOMEM or EOVERFLOW and the
 * string unchanged. A string never grows past STR_MAX.
 */
#ifndef STAMP_STR_H
#define STAMP_STR_H

#include <stdarg.h>
#include <stddef.h>

#define STR_MAX ((size_t)1 << 30)
#define STR_INIT { NULL, 0, 0 }

struct str {
	char   *s;
	size_t  len;
	size_t  cap;
};

int  str_reserve(struct str *, size_t extra);   /* room for len + extra + NUL */
int  str_append(struct str *, const void *, size_t);
int  str_appends(struct str *, const char *);
int  str_appendc(struct str *, char);
int  str_appendf(struct str *, const char *, ...) __attribute__((format(printf, 2, 3)));
int  str_vappendf(struct str *, const char *, va_list) __attribute__((format(printf, 2, 0)));
int  str_set(struct str *, const void *, size_t);
int  str_sets(struct str *, const char *);
void str_truncate(struct str *, size_t len);    /* no-op when len >= current */
void str_clear(struct str *);                   /* len = 0, keeps memory */
void str_free(struct str *);                    /* back to STR_INIT */
void str_free_secret(struct str *);             /* explicit_bzero, then free */

#endif
