/*
 * fuzz_milter.c: what a filter may send. The input is a run of milter
 * packets; each is decoded, parsed as an option negotiation and as a reply,
 * and every modification is applied to a small message. Properties: a
 * custom reply that passes is one 4xx/5xx line of printable ASCII; the
 * message written out has no line end that does not start a fold inside
 * its header section, and stays within its bounds.
 */
#include <sys/mman.h>

#include <string.h>
#include <unistd.h>

#include "smtpd/milter_codec.h"
#include "smtpd/milter_msg.h"
#include "tests/fuzz/fuzz.h"

static const char spool[] = "Received: by x\r\nSubject: s\r\n\r\nbody\r\n";

static void
check_written(int fd)
{
	char	 buf[1 << 16];
	ssize_t	 n = read(fd, buf, sizeof buf - 1);
	char	*end;

	FUZZ_ASSERT(n > 0);
	buf[n] = '\0';
	end = strstr(buf, "\r\n\r\n");
	FUZZ_ASSERT(end != NULL);
	/* In the header section every line end is CR LF, then a field or a fold. */
	for (char *p = buf; p < end; p++) {
		FUZZ_ASSERT(*p != '\0');
		if (*p == '\n')
			FUZZ_ASSERT(p > buf && p[-1] == '\r');
		if (*p == '\r')
			FUZZ_ASSERT(p[1] == '\n');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*rcpts[] = { "a@ex.org" };
	struct milter_pkt	 p;
	struct milter_reply	 r;
	struct milter_neg	 neg;
	struct mmsg		 m;
	const char		*why;
	size_t			 at = 0;
	long			 used;
	int			 fd = memfd_create("fuzz_milter", MFD_CLOEXEC), out;

	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(write(fd, spool, sizeof spool - 1) == (ssize_t)(sizeof spool - 1));
	FUZZ_ASSERT(mmsg_load(&m, fd, "s@ex.org", (char *const *)rcpts, 1, 5, 4096) == 0);
	while ((used = milter_decode((const char *)data + at, size - at, &p)) > 0) {
		at += (size_t)used;
		(void)milter_parse_neg(&p, &neg, &why);
		if (milter_parse_reply(&p, &r, &why) == -1)
			continue;
		if (r.code == SMFIR_REPLYCODE) {
			FUZZ_ASSERT(r.text[0] == '4' || r.text[0] == '5');
			for (const char *c = r.text; *c != '\0'; c++)
				FUZZ_ASSERT(*c >= 0x20 && *c < 0x7f);
		}
		(void)mmsg_apply(&m, &r, p.len & 1);
		mmsg_filter_done(&m);
		FUZZ_ASSERT(m.nrcpt <= 5 && m.newbody.len <= 4096);
	}
	if (m.nrcpt > 0 && (out = mmsg_write(&m)) != -1) {
		check_written(out);
		close(out);
	}
	mmsg_free(&m);
	close(fd);
	return 0;
}
