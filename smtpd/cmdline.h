/*
 * cmdline.h: an SMTP command line taken apart: the verb, MAIL and RCPT
 * paths, and ESMTP parameters (RFC 5321 4.1.2, RFC 1870, RFC 6152,
 * RFC 6531, RFC 4954 5). Pure: the check suite feeds it every form.
 */
#ifndef STAMP_SMTPD_CMDLINE_H
#define STAMP_SMTPD_CMDLINE_H

#include <stddef.h>

#include "address.h"

#define SMTP_LINE_MAX    512     /* a command line, CR LF included (RFC 5321 4.5.3.1.4) */
#define SMTP_AUTHLINE_MAX 12288  /* an AUTH line (RFC 4954 4) */
#define SMTP_VERB_MAX    15

enum cmd_status {
	CMD_OK,
	CMD_NUL,      /* a NUL byte in the line */
	CMD_EMPTY,    /* nothing but the line end */
	CMD_BADVERB,  /* the verb is not letters, or too long */
};

struct cmdline {
	char		 verb[SMTP_VERB_MAX + 1];  /* upper case */
	char		*arg;                      /* after one space; "" when none */
	size_t		 arglen;
};

/*
 * Take line[0..len) apart in place: its CR LF (or bare LF) is cut off, the
 * verb upper-cased. The argument keeps its own spaces, less trailing ones.
 */
enum cmd_status cmd_split(char *line, size_t len, struct cmdline *out);

/* MAIL FROM:<path> and RCPT TO:<path> */
enum path_status {
	PATH_OK,
	PATH_NOKEYWORD,  /* no "FROM:" / "TO:" */
	PATH_BAD,        /* the path does not parse (addr_error says why) */
	PATH_TRAILING,   /* something after the path that is not " params" */
};

/*
 * Parse "FROM:<path> params" (keyword "FROM") into a; *params points at the
 * parameters ("" when none). One or more spaces after the colon are
 * tolerated, as most servers do.
 */
enum path_status cmd_path(const char *arg, const char *keyword, unsigned flags,
    struct addr *a, enum addr_error *err, const char **params);

struct mail_params {
	int			 has_size;
	unsigned long long	 size;      /* SIZE=; ULLONG_MAX when too many digits */
	int			 body8;     /* BODY=8BITMIME */
	int			 smtputf8;  /* SMTPUTF8 */
};

enum param_status {
	PARAM_OK,
	PARAM_SYNTAX,    /* not keyword[=value] ...: 501 5.5.4 */
	PARAM_UNKNOWN,   /* a keyword or value we do not implement: 555 5.5.4 */
};

/* The parameters of MAIL FROM; *bad names the offending keyword (static text). */
enum param_status cmd_mail_params(const char *s, struct mail_params *p, const char **bad);
/* RCPT TO takes none (no DSN): PARAM_OK only for "". */
enum param_status cmd_rcpt_params(const char *s, const char **bad);

/* "BDAT size [LAST]": 0, or -1 when malformed. */
int cmd_parse_bdat(const char *arg, unsigned long long *size, int *last);

#endif
