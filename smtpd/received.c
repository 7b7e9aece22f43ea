/* received.c: the Received: line (see received.h). */
#include "received.h"

#include <string.h>

#include "datefmt.h"

const char *
received_proto(int ehlo, int tls, int auth, int utf8)
{
	static const char *const esmtp[] = { "ESMTP", "ESMTPA", "ESMTPS", "ESMTPSA" };
	static const char *const utf[] = { "UTF8SMTP", "UTF8SMTPA", "UTF8SMTPS", "UTF8SMTPSA" };
	int i = (tls ? 2 : 0) + (auth ? 1 : 0);

	if (!ehlo)
		return "SMTP";
	return utf8 ? utf[i] : esmtp[i];
}

void
received_safe(char *dst, size_t dstsz, const char *src, int utf8)
{
	size_t	 i;

	for (i = 0; i + 1 < dstsz && src[i] != '\0'; i++) {
		unsigned char c = (unsigned char)src[i];
		int ok = (c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '\\') ||
		    (utf8 && (c >= 0x80 || c == ' '));

		dst[i] = ok ? (char)c : '?';
	}
	dst[i] = '\0';
}

int
received_line(struct str *out, const struct received_info *r)
{
	char	 helo[256], host[256], rcpt[512], tls[160], date[DATE_RFC5322_MAX];
	int	 v6 = strchr(r->ip, ':') != NULL;

	received_safe(helo, sizeof helo, r->helo, 0);
	received_safe(host, sizeof host, r->host[0] != '\0' ? r->host : "unknown", 0);
	received_safe(tls, sizeof tls, r->tls, 1);
	if (date_rfc5322(date, sizeof date, r->when) == -1)
		return -1;
	if (str_appendf(out, "Received: from %s (%s [%s%s])\r\n"
	    "\tby %s (stamp-smtpd) with %s%s%s%s id %s",
	    helo, host, v6 ? "IPv6:" : "", r->ip[0] != '\0' ? r->ip : "unknown",
	    r->me, r->proto, tls[0] != '\0' ? " (" : "", tls,
	    tls[0] != '\0' ? ")" : "", r->id) == -1)
		return -1;
	if (r->rcpt != NULL) {
		received_safe(rcpt, sizeof rcpt, r->rcpt, 1);
		if (str_appendf(out, "\r\n\tfor <%s>", rcpt) == -1)
			return -1;
	}
	return str_appendf(out, ";\r\n\t%s\r\n", date);
}
