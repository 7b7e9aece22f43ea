/* envelope.c: write and check envelope files (record format, CRC-32 end). */
#include "envelope.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "record.h"

int
envelope_add_rcpt(struct envelope *env, const char *rcpt)
{
	char **grown, *copy;

	if (env->nrcpt >= ENV_RCPT_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (strlen(rcpt) > ADDR_PATH_MAX) {
		errno = EINVAL;
		return -1;
	}
	if ((copy = strdup(rcpt)) == NULL)
		return -1;
	grown = reallocarray(env->rcpt, env->nrcpt + 1, sizeof *grown);
	if (grown == NULL) {
		free(copy);
		return -1;
	}
	env->rcpt = grown;
	env->rcpt[env->nrcpt++] = copy;
	return 0;
}

static int
put_number(struct str *out, char type, unsigned long long v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%llu", v);

	return record_put(out, type, num, (size_t)n);
}

int
envelope_encode(const struct envelope *env, struct str *out)
{
	size_t start = out->len;
	char crc[9];

	/* Never write what envelope_decode would refuse. */
	if (env->time < 0 || env->nrcpt == 0 || env->nrcpt > ENV_RCPT_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (record_put(out, 'V', "1", 1) == -1 ||
	    record_put(out, 'I', env->id, strlen(env->id)) == -1 ||
	    put_number(out, 'T', (unsigned long long)env->time) == -1 ||
	    put_number(out, 'U', (unsigned long long)env->uid) == -1 ||
	    record_put(out, 'F', env->sender, strlen(env->sender)) == -1 ||
	    (env->hold[0] != '\0' && record_put(out, 'H', env->hold, strlen(env->hold)) == -1))
		goto fail;
	for (size_t i = 0; i < env->nrcpt; i++)
		if (record_put(out, 'R', env->rcpt[i], strlen(env->rcpt[i])) == -1)
			goto fail;
	snprintf(crc, sizeof crc, "%08" PRIx32,
	    crc32_update(0, out->s + start, out->len - start));
	if (record_put(out, 'E', crc, 8) == -1)
		goto fail;
	return 0;
fail:
	str_truncate(out, start);
	return -1;
}

/* An address field: at most a path long, no control characters. */
static int
address_ok(const struct record *r, int may_be_empty)
{
	if (r->len > ADDR_PATH_MAX || (r->len == 0 && !may_be_empty))
		return 0;
	for (size_t i = 0; i < r->len; i++) {
		unsigned char c = (unsigned char)r->data[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

static int
number_ok(const struct record *r, unsigned long long *out)
{
	unsigned long long v = 0;

	if (r->len == 0 || r->len > 19)
		return 0;
	for (size_t i = 0; i < r->len; i++) {
		if (r->data[i] < '0' || r->data[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(r->data[i] - '0');
	}
	*out = v;
	return 1;
}

/* The fixed head: V I T U F, in that order. */
static int
parse_head(const char *buf, size_t len, size_t *pos, struct envelope *env)
{
	struct record r;
	unsigned long long v;

	if (record_next(buf, len, pos, &r) != 1 || r.type != 'V' ||
	    r.len != 1 || r.data[0] != '1')
		return -1;
	if (record_next(buf, len, pos, &r) != 1 || r.type != 'I' || r.len != QID_LEN)
		return -1;
	memcpy(env->id, r.data, QID_LEN);
	env->id[QID_LEN] = '\0';
	if (!qid_valid(env->id))
		return -1;
	if (record_next(buf, len, pos, &r) != 1 || r.type != 'T' || !number_ok(&r, &v) ||
	    v > INT64_MAX)
		return -1;
	env->time = (time_t)v;
	if (record_next(buf, len, pos, &r) != 1 || r.type != 'U' || !number_ok(&r, &v) ||
	    v > UINT32_MAX)
		return -1;
	env->uid = (uid_t)v;
	if (record_next(buf, len, pos, &r) != 1 || r.type != 'F' || !address_ok(&r, 1))
		return -1;
	memcpy(env->sender, r.data, r.len);
	env->sender[r.len] = '\0';
	return 0;
}

static int
crc_ok(const char *buf, const struct record *r)
{
	char want[9];

	if (r->len != 8)
		return 0;
	snprintf(want, sizeof want, "%08" PRIx32, crc32_update(0, buf, r->start));
	return memcmp(want, r->data, 8) == 0;
}

enum env_error
envelope_parse(const char *buf, size_t len, struct envelope *env)
{
	struct record r;
	size_t pos = 0;
	char rcpt[ADDR_PATH_MAX + 1];
	int more;

	memset(env, 0, sizeof *env);
	if (parse_head(buf, len, &pos, env) == -1)
		goto bad;
	/* The optional hold reason: printable, not empty. */
	size_t at = pos;
	if (record_next(buf, len, &at, &r) == 1 && r.type == 'H') {
		if (r.len == 0 || r.len > ENV_HOLD_MAX || !address_ok(&r, 0))
			goto bad;
		memcpy(env->hold, r.data, r.len);
		env->hold[r.len] = '\0';
		pos = at;
	}
	while ((more = record_next(buf, len, &pos, &r)) == 1 && r.type == 'R') {
		if (!address_ok(&r, 0))
			goto bad;
		memcpy(rcpt, r.data, r.len);
		rcpt[r.len] = '\0';
		if (envelope_add_rcpt(env, rcpt) == -1) {
			if (errno == ENOMEM) {
				envelope_free(env);
				return ENV_ENOMEM;
			}
			goto bad;
		}
	}
	/* The end record, with the right CRC, last in the file. */
	if (more != 1 || r.type != 'E' || env->nrcpt == 0 || !crc_ok(buf, &r) ||
	    pos != len)
		goto bad;
	return ENV_OK;
bad:
	envelope_free(env);
	return ENV_EFORMAT;
}

void
envelope_free(struct envelope *env)
{
	for (size_t i = 0; i < env->nrcpt; i++)
		free(env->rcpt[i]);
	free(env->rcpt);
	memset(env, 0, sizeof *env);
}
