/*
 * policy_proto.c: encode a policy request, read and understand the answer
 * (see policy_proto.h; the protocol is Postfix's SMTPD_POLICY_README).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy_proto.h"

/* ---- the request ---------------------------------------------------- */

static int
put_attr(struct str *out, const char *name, const char *value)
{
	size_t	n = 0;

	if (str_appends(out, name) == -1 || str_appendc(out, '=') == -1)
		return -1;
	for (const unsigned char *p = (const unsigned char *)(value ? value : "");
	    *p != '\0' && n < POLICY_VALUE_MAX; p++, n++) {
		/* A control byte could end the request or forge an attribute. */
		char c = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
		if (str_appendc(out, c) == -1)
			return -1;
	}
	return str_appendc(out, '\n');
}

static const char *
or_unknown(const char *s)
{
	return s != NULL && *s != '\0' ? s : "unknown";
}

int
policy_encode(const struct policy_req *r, const char *instance, struct str *out)
{
	char	count[24], size[24];

	snprintf(count, sizeof(count), "%u", r->recipient_count);
	snprintf(size, sizeof(size), "%lld", r->size > 0 ? r->size : 0);
	const char *attrs[][2] = {
		{ "request", "smtpd_access_policy" },
		{ "protocol_state", r->protocol_state },
		{ "protocol_name", r->protocol_name },
		{ "helo_name", r->helo_name },
		{ "queue_id", r->queue_id },
		{ "sender", r->sender },
		{ "recipient", r->recipient },
		{ "recipient_count", count },
		{ "client_address", r->client_address },
		/* Postfix says "unknown" when the name is not known. */
		{ "client_name", or_unknown(r->client_name) },
		{ "reverse_client_name", or_unknown(r->client_name) },
		{ "instance", instance },
		{ "sasl_method", r->sasl_username && *r->sasl_username ? "PLAIN" : "" },
		{ "sasl_username", r->sasl_username },
		{ "sasl_sender", "" },
		{ "size", size },
		{ "ccert_subject", "" },
		{ "ccert_issuer", "" },
		{ "ccert_fingerprint", "" },
		{ "encryption_protocol", r->encryption_protocol },
		{ "encryption_cipher", "" },
		{ "encryption_keysize", "" },
		{ "etrn_domain", "" },
		{ "stress", "" },
	};
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (put_attr(out, attrs[i][0], attrs[i][1]) == -1)
			return -1;
	return str_appendc(out, '\n');
}

/* ---- the answer ----------------------------------------------------- */

const char *
policy_read_name(enum policy_read r)
{
	switch (r) {
	case PREAD_OK:        return "ok";
	case PREAD_EOF:       return "eof";
	case PREAD_MALFORMED: return "malformed";
	case PREAD_TOOLONG:   return "toolong";
	case PREAD_ERROR:     return "error";
	}
	return "?";
}

enum policy_read
policy_read_answer(struct rbuf *rb, struct str *action)
{
	char	line[POLICY_LINE_MAX + 2];
	size_t	len;
	int	have = 0;

	str_clear(action);
	for (int n = 0; ; n++) {
		switch (rbuf_getline(rb, line, sizeof(line), &len)) {
		case LINE_OK:       break;
		case LINE_TOOLONG:  return PREAD_TOOLONG;
		case LINE_EOF:      return PREAD_EOF;
		case LINE_ERROR:    return PREAD_ERROR;
		}
		if (memchr(line, '\0', len) != NULL)
			return PREAD_MALFORMED;
		len--;                                  /* the LF */
		if (len > 0 && line[len - 1] == '\r')
			len--;
		line[len] = '\0';
		if (len == 0)
			return have ? PREAD_OK : PREAD_MALFORMED;
		if (n >= POLICY_ANSWER_LINES)
			return PREAD_MALFORMED;
		char *eq = strchr(line, '=');
		if (eq == NULL || eq == line)
			return PREAD_MALFORMED;
		if ((size_t)(eq - line) == 6 && strncmp(line, "action", 6) == 0) {
			if (have++)
				return PREAD_MALFORMED;
			if (str_sets(action, eq + 1) == -1)
				return PREAD_ERROR;
		}
	}
}

/* ---- what an action means ------------------------------------------- */

/* Copy text as printable ASCII (others become '?'), cut at max octets. */
static void
clean_text(char *dst, size_t dstsz, const char *src, size_t max)
{
	size_t	n = 0;

	for (; *src != '\0' && n < max && n + 1 < dstsz; src++, n++) {
		unsigned char c = (unsigned char)*src;
		dst[n] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[n] = '\0';
}

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Is s "C.N.N" (class C, N of 1 to 3 digits) followed by space or end? Its length. */
static size_t
enhanced_len(const char *s)
{
	const char	*p = s;

	if (!isdigit((unsigned char)*p++) || *p++ != '.')
		return 0;
	for (int part = 0; part < 2; part++) {
		int d = 0;
		while (isdigit((unsigned char)*p) && d < 4)
			p++, d++;
		if (d == 0 || d > 3)
			return 0;
		if (part == 0 && *p++ != '.')
			return 0;
	}
	return (*p == '\0' || *p == ' ' || *p == '\t') ? (size_t)(p - s) : 0;
}

/*
 * reply = "CODE ENH text": the code and enhanced code of the answer when it
 * gave them (the enhanced class follows the code), else the defaults.
 */
static void
make_reply(char *reply, size_t replysz, const char *code, const char *text,
    const char *deftext)
{
	char	 enh[16], clean[POLICY_TEXT_MAX + 1];
	size_t	 el;

	text = skip_space(text);
	if ((el = enhanced_len(text)) > 0 && el < sizeof(enh)) {
		memcpy(enh, text, el);
		enh[el] = '\0';
		enh[0] = code[0];
		text = skip_space(text + el);
	} else
		snprintf(enh, sizeof(enh), "%c.7.1", code[0]);
	clean_text(clean, sizeof(clean), *text ? text : deftext, POLICY_TEXT_MAX);
	snprintf(reply, replysz, "%.3s %s %s", code, enh, clean);
}

void
policy_fail_reply(char *reply, size_t replysz)
{
	snprintf(reply, replysz, "451 4.3.0 Temporary policy service failure, try again later");
}

/* A header line "Name: value": name of printable non-colon octets, value printable. */
static int
add_prepend(struct str *prepend, const char *hdr)
{
	const char	*p = hdr;
	size_t		 n = 0;

	while (*p > 0x20 && *p < 0x7f && *p != ':')
		p++;
	if (p == hdr || *p != ':' || strlen(hdr) > POLICY_TEXT_MAX)
		return -1;
	for (p = hdr; *p != '\0'; p++, n++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return -1;
		else if (*p == 0x7f)
			return -1;
	if (prepend == NULL)
		return 0;
	if (str_append(prepend, hdr, n) == -1 || str_appendc(prepend, '\n') == -1)
		return -1;
	return 0;
}

/* Does action start with the keyword word, followed by space or end? Then the rest. */
static const char *
keyword(const char *action, const char *word)
{
	size_t	n = strlen(word);

	if (strncasecmp(action, word, n) != 0)
		return NULL;
	if (action[n] != '\0' && action[n] != ' ' && action[n] != '\t')
		return NULL;
	return skip_space(action + n);
}

/* The actions that refuse, with the reply each makes. */
static const struct {
	const char		*word, *code, *deftext, *note;
	enum policy_action	 act;
} refusals[] = {
	{ "REJECT", "554", "Access denied", "reject", PACT_REJECT },
	{ "DEFER", "450", "Try again later", "defer", PACT_DEFER },
	{ "DEFER_IF_PERMIT", "450", "Try again later", "defer_if_permit", PACT_DEFER_IF_PERMIT },
	{ "DEFER_IF_REJECT", "450", "Try again later", "defer_if_reject", PACT_DEFER_IF_REJECT },
};

/* Postfix actions stamp cannot carry out: logged, then as DUNNO. */
static const char *const unsupported[] = {
	"DISCARD", "HOLD", "FILTER", "REDIRECT", "BCC", "PERMIT", "REJECT_UNAUTH_DESTINATION",
};

enum policy_action
policy_parse_action(const char *action, char *reply, size_t replysz,
    struct str *prepend, const char **note)
{
	const char	*rest;

	reply[0] = '\0';
	action = skip_space(action);
	if (isdigit((unsigned char)action[0])) {
		/* 4NN or 5NN, then space or end. */
		if ((action[0] != '4' && action[0] != '5') ||
		    !isdigit((unsigned char)action[1]) ||
		    !isdigit((unsigned char)action[2]) ||
		    (action[3] != '\0' && action[3] != ' ' && action[3] != '\t')) {
			*note = "bad-code";
			return PACT_BAD;
		}
		make_reply(reply, replysz, action, action + 3,
		    action[0] == '4' ? "Try again later" : "Access denied");
		*note = action[0] == '4' ? "defer" : "reject";
		return action[0] == '4' ? PACT_DEFER : PACT_REJECT;
	}
	if (*action == '\0') {
		*note = "empty";
		return PACT_BAD;
	}
	if (keyword(action, "OK") || keyword(action, "DUNNO")) {
		*note = "dunno";
		return PACT_CONTINUE;
	}
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if ((rest = keyword(action, refusals[i].word)) != NULL) {
			make_reply(reply, replysz, refusals[i].code, rest, refusals[i].deftext);
			*note = refusals[i].note;
			return refusals[i].act;
		}
	if ((rest = keyword(action, "PREPEND")) != NULL) {
		*note = add_prepend(prepend, rest) == 0 ? "prepend" : "bad-prepend";
		return PACT_CONTINUE;
	}
	if (keyword(action, "WARN") || keyword(action, "INFO")) {
		*note = "warn";
		return PACT_CONTINUE;
	}
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (keyword(action, unsupported[i])) {
			*note = "unsupported";
			return PACT_CONTINUE;
		}
	*note = "unknown";
	return PACT_CONTINUE;
}
