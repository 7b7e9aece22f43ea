/* inj_opts.c: sendmail's command line (see inj_opts.h). */
#include "inj_opts.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

/* Options taking a value; their effect, when any, is in apply(). */
static const char with_arg[] = "BCFNLORVXbdefhopqr";
/* Options of sendmail that change nothing here (stamp always queues, always bounces). */
static const char ignored[] = "GUimnsvx";
/* -o values that change nothing here: error modes, delivery modes, me-too, old headers, 7/8 bit. */
static const char ignored_o[] = "edmosL78";

static int __attribute__((format(printf, 3, 4)))
usage(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return EX_USAGE;
}

static int
mode_b(struct inj_opts *o, const char *v, char *err, size_t errsz)
{
	if (strcmp(v, "m") == 0)
		o->mode = MODE_DELIVER;
	else if (strcmp(v, "p") == 0)
		o->mode = MODE_LIST;
	else if (strcmp(v, "s") == 0)
		o->mode = MODE_SMTP;
	else if (strcmp(v, "i") == 0)
		o->mode = MODE_ALIASES;
	else if (strcmp(v, "d") == 0)
		return usage(err, errsz, "-b%s: stamp-inject is no daemon; run stamp-run, "
		    "or stamp-smtpd under tcpserver", v);
	else
		return usage(err, errsz, "-b%s: not supported (use -bm, -bp, -bs or -bi)", v);
	return 0;
}

/* Option c with its value v (NULL for a flag). */
static int
apply(struct inj_opts *o, char c, const char *v, char *err, size_t errsz)
{
	switch (c) {
	case 't':
		o->extract = 1;
		return 0;
	case 'i':
		o->dot_ends = 0;
		return 0;
	case 'I':
		o->mode = MODE_ALIASES;
		return 0;
	case 'f': case 'r':
		o->sender = v;
		return 0;
	case 'F':
		o->fullname = v;
		return 0;
	case 'b':
		return mode_b(o, v, err, errsz);
	case 'q':
		if (v != NULL && v[0] != '\0')
			return usage(err, errsz, "-q%s: stamp-send retries by itself; only a "
			    "plain -q (retry everything now) is supported", v);
		o->mode = MODE_FLUSH;
		return 0;
	case 'o':
		if (v[0] == 'i' && v[1] == '\0') {
			o->dot_ends = 0;
			return 0;
		}
		if (strchr(ignored_o, v[0]) != NULL && v[0] != '\0')
			return 0;
		return usage(err, errsz, "-o%s: not supported (harmless -o options such as "
		    "-oi, -oem, -odb are accepted)", v);
	case 'B': case 'e': case 'h': case 'L': case 'N': case 'O': case 'R': case 'V': case 'p':
		return 0;  /* body type, error mode, hop count, log label, DSN, option, protocol */
	case 'C': case 'X': case 'd':
		return usage(err, errsz, "-%s: not supported (stamp reads STAMP_HOME/control)",
		    c == 'C' ? "C" : c == 'X' ? "X" : "d");
	default:
		if (strchr(ignored, c) != NULL)
			return 0;
		snprintf(err, errsz, "unknown option -%c; see stamp-inject(8)", c);
		return EX_USAGE;
	}
}

/* One argument of bundled options; *i moves on when a value is the next argument. */
static int
one_arg(struct inj_opts *o, int argc, char *const argv[], int *i, char *err, size_t errsz)
{
	const char *a = argv[*i];

	for (size_t k = 1; a[k] != '\0'; k++) {
		char c = a[k];
		const char *v;
		int r;

		if (strchr(with_arg, c) == NULL) {
			if ((r = apply(o, c, NULL, err, errsz)) != 0)
				return r;
			continue;
		}
		v = a + k + 1;
		/* -q takes its value only when attached; the others take the next argument too. */
		if (*v == '\0' && c != 'q') {
			if (*i + 1 >= argc) {
				snprintf(err, errsz, "option -%c needs a value", c);
				return EX_USAGE;
			}
			v = argv[++*i];
		}
		return apply(o, c, v, err, errsz);
	}
	return 0;
}

int
inj_opts_parse(int argc, char *const argv[], struct inj_opts *o, char *err, size_t errsz)
{
	const char *name = argc > 0 && argv[0] != NULL ? argv[0] : "sendmail";
	const char *slash = strrchr(name, '/');
	int i;

	*o = (struct inj_opts){ .mode = MODE_DELIVER, .dot_ends = 1 };
	err[0] = '\0';
	if (strcmp(slash ? slash + 1 : name, "mailq") == 0)
		o->mode = MODE_LIST;
	for (i = 1; i < argc; i++) {
		int r;

		if (strcmp(argv[i], "--help") == 0) {
			o->mode = MODE_HELP;
			continue;
		}
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			break;
		if ((r = one_arg(o, argc, argv, &i, err, errsz)) != 0)
			return r;
	}
	o->rcpt = argv + i;
	o->nrcpt = (size_t)(argc - i);
	return 0;
}
