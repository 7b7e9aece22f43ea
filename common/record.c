/* record.c: TYPE LENGTH ":" DATA LF. */
#include "record.h"

#include <errno.h>
#include <stdio.h>

int
record_put(struct str *out, char type, const void *data, size_t len)
{
	char head[2 + RECORD_LEN_DIGITS + 1];
	int n;

	if (type < 'A' || type > 'Z' || len > RECORD_DATA_MAX) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(head, sizeof head, "%c%zu:", type, len);
	if (n < 0 || (size_t)n >= sizeof head) {
		errno = EINVAL;
		return -1;
	}
	if (str_reserve(out, (size_t)n + len + 1) == -1)
		return -1;
	/* Cannot fail now that the room is reserved. */
	str_append(out, head, (size_t)n);
	str_append(out, data, len);
	str_appendc(out, '\n');
	return 0;
}

int
record_next(const char *buf, size_t len, size_t *pos, struct record *out)
{
	size_t p = *pos, digits = 0, n = 0;

	if (p == len)
		return 0;
	if (p > len || buf[p] < 'A' || buf[p] > 'Z')
		return -1;
	out->type = buf[p++];
	out->start = *pos;
	while (p < len && buf[p] >= '0' && buf[p] <= '9') {
		if (++digits > RECORD_LEN_DIGITS)
			return -1;
		/* "0" alone is the only length that may start with 0. */
		if (digits == 2 && n == 0)
			return -1;
		n = n * 10 + (size_t)(buf[p++] - '0');
	}
	if (digits == 0 || p >= len || buf[p] != ':')
		return -1;
	p++;
	if (n > len - p || len - p - n < 1 || buf[p + n] != '\n')
		return -1;
	out->data = buf + p;
	out->len = n;
	*pos = p + n + 1;
	return 1;
}
