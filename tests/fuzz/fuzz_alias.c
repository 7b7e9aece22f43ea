/*
 * fuzz_alias.c: one line of the aliases file. Properties: a parsed line
 * has a non-empty name without a colon, and at least one non-empty target.
 */
#include <string.h>

#include "lookup.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 line[2048], name[LOOKUP_NAME_MAX + 1];
	struct ctl_list	 targets = { NULL, 0 };

	if (size >= sizeof line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (alias_parse(line, name, sizeof name, &targets) == 0) {
		FUZZ_ASSERT(name[0] != '\0' && strchr(name, ':') == NULL);
		FUZZ_ASSERT(targets.n >= 1);
		for (size_t i = 0; i < targets.n; i++)
			FUZZ_ASSERT(targets.items[i][0] != '\0');
	}
	ctl_list_free(&targets);
	return 0;
}
