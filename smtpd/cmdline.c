/* cmdline.c: command lines, paths and ESMTP parameters (see cmdline.h). */
#include "cmdline.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

enum cmd_status
cmd_split(char *line, size_t len, struct cmdline *out)
{
	size_t	 v = 0;
	char	*p;

	out->verb[0] = '\0';
	out->arg = line + len;
	out->arglen = 0;
	if (memchr(line, '\0', len) != NULL)
		return CMD_NUL;
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	while (len > 0 && line[len - 1] == ' ')
		line[--len] = '\0';
	if (len == 0)
		return CMD_EMPTY;
	for (p = line; *p != '\0' && *p != ' '; p++) {
		if (!isalpha((unsigned char)*p) || v == SMTP_VERB_MAX)
			return CMD_BADVERB;
		out->verb[v++] = (char)toupper((unsigned char)*p);
	}
	out->verb[v] = '\0';
	if (*p == ' ')
		p++;
	out->arg = p;
	out->arglen = (size_t)(line + len - p);
	return CMD_OK;
}

enum path_status
cmd_path(const char *arg, const char *keyword, unsigned flags, struct addr *a,
    enum addr_error *err, const char **params)
{
	size_t	 kl = strlen(keyword), used = 0, len;

	*params = "";
	*err = ADDR_OK;
	if (strncasecmp(arg, keyword, kl) != 0 || arg[kl] != ':')
		return PATH_NOKEYWORD;
	arg += kl + 1;
	while (*arg == ' ')
		arg++;
	len = strlen(arg);
	if ((*err = addr_parse_path(arg, len, flags, a, &used)) != ADDR_OK)
		return PATH_BAD;
	arg += used;
	if (*arg == '\0')
		return PATH_OK;
	if (*arg != ' ')
		return PATH_TRAILING;
	while (*arg == ' ')
		arg++;
	*params = arg;
	return PATH_OK;
}

/* esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-") */
static int
keyword_ok(const char *k, size_t n)
{
	if (n == 0 || !isalnum((unsigned char)k[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)k[i]) && k[i] != '-')
			return 0;
	return 1;
}

/* esmtp-value = 1*(%d33-60 / %d62-126) (RFC 6531 adds UTF-8: not for ours) */
static int
value_ok(const char *v, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 33 || c > 126 || c == '=')
			return 0;
	}
	return 1;
}

static int
is_kw(const char *k, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(k, name, n) == 0;
}

/* SIZE=digits; an absurd number of digits is "too big", never a wrap. */
static int
size_value(const char *v, size_t n, unsigned long long *out)
{
	unsigned long long x = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return -1;
		if (x > (ULLONG_MAX - 9) / 10)
			x = ULLONG_MAX;
		else
			x = x * 10 + (unsigned)(v[i] - '0');
	}
	*out = x;
	return 0;
}

/* One parameter k[0..kn) = v[0..vn) (v NULL: no "="). */
static enum param_status
mail_param(const char *k, size_t kn, const char *v, size_t vn,
    struct mail_params *p, unsigned *seen)
{
	if (is_kw(k, kn, "SIZE")) {
		if (*seen & 1 || v == NULL || size_value(v, vn, &p->size) == -1)
			return PARAM_SYNTAX;
		*seen |= 1;
		p->has_size = 1;
	} else if (is_kw(k, kn, "BODY")) {
		if (*seen & 2 || v == NULL)
			return PARAM_SYNTAX;
		*seen |= 2;
		if (is_kw(v, vn, "8BITMIME"))
			p->body8 = 1;
		else if (!is_kw(v, vn, "7BIT"))
			return PARAM_UNKNOWN;   /* BINARYMIME is not offered */
	} else if (is_kw(k, kn, "SMTPUTF8")) {
		if (*seen & 4 || v != NULL)
			return PARAM_SYNTAX;
		*seen |= 4;
		p->smtputf8 = 1;
	} else if (is_kw(k, kn, "AUTH")) {
		/* RFC 4954 5: the submitter's identity; we trust our own AUTH only. */
		if (*seen & 8 || v == NULL)
			return PARAM_SYNTAX;
		*seen |= 8;
	} else
		return PARAM_UNKNOWN;
	return PARAM_OK;
}

/* Walk "k[=v] k[=v]..."; p NULL: no parameter is known (RCPT). */
static enum param_status
each_param(const char *s, struct mail_params *p, const char **bad)
{
	unsigned seen = 0;

	while (*s != '\0') {
		const char *end = strchr(s, ' '), *eq;
		size_t n = end != NULL ? (size_t)(end - s) : strlen(s), kn, vn = 0;
		enum param_status st;

		eq = memchr(s, '=', n);
		kn = eq != NULL ? (size_t)(eq - s) : n;
		if (eq != NULL)
			vn = n - kn - 1;
		*bad = "parameter";
		if (!keyword_ok(s, kn) || (eq != NULL && !value_ok(eq + 1, vn)))
			return PARAM_SYNTAX;
		if (p == NULL)
			return PARAM_UNKNOWN;
		if ((st = mail_param(s, kn, eq != NULL ? eq + 1 : NULL, vn, p, &seen)) != PARAM_OK)
			return st;
		s += n;
		while (*s == ' ')
			s++;
	}
	return PARAM_OK;
}

enum param_status
cmd_mail_params(const char *s, struct mail_params *p, const char **bad)
{
	memset(p, 0, sizeof *p);
	return each_param(s, p, bad);
}

enum param_status
cmd_rcpt_params(const char *s, const char **bad)
{
	return each_param(s, NULL, bad);
}

int
cmd_parse_bdat(const char *arg, unsigned long long *size, int *last)
{
	const char	*sp = strchr(arg, ' ');
	size_t		 n = sp != NULL ? (size_t)(sp - arg) : strlen(arg);

	*last = 0;
	/* 20 digits overflow nothing we could ever read; more is nonsense. */
	if (n == 0 || n > 19 || size_value(arg, n, size) == -1)
		return -1;
	if (sp == NULL)
		return 0;
	if (strcasecmp(sp + 1, "LAST") != 0)
		return -1;
	*last = 1;
	return 0;
}
