/*
 * fuzz_address.c: RFC 5321 paths. The first byte picks the flags, the rest
 * is the path. Properties: every limit holds on what is accepted, no control
 * character survives into the canonical mailbox, and the canonical form
 * parses again to itself.
 */
#include <string.h>

#include "address.h"
#include "tests/fuzz/fuzz.h"

static void
check_accepted(const struct addr *a, unsigned flags)
{
	struct addr	 again;
	char		 path[ADDR_PATH_MAX + 3];
	size_t		 n = strlen(a->mailbox);

	FUZZ_ASSERT(a->local_len <= ADDR_LOCAL_MAX);
	FUZZ_ASSERT(strlen(a->domain) <= ADDR_DOMAIN_MAX);
	FUZZ_ASSERT(n <= ADDR_PATH_MAX);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT((unsigned char)a->mailbox[i] >= 0x20 && a->mailbox[i] != 0x7f);
	if (a->is_null)
		return;
	snprintf(path, sizeof path, "<%s>", a->mailbox);
	FUZZ_ASSERT(addr_parse_path(path, strlen(path), flags & ~ADDR_ALLOW_BARE, &again, NULL) == ADDR_OK);
	FUZZ_ASSERT(strcmp(again.mailbox, a->mailbox) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr	 a;
	size_t		 used = 0;
	unsigned	 flags;

	if (size == 0)
		return 0;
	flags = data[0] & 0x1f;
	data++, size--;
	if (addr_parse_path((const char *)data, size, flags, &a, &used) == ADDR_OK) {
		FUZZ_ASSERT(used <= size);
		check_accepted(&a, flags);
	}
	if (addr_parse_mailbox((const char *)data, size, flags, &a) == ADDR_OK)
		check_accepted(&a, flags & ~ADDR_ALLOW_NULL);
	return 0;
}
