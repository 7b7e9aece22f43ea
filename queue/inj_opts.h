/*
 * inj_opts.h: the command line of sendmail, as stamp-inject understands it.
 *
 * Options come first, bundled or not ("-ti", "-oi", "-f x", "-fx"), up to
 * "--" or the first argument that is not an option; the rest are
 * recipients. The name the program was called by counts: "mailq" is -bp,
 * "newaliases" is -bi.
 */
#ifndef STAMP_INJ_OPTS_H
#define STAMP_INJ_OPTS_H

#include <stddef.h>

enum inj_mode {
	MODE_DELIVER,     /* -bm, the default: read a message and queue it */
	MODE_LIST,        /* -bp, mailq: stamp-qread */
	MODE_FLUSH,       /* -q: stamp-qflush */
	MODE_SMTP,        /* -bs: an SMTP session on stdin/stdout (stamp-smtpd) */
	MODE_ALIASES,     /* -bi, newaliases: nothing to rebuild */
	MODE_HELP,        /* --help (sendmail's -h is the hop count) */
};

struct inj_opts {
	enum inj_mode  mode;
	int            extract;     /* -t */
	int            dot_ends;    /* a line "." ends the message (no -i / -oi) */
	const char    *sender;      /* -f or -r; NULL: the default */
	const char    *fullname;    /* -F */
	char *const   *rcpt;        /* the recipients on the command line */
	size_t         nrcpt;
};

#define INJ_ERR_MAX 160

/*
 * Parse argv (argv[0] is the name invoked). 0; or a sysexits.h code with
 * err set to a sentence (EX_USAGE for a misuse).
 */
int inj_opts_parse(int argc, char *const argv[], struct inj_opts *o, char *err, size_t errsz);

#endif
