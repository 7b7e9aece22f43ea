/*
 * milter_codec.h: the packets of the Sendmail milter protocol (version 6,
 * as Postfix speaks it), apart from any socket so that the check suite
 * drives them with recorded bytes.
 *
 * A packet is a 4-octet big-endian length, then that many octets: the
 * command (or reply) letter and its data. Strings in the data end in NUL.
 * Everything a filter sends is bounded: a packet over MILTER_PKT_MAX, an
 * empty one, a string without its NUL, or a field that runs past the end
 * is malformed, and the caller treats the filter as failed.
 */
#ifndef STAMP_SMTPD_MILTER_CODEC_H
#define STAMP_SMTPD_MILTER_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "str.h"

#define MILTER_VERSION   6
#define MILTER_PKT_MAX   (65535 + 1024)  /* a body chunk, its letter and some slack */
#define MILTER_CHUNK     65535           /* body octets per SMFIC_BODY */
#define MILTER_REPLY_MAX 400             /* text of a custom reply we pass on */
#define MILTER_MACROLIST_MAX 1024        /* a requested macro list */

/* Commands (MTA to filter). */
#define SMFIC_ABORT   'A'
#define SMFIC_BODY    'B'
#define SMFIC_CONNECT 'C'
#define SMFIC_MACRO   'D'
#define SMFIC_BODYEOB 'E'
#define SMFIC_HELO    'H'
#define SMFIC_HEADER  'L'
#define SMFIC_MAIL    'M'
#define SMFIC_EOH     'N'
#define SMFIC_OPTNEG  'O'
#define SMFIC_QUIT    'Q'
#define SMFIC_RCPT    'R'
#define SMFIC_DATA    'T'

/* Replies (filter to MTA). */
#define SMFIR_ADDRCPT     '+'
#define SMFIR_DELRCPT     '-'
#define SMFIR_ADDRCPT_PAR '2'
#define SMFIR_SHUTDOWN    '4'
#define SMFIR_ACCEPT      'a'
#define SMFIR_REPLBODY    'b'
#define SMFIR_CONTINUE    'c'
#define SMFIR_DISCARD     'd'
#define SMFIR_CHGFROM     'e'
#define SMFIR_CONN_FAIL   'f'
#define SMFIR_ADDHEADER   'h'
#define SMFIR_INSHEADER   'i'
#define SMFIR_CHGHEADER   'm'
#define SMFIR_PROGRESS    'p'
#define SMFIR_QUARANTINE  'q'
#define SMFIR_REJECT      'r'
#define SMFIR_SKIP        's'
#define SMFIR_TEMPFAIL    't'
#define SMFIR_REPLYCODE   'y'

/* Actions a filter may take (SMFIF_*): we offer all of these. */
#define SMFIF_ADDHDRS     0x01
#define SMFIF_CHGBODY     0x02
#define SMFIF_ADDRCPT     0x04
#define SMFIF_DELRCPT     0x08
#define SMFIF_CHGHDRS     0x10
#define SMFIF_QUARANTINE  0x20
#define SMFIF_CHGFROM     0x40
#define SMFIF_ADDRCPT_PAR 0x80
#define SMFIF_SETSYMLIST  0x100
#define MILTER_ACTIONS    0x1ff

/* Protocol flags (SMFIP_*): stages a filter may skip, replies it may leave out. */
#define SMFIP_NOCONNECT   0x01
#define SMFIP_NOHELO      0x02
#define SMFIP_NOMAIL      0x04
#define SMFIP_NORCPT      0x08
#define SMFIP_NOBODY      0x10
#define SMFIP_NOHDRS      0x20
#define SMFIP_NOEOH       0x40
#define SMFIP_NR_HDR      0x80
#define SMFIP_NOUNKNOWN   0x100
#define SMFIP_NODATA      0x200
#define SMFIP_SKIP        0x400
#define SMFIP_RCPT_REJ    0x800
#define SMFIP_NR_CONN     0x1000
#define SMFIP_NR_HELO     0x2000
#define SMFIP_NR_MAIL     0x4000
#define SMFIP_NR_RCPT     0x8000
#define SMFIP_NR_DATA     0x10000
#define SMFIP_NR_UNKN     0x20000
#define SMFIP_NR_EOH      0x40000
#define SMFIP_NR_BODY     0x80000
#define SMFIP_HDR_LEADSPC 0x100000
/* What we offer: every skip and no-reply flag, SKIP and HDR_LEADSPC (not RCPT_REJ, not MDS_*). */
#define MILTER_PROTO      0x1ff7ff

/* The stages of SMFIR_SETSYMLIST / the macro lists of the negotiation. */
enum milter_stage { MST_CONNECT, MST_HELO, MST_MAIL, MST_RCPT, MST_DATA, MST_EOM, MST_EOH,
	MST_COUNT };

struct milter_pkt {
	char		 cmd;
	const char	*data;   /* into the caller's buffer */
	size_t		 len;
};

/* Append one packet (cmd, then data) to out. 0, or -1 (ENOMEM, or too long). */
int milter_encode(struct str *out, char cmd, const void *data, size_t len);

/*
 * Take one packet from buf[0..n). The octets used (> 0); 0 when more are
 * needed; -1 when the length is 0 or over MILTER_PKT_MAX (never more).
 */
long milter_decode(const char *buf, size_t n, struct milter_pkt *);
/* The length field of a 4-octet header: 0 .. 2^32-1. */
uint32_t milter_get32(const void *);
void     milter_put32(void *, uint32_t);

/* What a filter answered to SMFIC_OPTNEG. */
struct milter_neg {
	uint32_t version, actions, proto;
	char	 macros[MST_COUNT][MILTER_MACROLIST_MAX];   /* "" none asked */
	int	 has_macros[MST_COUNT];
};
/*
 * Parse an SMFIC_OPTNEG answer: version 2 to 6, then actions and flags
 * (each masked to what we offer: a filter asking for RCPT_REJ or larger
 * body chunks just does not get them), then macro lists (stage, string).
 * 0, or -1 with *why.
 */
int milter_parse_neg(const struct milter_pkt *, struct milter_neg *, const char **why);

/* One reply, parsed; pointers go into the packet. */
struct milter_reply {
	char		 code;                          /* SMFIR_* */
	char		 text[MILTER_REPLY_MAX + 32];   /* SMFIR_REPLYCODE: one checked reply line */
	uint32_t	 index;                         /* SMFIR_INSHEADER, SMFIR_CHGHEADER */
	const char	*name, *value;                  /* header; or address / reason in name */
	const char	*args;                          /* SMFIR_CHGFROM, SMFIR_ADDRCPT_PAR: ESMTP args or NULL */
	const char	*body;                          /* SMFIR_REPLBODY */
	size_t		 bodylen;
};
/*
 * Parse a reply packet: the letter must be a known one, and its data the
 * right shape. A custom reply (SMFIR_REPLYCODE) must be a 4xx or 5xx code,
 * a space and printable ASCII (of a multi-line one, the last line counts);
 * an enhanced status code of the right class is added when missing.
 * 0, or -1 with *why.
 */
int milter_parse_reply(const struct milter_pkt *, struct milter_reply *, const char **why);

/* Append a NUL-ended copy of s (NULL: "") to out: for building packet data. 0, or -1. */
int milter_put_str(struct str *out, const char *s);

#endif
