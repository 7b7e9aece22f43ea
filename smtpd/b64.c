/* b64.c: strict base64 (see b64.h). */
#include "b64.h"

#include <string.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
value(char c)
{
	const char *p = c != '\0' ? strchr(alphabet, c) : NULL;

	return p != NULL ? (int)(p - alphabet) : -1;
}

ssize_t
b64_decode(const char *src, size_t n, unsigned char *dst, size_t dstsz)
{
	size_t	 o = 0;

	if (n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;

		for (int k = 0; k < 4; k++) {
			if (src[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[k] = value(src[i + k])) < 0)
				return -1;
		}
		if (o + 3 - (size_t)pad > dstsz)
			return -1;
		dst[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			dst[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			dst[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	return (ssize_t)o;
}

ssize_t
b64_encode(const unsigned char *src, size_t n, char *dst, size_t dstsz)
{
	size_t	 o = 0;

	if ((n + 2) / 3 * 4 + 1 > dstsz)
		return -1;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)src[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)src[i + 1] << 8;
		if (i + 2 < n)
			v |= src[i + 2];
		dst[o++] = alphabet[v >> 18 & 63];
		dst[o++] = alphabet[v >> 12 & 63];
		dst[o++] = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
		dst[o++] = i + 2 < n ? alphabet[v & 63] : '=';
	}
	dst[o] = '\0';
	return (ssize_t)o;
}
