/* uniq.c: queue IDs and Maildir unique names. */
#include "uniq.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

void
qid_new(char *out, time_t now)
{
	snprintf(out, QID_LEN + 1, "%08x%08x", (uint32_t)now, arc4random());
}

int
qid_valid(const char *s)
{
	for (int i = 0; i < QID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[QID_LEN] == '\0';
}

static unsigned
hexval(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

unsigned
qid_bucket(const char *id)
{
	return hexval(id[QID_LEN - 2]) << 4 | hexval(id[QID_LEN - 1]);
}

time_t
qid_time(const char *id)
{
	uint32_t t = 0;

	for (int i = 0; i < 8; i++)
		t = t << 4 | hexval(id[i]);
	return (time_t)t;
}

int
maildir_unique(char *out, size_t outsz, const char *host)
{
	static unsigned long count;   /* per process: several deliveries in one microsecond */
	struct timeval tv;
	size_t n;
	int r;

	gettimeofday(&tv, NULL);
	r = snprintf(out, outsz, "%lld.M%ldP%ldQ%lu.", (long long)tv.tv_sec,
	    (long)tv.tv_usec, (long)getpid(), ++count);
	if (r < 0 || (size_t)r >= outsz)
		goto toolong;
	n = (size_t)r;
	for (; *host != '\0'; host++) {
		const char *esc = *host == '/' ? "\\057" : *host == ':' ? "\\072" : NULL;
		size_t k = esc ? 4 : 1;

		if (n + k >= outsz)
			goto toolong;
		memcpy(out + n, esc ? esc : host, k);
		n += k;
	}
	out[n] = '\0';
	return 0;
toolong:
	errno = ENAMETOOLONG;
	return -1;
}
