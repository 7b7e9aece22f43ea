/*
 * fuzz.h: the one entry point every harness in tests/fuzz/ defines.
 *
 * A harness is libFuzzer's LLVMFuzzerTestOneInput. `make fuzz` links it with
 * clang's libFuzzer; `make check` links it with driver.c, which feeds it the
 * files of its corpus as a regression test (and AFL++ can run that build on
 * one file per run: `fuzz_NAME @@`).
 *
 * A harness checks properties, not just absence of crashes: a round trip
 * gives back what went in, limits hold on every output. It calls abort()
 * (through FUZZ_ASSERT) when one fails, so both drivers report it.
 */
#ifndef STAMP_FUZZ_H
#define STAMP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(c) do {                                                  \
	if (!(c)) {                                                          \
		fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__,    \
		    __LINE__, #c);                                           \
		abort();                                                     \
	}                                                                    \
} while (0)

#endif
