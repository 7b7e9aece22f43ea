/*
 * fuzz_inject.c: stamp-inject's header completion (inj_build), with the
 * first byte choosing -t. A completed message must split again into a
 * header and a body at an empty line; no header line is over 998 octets
 * (the body is not changed, so it is not checked);
 * it has Date:, Message-ID: and From:, no Bcc:, and a Subject: without
 * 8-bit octets; every recipient found is a valid mailbox.
 */
#include <string.h>

#include "address.h"
#include "queue/inj_build.h"
#include "queue/inj_hdr.h"
#include "tests/fuzz/fuzz.h"
#include "utf8.h"

static void
check(const struct str *out, const struct ctl_list *rc)
{
	struct hdr_part h;
	const char *why;
	size_t line = 0;

	FUZZ_ASSERT(hdr_split(out->s, out->len, &h, &why) == 0);
	for (size_t i = 0; i < h.body; i++) {
		line = out->s[i] == '\n' ? 0 : line + 1;
		FUZZ_ASSERT(line <= 998);
	}
	FUZZ_ASSERT(h.blank);
	FUZZ_ASSERT(hdr_find(&h, "Date") && hdr_find(&h, "Message-ID") && hdr_find(&h, "From"));
	FUZZ_ASSERT(hdr_find(&h, "Bcc") == NULL);
	for (size_t i = 0; i < h.n; i++)
		if (hdr_is(&h.f[i], "Subject"))
			FUZZ_ASSERT(!has_8bit(h.f[i].value, h.f[i].valuelen));
	hdr_part_free(&h);
	for (size_t i = 0; i < rc->n; i++) {
		struct addr a;

		FUZZ_ASSERT(addr_parse_mailbox(rc->items[i], strlen(rc->items[i]), ADDR_UTF8, &a) ==
		    ADDR_OK);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inj_ctx ctx = { .from_addr = "u@d.example", .defaulthost = "d.example",
	    .msgid = "<m@d.example>", .now = 0 };
	struct str out = STR_INIT;
	struct ctl_list rc = { NULL, 0 };
	const char *why;

	if (size == 0 || size > 65536)
		return 0;
	ctx.extract = data[0] & 1;
	if (inj_build(&ctx, (const char *)data + 1, size - 1, &out, &rc, &why) == 0)
		check(&out, &rc);
	ctl_list_free(&rc);
	str_free(&out);
	return 0;
}
