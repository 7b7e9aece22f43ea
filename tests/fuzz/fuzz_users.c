/*
 * fuzz_users.c: one line of STAMP_HOME/users. Properties: a parsed entry
 * has a folded name that can be a folder under mail/ (no "/", no leading
 * ".", no blanks), fields without the separator, and its Maildir path, when
 * one is made, ends in "/".
 */
#include <ctype.h>
#include <string.h>

#include "home.h"
#include "users.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			 line[2048], path[PATH_MAX];
	struct user_entry	 e;

	if (size >= sizeof line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (users_parse_line(line, &e) != 0)
		return 0;
	FUZZ_ASSERT(e.name[0] != '\0' && e.name[0] != '.' && strpbrk(e.name, "/ \t") == NULL);
	for (const char *p = e.name; *p; p++)
		FUZZ_ASSERT(!isupper((unsigned char)*p));
	FUZZ_ASSERT(strchr(e.hash, ':') == NULL && strchr(e.secret, ':') == NULL);
	if (users_maildir(&e, path, sizeof path) == 0) {
		size_t n = strlen(path);
		FUZZ_ASSERT(n > 0 && path[n - 1] == '/');
	}
	return 0;
}
