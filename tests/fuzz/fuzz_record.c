/*
 * fuzz_record.c: the record framing under every queue file. Properties:
 * records tile the input without gaps, each lies inside it, and writing
 * them again gives the same bytes.
 */
#include <string.h>

#include "record.h"
#include "str.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*buf = (const char *)data;
	struct record	 r;
	struct str	 again = STR_INIT;
	size_t		 pos = 0, prev;
	int		 rc;

	for (;;) {
		prev = pos;
		if ((rc = record_next(buf, size, &pos, &r)) != 1)
			break;
		FUZZ_ASSERT(r.start == prev && pos > prev && pos <= size);
		FUZZ_ASSERT(r.data >= buf && r.data + r.len <= buf + size);
		FUZZ_ASSERT(r.type >= 'A' && r.type <= 'Z');
		FUZZ_ASSERT(record_put(&again, r.type, r.data, r.len) == 0);
	}
	FUZZ_ASSERT(rc == 0 ? pos == size : pos == prev);
	FUZZ_ASSERT(again.len == pos && (pos == 0 || memcmp(again.s, buf, pos) == 0));
	str_free(&again);
	return 0;
}
