/* check_hdrfold.c: folding of header lines over 998 octets. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "queue/hdrfold.h"
#include "tests/unit/ckmain.h"

/* "Name: " then words of wlen letters separated by sep until total octets. */
static char *
field(const char *name, size_t wlen, const char *sep, size_t total)
{
	char *s = malloc(total + 1);
	size_t n = strlen(name), k = 0;

	memcpy(s, name, n);
	while (n < total) {
		if (k++ == wlen) {
			for (const char *p = sep; *p && n < total; p++)
				s[n++] = *p;
			k = 0;
		} else {
			s[n] = (char)('a' + n % 26);
			n++;
		}
	}
	s[total] = '\0';
	return s;
}

/* Every line at most max; without the inserted line ends the field is what it was. */
static void
check_folded(const char *in, const struct str *out, size_t max)
{
	size_t line = 0, j = 0;

	for (size_t i = 0; i < out->len; i++) {
		if (out->s[i] == '\n') {
			ck_assert_uint_le(line, max);
			ck_assert(out->s[i + 1] == ' ' || out->s[i + 1] == '\t');
			line = 0;
			if (in[j] != '\n')
				continue;   /* a fold of ours */
		} else
			line++;
		ck_assert_int_eq(out->s[i], in[j]);
		j++;
	}
	ck_assert_uint_le(line, max);
	ck_assert_uint_eq(j, strlen(in));
}

static const struct {
	size_t      wlen;       /* word length */
	const char *sep;
	size_t      total;
	int         folds;      /* expect a changed field */
} t[] = {
	{ 10, " ", 80, 0 },          /* short: as it is */
	{ 10, " ", 998, 0 },         /* exactly the limit: as it is */
	{ 10, " ", 999, 1 },         /* one over: folded */
	{ 10, " ", 5000, 1 },
	{ 200, " ", 3000, 1 },       /* words longer than 78: at the next space */
	{ 900, "\t", 1900, 1 },      /* tabs fold as well */
	{ 3, "  ", 1500, 1 },        /* runs of spaces: folded before the run */
};

START_TEST(table)
{
	char *in = field("Subject: ", t[_i].wlen, t[_i].sep, t[_i].total);
	struct str out = STR_INIT;

	ck_assert_int_eq(hdr_fold(&out, in, strlen(in)), 0);
	check_folded(in, &out, HDR_LINE_MAX);
	if (t[_i].folds) {
		ck_assert_ptr_nonnull(memchr(out.s, '\n', out.len));
		/* Folding aims at 78 when the words allow it. */
		if (t[_i].wlen < 70)
			check_folded(in, &out, HDR_LINE_GOOD);
	} else
		ck_assert_str_eq(out.s, in);
	str_free(&out);
	free(in);
}
END_TEST

/* A line with no white space to fold at: refused. */
START_TEST(unfoldable)
{
	char *in = field("X-Long: ", 5000, " ", 2000);
	struct str out = STR_INIT;

	errno = 0;
	ck_assert_int_eq(hdr_fold(&out, in, strlen(in)), -1);
	ck_assert_int_eq(errno, E2BIG);
	/* 998 octets before the only space is still foldable; 999 is not. */
	for (size_t at = 997; at <= 999; at++) {
		char *s = field("X-Long:", 5000, " ", 1500);

		s[at] = ' ';
		str_clear(&out);
		ck_assert_int_eq(hdr_fold(&out, s, strlen(s)), at <= 998 ? 0 : -1);
		if (at <= 998)
			ck_assert_int_eq(out.s[at], '\n');
		free(s);
	}
	str_free(&out);
	free(in);
}
END_TEST

/* Continuation lines are kept, and only the long one among them is folded. */
START_TEST(existing_folds)
{
	char *long_line = field(" ", 7, " ", 1200);
	struct str in = STR_INIT, out = STR_INIT;

	str_appendf(&in, "To: a@example.org,\n b@example.org,\n%s\n\tc@example.org", long_line);
	ck_assert_int_eq(hdr_fold(&out, in.s, in.len), 0);
	check_folded(in.s, &out, HDR_LINE_MAX);
	ck_assert(strncmp(out.s, "To: a@example.org,\n b@example.org,\n", 35) == 0);
	ck_assert(strcmp(out.s + out.len - 15, "\n\tc@example.org") == 0);
	str_free(&in);
	str_free(&out);
	free(long_line);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("hdrfold");
	TCase	*tc = tcase_create("hdrfold");

	tcase_add_loop_test(tc, table, 0, (int)(sizeof t / sizeof t[0]));
	tcase_add_test(tc, unfoldable);
	tcase_add_test(tc, existing_folds);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
