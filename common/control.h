/*
 * control.h: the control files of STAMP_HOME/control, declared once.
 *
 * Each setting has one entry in the table of control.c: its name, its type,
 * its default and its bounds. Programs read settings only through these
 * calls, so a name or a default lives in exactly one place, and
 * stamp-control(5) documents that table.
 *
 * File syntax: one item per line; "#" starts a comment (to the end of the
 * line); leading and trailing white space is dropped; blank lines are
 * skipped. A missing file means the default. A file that exists but cannot
 * be read, has a line over CTL_LINE_MAX octets, a NUL byte, or a value of the
 * wrong type or out of bounds is an error: the caller gets -1 and an errno
 * (EINVAL for bad content), and a message was logged naming file and line.
 */
#ifndef STAMP_CONTROL_H
#define STAMP_CONTROL_H

#include <stddef.h>

#include "str.h"

#define CTL_LINE_MAX  1000
#define CTL_FILE_MAX  (16 * 1024 * 1024)

enum ctl_type {
	CTL_STRING,   /* the first item */
	CTL_NUMBER,   /* the first item: a decimal number within [min, max] */
	CTL_LIST,     /* every item */
};

struct ctl_def {
	const char   *name;
	enum ctl_type type;
	const char   *def;        /* default text ("" none); for lists, items split by "\n" */
	const char   *def_from;   /* or: the default is this other setting's value */
	long long     min, max;   /* CTL_NUMBER bounds */
	const char   *summary;    /* one line, for stamp-control(5) and `stamp-run --check` */
};

struct ctl_list {
	char  **items;
	size_t  n;
};

/* The table, ending in an entry whose name is NULL. */
extern const struct ctl_def ctl_table[];
/* The entry for name, or NULL (a program asking for an undeclared name is a bug). */
const struct ctl_def *ctl_lookup(const char *name);

/* Read a declared setting from home_dir()/control/NAME. 0, or -1 with errno. */
int  ctl_string(const char *name, struct str *out);
int  ctl_number(const char *name, long long *out);
int  ctl_list(const char *name, struct ctl_list *out);

/*
 * Read any file in control-file syntax (also for files outside control/).
 * Returns 1 when read, 0 when it does not exist (out is then empty), -1 on
 * error.
 */
int  ctl_read_file(const char *path, struct ctl_list *out);
/* Append a copy of s[0..len) as an item. 0, or -1 (ENOMEM). */
int  ctl_list_add(struct ctl_list *, const char *s, size_t len);
/* Is s (ASCII-case-insensitively) one of the items? */
int  ctl_list_has(const struct ctl_list *, const char *s);
void ctl_list_free(struct ctl_list *);

#endif
