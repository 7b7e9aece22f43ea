/* pop3io.c: command lines in, shared replies out. */
#include "pop3io.h"

#include <errno.h>

int
pop3_next(struct rbuf *in, struct wbuf *out, struct pop3_cmd *c)
{
	char	 line[POP3_LINE_MAX + 2];
	size_t	 len;

	for (;;) {
		if (wbuf_flush(out) == -1)
			return 0;
		switch (rbuf_getline(in, line, sizeof line, &len)) {
		case LINE_OK:
			break;
		case LINE_TOOLONG:
			wbuf_puts(out, "-ERR line too long (255 octets at most)\r\n");
			continue;
		case LINE_ERROR:
			if (in->expired) {
				/* timeoutpop3session: say why, as Dovecot does for idle clients. */
				out->deadline = 0;
				wbuf_puts(out, "-ERR [SYS/TEMP] session time limit reached, closing\r\n");
				(void)wbuf_flush(out);
			}
			return 0;
		case LINE_EOF:
			return 0;
		}
		if (len > POP3_LINE_MAX) {
			wbuf_puts(out, "-ERR line too long (255 octets at most)\r\n");
			continue;
		}
		switch (pop3_parse(line, len, c)) {
		case PP_OK:
			return 1;
		case PP_EMPTY:
			wbuf_puts(out, "-ERR empty command\r\n");
			break;
		case PP_BAD:
			wbuf_puts(out, "-ERR syntax error\r\n");
			break;
		}
	}
}

void
pop3_capa(struct wbuf *out, const struct capa *k)
{
	wbuf_puts(out, "+OK capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\n"
	    "AUTH-RESP-CODE\r\nPIPELINING\r\n");
	if (k->auth_state && k->plaintext_ok)
		wbuf_puts(out, "USER\r\nSASL PLAIN\r\n");
	if (k->auth_state && k->stls)
		wbuf_puts(out, "STLS\r\n");
	wbuf_puts(out, "IMPLEMENTATION stamp\r\n.\r\n");
}
