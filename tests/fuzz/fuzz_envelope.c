/*
 * fuzz_envelope.c: queue envelope files. Properties: what parses encodes
 * back to exactly the same bytes (the format has one spelling), and every
 * field is within its limits.
 */
#include <string.h>

#include "address.h"
#include "envelope.h"
#include "str.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope	 env;
	struct str	 back = STR_INIT;

	if (envelope_parse((const char *)data, size, &env) != ENV_OK)
		return 0;
	FUZZ_ASSERT(env.nrcpt >= 1);
	FUZZ_ASSERT(strlen(env.sender) <= ADDR_PATH_MAX);
	for (size_t i = 0; i < env.nrcpt; i++)
		FUZZ_ASSERT(strlen(env.rcpt[i]) <= ADDR_PATH_MAX);
	FUZZ_ASSERT(envelope_encode(&env, &back) == 0);
	FUZZ_ASSERT(back.len == size && memcmp(back.s, data, size) == 0);
	str_free(&back);
	envelope_free(&env);
	return 0;
}
