/* hops.c: trace lines in a streaming header (see hops.h). */
#include "hops.h"

#include <ctype.h>
#include <string.h>

enum { H_BOL, H_NAME, H_REST, H_CR_BOL, H_BODY };

void
hops_init(struct hops *h)
{
	memset(h, 0, sizeof *h);
	h->state = H_BOL;
}

/* The name of a header field is complete (up to its colon): is it a trace line? */
static void
name_done(struct hops *h)
{
	if ((h->len == 9 && memcmp(h->name, "received:", 9) == 0) ||
	    (h->len == 13 && memcmp(h->name, "delivered-to:", 13) == 0))
		h->count++;
}

void
hops_feed(struct hops *h, const char *p, size_t n)
{
	for (size_t i = 0; i < n && h->state != H_BODY; i++) {
		char c = p[i];

		switch (h->state) {
		case H_BOL:
			if (c == '\n') {
				h->state = H_BODY;	/* the empty line ends the header */
				break;
			}
			if (c == '\r') {
				h->state = H_CR_BOL;
				break;
			}
			h->len = 0;
			h->state = H_NAME;
			/* FALLTHROUGH */
		case H_NAME:
			if (c == '\n') {
				h->state = H_BOL;
				break;
			}
			if (h->len < HOPS_NAME_MAX)
				h->name[h->len++] = (char)tolower((unsigned char)c);
			if (c == ':') {
				name_done(h);
				h->state = H_REST;
			} else if (h->len == HOPS_NAME_MAX)
				h->state = H_REST;
			break;
		case H_REST:
			if (c == '\n')
				h->state = H_BOL;
			break;
		case H_CR_BOL:
			h->state = c == '\n' ? H_BODY : H_REST;
			break;
		}
	}
}
