/*
 * fuzz_dns.c: raw DNS answers, as stamp-remote and the DNSBL read them.
 * The first byte picks the parser (MX, A, AAAA, TXT). Properties: counts
 * stay within their arrays, names are NUL-terminated within their size,
 * addresses have the family asked for, TXT text stays within its bound.
 */
#include <arpa/nameser.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"
#include "str.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			 cname[DNS_NAME_SZ];
	struct dns_mxlist	 mx;
	struct dns_iplist	 ips;
	struct str		 txt = STR_INIT;
	const char		*q = "example.test";
	int			 which;

	if (size == 0)
		return 0;
	which = data[0] % 4;
	data++, size--;
	memset(cname, 'x', sizeof cname);
	switch (which) {
	case 0:
		memset(&mx, 0, sizeof mx);
		if (dns_parse_mx(data, size, q, &mx, cname, sizeof cname) == DNS_FOUND) {
			FUZZ_ASSERT(mx.n >= 1 && mx.n <= DNS_MX_MAX);
			for (size_t i = 0; i < mx.n; i++) {
				FUZZ_ASSERT(memchr(mx.mx[i].name, '\0', sizeof mx.mx[i].name) != NULL);
				FUZZ_ASSERT(mx.mx[i].pref <= 65535);
			}
		}
		break;
	case 1:
	case 2:
		memset(&ips, 0, sizeof ips);
		if (dns_parse_addr(data, size, q, which == 1 ? ns_t_a : ns_t_aaaa, &ips, cname,
		    sizeof cname) == DNS_FOUND) {
			FUZZ_ASSERT(ips.n >= 1 && ips.n <= DNS_IP_MAX);
			for (size_t i = 0; i < ips.n; i++)
				FUZZ_ASSERT(ips.ip[i].af == (which == 1 ? AF_INET : AF_INET6));
		}
		break;
	default:
		if (dns_parse_txt(data, size, q, &txt, cname, sizeof cname) == DNS_FOUND)
			FUZZ_ASSERT(txt.len <= DNS_TXT_MAX);
		str_free(&txt);
		break;
	}
	FUZZ_ASSERT(memchr(cname, '\0', sizeof cname) != NULL || cname[0] == 'x');
	return 0;
}
