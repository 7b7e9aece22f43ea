/*
 * log.h: the one logging API of stamp.
 *
 * Every line is `program: key=value ...`, written to stderr with a single
 * write(2) so that lines of concurrent processes never interleave. Values
 * that come from outside go through log_quote() so that CR, LF, NUL or
 * quotes can never forge a second log line.
 */
#ifndef STAMP_LOG_H
#define STAMP_LOG_H

#include <stddef.h>
#include <stdnoreturn.h>

#define LOG_LINE_MAX  2048   /* longer lines are cut and end in "..." */
#define LOG_QUOTE_MAX 512    /* a good size for a log_quote() buffer */

/* Name the program for every later line ("stamp-queue"). */
void log_init(const char *progname);
const char *log_progname(void);

/* `prog: <fmt>` */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* `prog: level=warn <fmt> error="<strerror(errno)>"` */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* `prog: level=warn <fmt>` */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like log_warn / log_warnx with level=fatal, then exit(code). */
noreturn void fatal(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void fatalx(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Render len bytes of src as one log value into dst: as they are when every
 * byte is a plain printable without spaces or quotes, else in double quotes
 * with \" \\ \r \n \t and \xHH escapes. Cut with "..." when dst is too small.
 * Returns dst, always NUL-terminated (dstsz must be at least 8).
 */
char *log_quote(char *dst, size_t dstsz, const char *src, size_t len);
/* log_quote() of a C string. */
char *log_quotes(char *dst, size_t dstsz, const char *src);

#endif
