/*
 * inj_hdr.h: split a message into its header fields and its body.
 *
 * A header field is a line "Name: value" (the name printable ASCII without
 * ":", white space before the colon allowed as RFC 5322's obsolete syntax
 * does) with its continuation lines (starting with a space or a tab). The
 * header ends at the first empty line, or, as qmail-inject and Postfix
 * have it, at the first line that is not a field: the body starts there,
 * and a blank line is put before it. Input has LF line ends.
 *
 * Malformed, and refused: a continuation line first (it continues
 * nothing), and a NUL byte in the header.
 */
#ifndef STAMP_INJ_HDR_H
#define STAMP_INJ_HDR_H

#include <stddef.h>

struct hdr_field {
	const char *name;     /* into the message; namelen octets */
	size_t      namelen;
	const char *value;    /* after the colon, to the end of the field, no final LF */
	size_t      valuelen;
	const char *raw;      /* the whole field, no final LF */
	size_t      rawlen;
};

struct hdr_part {
	struct hdr_field *f;  /* n fields, malloc'ed */
	size_t            n;
	size_t            body;   /* offset of the body */
	int               blank;  /* an empty line ended the header (it is before body) */
};

/* 0; or -1 with *why (a sentence) when malformed, or errno ENOMEM (*why NULL). */
int  hdr_split(const char *msg, size_t len, struct hdr_part *out, const char **why);
void hdr_part_free(struct hdr_part *);
/* Is field f named name (ASCII case-insensitively)? */
int  hdr_is(const struct hdr_field *f, const char *name);
/* The first field called name, or NULL. */
const struct hdr_field *hdr_find(const struct hdr_part *, const char *name);

#endif
