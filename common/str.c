/*
 * str.c: growable byte strings (see str.h).
 *
 * Growth doubles the capacity so that appending byte by byte stays linear;
 * every size computation is checked, because lengths often come from peers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

int
str_reserve(struct str *sp, size_t extra)
{
	size_t	 need, ncap;
	char	*p;

	if (extra > STR_MAX || sp->len > STR_MAX - extra) {
		errno = EOVERFLOW;
		return -1;
	}
	need = sp->len + extra + 1;
	if (need <= sp->cap)
		return 0;
	ncap = sp->cap < 64 ? 64 : sp->cap;
	while (ncap < need)
		ncap *= 2;
	if (ncap > STR_MAX + 1)
		ncap = STR_MAX + 1;
	if ((p = realloc(sp->s, ncap)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	sp->s = p;
	sp->cap = ncap;
	return 0;
}

int
str_append(struct str *sp, const void *src, size_t n)
{
	if (str_reserve(sp, n) == -1)
		return -1;
	if (n > 0)
		memmove(sp->s + sp->len, src, n);
	sp->len += n;
	sp->s[sp->len] = '\0';
	return 0;
}

int
str_appends(struct str *sp, const char *s)
{
	return str_append(sp, s, strlen(s));
}

int
str_appendc(struct str *sp, char c)
{
	return str_append(sp, &c, 1);
}

int
str_vappendf(struct str *sp, const char *fmt, va_list ap)
{
	va_list	 aq;
	int	 n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		errno = EINVAL;
		return -1;
	}
	if (str_reserve(sp, (size_t)n) == -1)
		return -1;
	vsnprintf(sp->s + sp->len, (size_t)n + 1, fmt, ap);
	sp->len += (size_t)n;
	return 0;
}

int
str_appendf(struct str *sp, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = str_vappendf(sp, fmt, ap);
	va_end(ap);
	return rc;
}

int
str_set(struct str *sp, const void *src, size_t n)
{
	size_t	 old = sp->len;

	sp->len = 0;
	if (str_append(sp, src, n) == -1) {
		sp->len = old;
		return -1;
	}
	return 0;
}

int
str_sets(struct str *sp, const char *s)
{
	return str_set(sp, s, strlen(s));
}

void
str_truncate(struct str *sp, size_t len)
{
	if (len >= sp->len)
		return;
	sp->len = len;
	sp->s[len] = '\0';
}

void
str_clear(struct str *sp)
{
	sp->len = 0;
	if (sp->s != NULL)
		sp->s[0] = '\0';
}

void
str_free(struct str *sp)
{
	free(sp->s);
	sp->s = NULL;
	sp->len = sp->cap = 0;
}

void
str_free_secret(struct str *sp)
{
	if (sp->s != NULL)
		explicit_bzero(sp->s, sp->cap);
	str_free(sp);
}
