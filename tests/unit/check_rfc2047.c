/*
 * check_rfc2047.c: RFC 2047 encoded words. Each output is decoded back by a
 * small decoder here and must give the input again; every word must be at
 * most 75 octets and every line holding one at most 76.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "queue/rfc2047.h"
#include "utf8.h"
#include "tests/unit/ckmain.h"

static int
b64val(char c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strchr(a, c);

	return c != '\0' && p != NULL ? (int)(p - a) : -1;
}

/* Decode one encoded word's payload (Q or B) onto out. */
static void
decode_word(struct str *out, char enc, const char *p, size_t n)
{
	if (enc == 'Q') {
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '_')
				str_appendc(out, ' ');
			else if (p[i] == '=') {
				char h[3] = { p[i + 1], p[i + 2], 0 };
				ck_assert_uint_lt(i + 2, n);
				str_appendc(out, (char)strtol(h, NULL, 16));
				i += 2;
			} else
				str_appendc(out, p[i]);
		}
		return;
	}
	ck_assert_uint_eq(n % 4, 0);
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		for (int k = 0; k < 4; k++)
			v[k] = p[i + k] == '=' ? 0 : b64val(p[i + k]);
		for (int k = 0; k < 4; k++)
			ck_assert_int_ge(v[k], 0);
		str_appendc(out, (char)(v[0] << 2 | v[1] >> 4));
		if (p[i + 2] != '=')
			str_appendc(out, (char)((v[1] & 15) << 4 | v[2] >> 2));
		if (p[i + 3] != '=')
			str_appendc(out, (char)((v[2] & 3) << 6 | v[3]));
	}
}

/*
 * Decode text as a reader does: encoded words are decoded, white space
 * between two of them dropped, a fold ("\n ") is unfolded. Checks sizes.
 */
static char *
decode(const char *s)
{
	struct str out = STR_INIT, pend = STR_INIT;
	int last_word = 0;
	size_t linelen = 0;

	for (const char *p = s; *p != '\0';) {
		const char *e;

		if (*p == '\n') {
			ck_assert_uint_le(linelen, RFC2047_LINE_MAX);
			linelen = 0;
			p++;
			continue;
		}
		if (strncmp(p, "=?UTF-8?", 8) == 0 && (p[8] == 'Q' || p[8] == 'B') && p[9] == '?' &&
		    (e = strstr(p + 10, "?=")) != NULL) {
			size_t wlen = (size_t)(e + 2 - p);
			ck_assert_uint_le(wlen, RFC2047_WORD_MAX);
			if (!last_word)
				str_append(&out, pend.s ? pend.s : "", pend.len);
			str_clear(&pend);
			decode_word(&out, p[8], p + 10, (size_t)(e - p - 10));
			linelen += wlen;
			p = e + 2;
			last_word = 1;
			continue;
		}
		if (*p == ' ' || *p == '\t') {
			str_appendc(&pend, *p++);
			linelen++;
			continue;
		}
		str_append(&out, pend.s ? pend.s : "", pend.len);
		str_clear(&pend);
		str_appendc(&out, *p++);
		linelen++;
		last_word = 0;
	}
	ck_assert_uint_le(linelen, RFC2047_LINE_MAX);
	str_append(&out, pend.s ? pend.s : "", pend.len);
	str_free(&pend);
	str_appends(&out, "");
	return out.s;
}

/* Encoded words (rfc2047_encode after "Subject:", so column 8). */
static const struct {
	const char *in;
	const char *want;      /* exact output, or NULL: only round trip and sizes */
} enc[] = {
	{ "J\xc3\xb6rg", " =?UTF-8?B?SsO2cmc=?=" },                      /* B: 8 octets, Q: 9 */
	{ "Jörg Müller aus der Stadt Bern", " =?UTF-8?Q?J=C3=B6rg_M=C3=BCller_aus_der_Stadt_Bern?=" },  /* Q shorter */
	{ "日本語", " =?UTF-8?B?5pel5pys6Kqe?=" },
	{ "a_b=c?d ok plain", " =?UTF-8?Q?a=5Fb=3Dc=3Fd_ok_plain?=" },       /* specials of Q */
	{ "\"quoted\" <x> and more text here ä", " =?UTF-8?Q?=22quoted=22_=3Cx=3E_and_more_text_here_=C3=A4?=" },  /* phrase-safe */
	{ "ÄÖÜäöüß ÄÖÜäöüß ÄÖÜäöüß ÄÖÜäöüß ÄÖÜäöüß ÄÖÜäöüß", NULL },
	{ "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀", NULL },   /* 4-octet sequences */
	{ "x", " =?UTF-8?Q?x?=" },
	{ "", "" },
};

START_TEST(encode_table)
{
	struct str out = STR_INIT;
	size_t col = 8;
	char *back;

	str_sets(&out, "Subject:");
	ck_assert_int_eq(rfc2047_encode(&out, enc[_i].in, strlen(enc[_i].in), &col, 1), 0);
	if (enc[_i].want != NULL)
		ck_assert_str_eq(out.s + 8, enc[_i].want);
	back = decode(out.s + 8 + (out.len > 8));   /* after the separator */
	ck_assert_str_eq(back, enc[_i].in);
	free(back);
	str_free(&out);
}
END_TEST

/* Unstructured text: ASCII untouched, only the span with non-ASCII encoded. */
static const struct {
	const char *in, *want;
} text[] = {
	{ "Hello world", " Hello world" },
	{ "  leading space kept as it is", "  leading space kept as it is" },
	{ "", "" },
	{ "Grüße aus Köln", " =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=" },
	{ "Re: Grüße", " Re: =?UTF-8?B?R3LDvMOfZQ==?=" },
	{ "Café au lait, chocolat chaud ou thé", " =?UTF-8?Q?Caf=C3=A9_au_lait=2C_chocolat_chaud_ou_th=C3=A9?=" },
	{ "Price: 5€ today", " Price: =?UTF-8?B?NeKCrA==?= today" },
	{ "Ein sehr langer Betreff mit Umlauten: Müller, Größe, Übermaß, Ärger, "
	  "Öl, und noch viel mehr Text, damit mehrere Wörter nötig sind", NULL },
};

START_TEST(text_table)
{
	struct str out = STR_INIT;
	size_t col = 8;
	char *back;

	str_sets(&out, "Subject:");
	ck_assert_int_eq(rfc2047_text(&out, text[_i].in, strlen(text[_i].in), &col), 0);
	if (text[_i].want != NULL)
		ck_assert_str_eq(out.s + 8, text[_i].want);
	back = decode(out.s + 8);
	/* What a reader sees: the text after the one separating space. */
	ck_assert_str_eq(back[0] == ' ' && text[_i].in[0] != ' ' ? back + 1 : back, text[_i].in);
	free(back);
	str_free(&out);
}
END_TEST

/* A Q payload of exactly 63 octets is one word of 75; one more octet makes two. */
START_TEST(word_at_the_limit)
{
	char in[80];
	struct str out = STR_INIT;
	size_t col = 0;

	/* One "é" (6 octets in Q) and 57 plain letters are 63. */
	strcpy(in, "\xc3\xa9");
	for (int i = 0; i < 57; i++)
		strcat(in, "a");
	ck_assert_int_eq(rfc2047_encode(&out, in, strlen(in), &col, 0), 0);
	ck_assert_uint_eq(out.len, 75);
	ck_assert_ptr_null(strchr(out.s, ' '));
	str_clear(&out);
	col = 0;
	strcat(in, "a");
	ck_assert_int_eq(rfc2047_encode(&out, in, strlen(in), &col, 0), 0);
	ck_assert_ptr_nonnull(strstr(out.s, "?=\n =?UTF-8?Q?a?="));
	str_free(&out);
}
END_TEST

/* A word never ends inside a UTF-8 sequence, whatever the alignment. */
START_TEST(never_splits_a_sequence)
{
	for (int pad = 0; pad < 8; pad++) {
		char in[256] = "";
		struct str out = STR_INIT;
		size_t col = (size_t)pad;
		char *back;

		for (int i = 0; i < pad; i++)
			strcat(in, "a");
		for (int i = 0; i < 20; i++)
			strcat(in, "\xe2\x82\xac");   /* the euro sign, 3 octets */
		ck_assert_int_eq(rfc2047_encode(&out, in, strlen(in), &col, 1), 0);
		/* Every B word decodes on its own to valid UTF-8. */
		for (char *p = out.s; (p = strstr(p, "=?UTF-8?")) != NULL; p += 2) {
			char *e = strstr(p + 10, "?=");
			struct str w = STR_INIT;

			decode_word(&w, p[8], p + 10, (size_t)(e - p - 10));
			ck_assert(utf8_valid(w.s, w.len));
			str_free(&w);
		}
		back = decode(out.s);
		ck_assert_str_eq(back + 1, in);
		free(back);
		str_free(&out);
	}
}
END_TEST

static const char *const invalid[] = {
	"\xc0\x80",            /* overlong NUL */
	"abc\xc3",             /* cut short */
	"\xed\xa0\x80",        /* a surrogate */
	"\xf5\x80\x80\x80",    /* past U+10FFFF */
	"\x80 stray",          /* a lone continuation octet */
	"Latin-1 M\xfcller",   /* not UTF-8 at all */
};

START_TEST(invalid_utf8)
{
	struct str out = STR_INIT;
	size_t col = 0;

	errno = 0;
	ck_assert_int_eq(rfc2047_encode(&out, invalid[_i], strlen(invalid[_i]), &col, 1), -1);
	ck_assert_int_eq(errno, EILSEQ);
	errno = 0;
	ck_assert_int_eq(rfc2047_text(&out, invalid[_i], strlen(invalid[_i]), &col), -1);
	ck_assert_int_eq(errno, EILSEQ);
	str_free(&out);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("rfc2047");
	TCase	*tc = tcase_create("rfc2047");

	tcase_add_loop_test(tc, encode_table, 0, (int)(sizeof enc / sizeof enc[0]));
	tcase_add_loop_test(tc, text_table, 0, (int)(sizeof text / sizeof text[0]));
	tcase_add_test(tc, word_at_the_limit);
	tcase_add_test(tc, never_splits_a_sequence);
	tcase_add_loop_test(tc, invalid_utf8, 0, (int)(sizeof invalid / sizeof invalid[0]));
	suite_add_tcase(s, tc);
	return ck_run(s);
}
