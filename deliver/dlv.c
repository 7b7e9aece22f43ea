/* dlv.c: delivery results. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "dlv.h"

void
dlv_set(struct dlv_result *r, enum dlv_status st, const char *fmt, ...)
{
	va_list	 ap;

	r->status = st;
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof r->text, fmt, ap);
	va_end(ap);
	/* One line, always: it travels in a result line and a log value. */
	for (char *p = r->text; *p != '\0'; p++)
		if ((unsigned char)*p < 32 || *p == 127)
			*p = ' ';
}

enum dlv_status
dlv_errno_status(int err)
{
	switch (err) {
	case ENOTDIR:
	case ELOOP:
	case EISDIR:
	case ENAMETOOLONG:
		return DLV_PERM;	/* the mailbox path itself is wrong */
	default:
		return DLV_TEMP;	/* ENOSPC, EDQUOT, EIO, EACCES, ENOMEM...: may pass */
	}
}

const char *
dlv_errno_code(int err)
{
	if (dlv_errno_status(err) == DLV_PERM)
		return "5.2.0";		/* other or undefined mailbox status */
	if (err == EDQUOT)
		return "4.2.2";		/* mailbox full */
	return "4.3.0";			/* other or undefined mail system status */
}
