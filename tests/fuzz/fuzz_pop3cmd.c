/*
 * fuzz_pop3cmd.c: one POP3 command line. Properties: arguments point into
 * the command's own buffer and hold no space, CR or LF; message numbers
 * parsed are within the bound asked for.
 */
#include <string.h>

#include "popd/pop3cmd.h"
#include "tests/fuzz/fuzz.h"

static int
inside(const struct pop3_cmd *c, const char *p)
{
	return p >= c->buf && p < c->buf + sizeof c->buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pop3_cmd	 c;
	size_t		 no;
	long		 count;

	if (pop3_parse((const char *)data, size, &c) != PP_OK)
		return 0;
	FUZZ_ASSERT(c.nargs >= 0 && c.nargs <= POP3_ARGS_MAX + 1);
	for (int i = 0; i < c.nargs && i < POP3_ARGS_MAX; i++) {
		FUZZ_ASSERT(inside(&c, c.arg[i]));
		FUZZ_ASSERT(strpbrk(c.arg[i], "\r\n") == NULL);
		if (c.verb != P_PASS)
			FUZZ_ASSERT(strchr(c.arg[i], ' ') == NULL);
		if (pop3_msgno(c.arg[i], 50000, &no))
			FUZZ_ASSERT(no >= 1 && no <= 50000);
		if (pop3_count(c.arg[i], &count))
			FUZZ_ASSERT(count >= 0);
	}
	if (c.rest != NULL)
		FUZZ_ASSERT(inside(&c, c.rest) && strpbrk(c.rest, "\r\n") == NULL);
	return 0;
}
