/* check_crc32.c: CRC-32 (IEEE) against published vectors and a bitwise reference. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "tests/unit/ckmain.h"

static const struct {
	const char	*in;
	uint32_t	 want;
} vectors[] = {
	{ "", 0x00000000u },
	{ "a", 0xE8B7BE43u },
	{ "abc", 0x352441C2u },
	{ "123456789", 0xCBF43926u },
	{ "message digest", 0x20159D7Fu },
	{ "The quick brown fox jumps over the lazy dog", 0x414FA339u },
};

/* The definition, one bit at a time: slow, but obviously right. */
static uint32_t
crc_ref(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n-- > 0) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
	}
	return ~c;
}

START_TEST(known_vectors)
{
	const char *in = vectors[_i].in;

	ck_assert_uint_eq(crc32_update(0, in, strlen(in)), vectors[_i].want);
	ck_assert_uint_eq(crc_ref((const unsigned char *)in, strlen(in)), vectors[_i].want);
}
END_TEST

START_TEST(empty_piece_changes_nothing)
{
	uint32_t c = crc32_update(0, "123456789", 9);

	ck_assert_uint_eq(crc32_update(c, "", 0), c);
	ck_assert_uint_eq(crc32_update(0, NULL, 0), 0);
	ck_assert_uint_eq(crc32_update(0xdeadbeefu, "x", 0), 0xdeadbeefu);
}
END_TEST

/* Fed in two pieces, split at every offset, or a byte at a time: the same CRC. */
START_TEST(incremental_equals_one_shot)
{
	const char	*in = vectors[_i].in;
	size_t		 n = strlen(in);
	uint32_t	 whole = crc32_update(0, in, n), c;

	for (size_t cut = 0; cut <= n; cut++) {
		c = crc32_update(crc32_update(0, in, cut), in + cut, n - cut);
		ck_assert_msg(c == whole, "\"%s\" cut at %zu", in, cut);
	}
	c = 0;
	for (size_t i = 0; i < n; i++)
		c = crc32_update(c, in + i, 1);
	ck_assert_uint_eq(c, whole);
}
END_TEST

/* Every byte value, and all of them at once, against the reference. */
START_TEST(every_byte_value)
{
	unsigned char	 all[256];

	for (int b = 0; b < 256; b++) {
		all[b] = (unsigned char)b;
		ck_assert_uint_eq(crc32_update(0, &all[b], 1), crc_ref(&all[b], 1));
	}
	ck_assert_uint_eq(crc32_update(0, all, sizeof all), crc_ref(all, sizeof all));
	ck_assert_uint_eq(crc32_update(0, all, sizeof all), 0x29058C73u);
}
END_TEST

/* A single flipped bit anywhere always changes the CRC. */
START_TEST(single_bit_errors_are_seen)
{
	char		 buf[64];
	uint32_t	 good;

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (char)('A' + i % 26);
	good = crc32_update(0, buf, sizeof buf);
	for (size_t i = 0; i < sizeof buf; i++)
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (char)(1 << bit);
			ck_assert_uint_ne(crc32_update(0, buf, sizeof buf), good);
			buf[i] ^= (char)(1 << bit);
		}
}
END_TEST

/* A large input, fed in uneven pieces. */
START_TEST(large_input_in_pieces)
{
	size_t		 n = 1 << 20, at = 0, step = 1;
	unsigned char	*p = malloc(n);
	uint32_t	 c = 0;

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 2654435761u >> 24);
	while (at < n) {
		size_t k = step < n - at ? step : n - at;

		c = crc32_update(c, p + at, k);
		at += k;
		step = step * 3 + 1;
	}
	ck_assert_uint_eq(c, crc_ref(p, n));
	ck_assert_uint_eq(crc32_update(0, p, n), c);
	free(p);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("crc32");
	TCase	*tc = tcase_create("crc32");
	int	 nv = (int)(sizeof vectors / sizeof vectors[0]);

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, known_vectors, 0, nv);
	tcase_add_test(tc, empty_piece_changes_nothing);
	tcase_add_loop_test(tc, incremental_equals_one_shot, 0, nv);
	tcase_add_test(tc, every_byte_value);
	tcase_add_test(tc, single_bit_errors_are_seen);
	tcase_add_test(tc, large_input_in_pieces);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
