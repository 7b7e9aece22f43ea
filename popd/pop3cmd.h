/*
 * pop3cmd.h: one POP3 command line, parsed (RFC 1939, RFC 2449).
 *
 * A command is a keyword, case-insensitive, and arguments separated by
 * single spaces; the line is at most POP3_LINE_MAX octets with its CRLF.
 * PASS takes the rest of the line as one argument (passwords may hold
 * spaces, as most servers allow).
 */
#ifndef STAMP_POP3CMD_H
#define STAMP_POP3CMD_H

#include <stddef.h>

#define POP3_LINE_MAX 255
#define POP3_ARGS_MAX 2

enum pop3_verb {
	P_UNKNOWN = 0, P_USER, P_PASS, P_APOP, P_AUTH, P_QUIT, P_STAT, P_LIST, P_RETR,
	P_DELE, P_NOOP, P_RSET, P_TOP, P_UIDL, P_CAPA, P_STLS,
};

struct pop3_cmd {
	enum pop3_verb	 verb;
	int		 nargs;                 /* POP3_ARGS_MAX + 1: too many */
	char		 buf[POP3_LINE_MAX + 1];
	char		*arg[POP3_ARGS_MAX];    /* into buf */
	char		*rest;                  /* everything after the keyword and one space */
};

enum pop3_parse { PP_OK, PP_EMPTY, PP_BAD };

/* Parse one line as read (CRLF or LF included, len octets). */
enum pop3_parse pop3_parse(const char *line, size_t len, struct pop3_cmd *c);
/* A message number: 1..max written in plain decimal. 1 and *out, or 0. */
int pop3_msgno(const char *s, size_t max, size_t *out);
/* A line count for TOP: any plain decimal up to a bound. */
int pop3_count(const char *s, long *out);

#endif
