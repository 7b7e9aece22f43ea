/*
 * check_smtpd.c: the SMTP session, driven whole through scripted input
 * (smtpd_harness.h), every row at several read sizes: one byte at a time,
 * odd cuts, and whole pipelined batches.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/ckmain.h"
#include "tests/unit/smtpd_harness.h"

#define E   "EHLO client.example\r\n"
#define H   "HELO client.example\r\n"
#define M   "MAIL FROM:<s@sender.example>\r\n"
#define R   "RCPT TO:<alice@example.org>\r\n"
#define D   "DATA\r\n"
#define Q   "QUIT\r\n"
#define MSG "Subject: t\r\n\r\nhello\r\n.\r\n"
#define IN(s) s, sizeof(s) - 1

struct row {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	const char	*codes;     /* the code of each reply, in order */
	int		 msgs;      /* messages queued */
	const char	*body;      /* the first message after our trace lines, or NULL */
	const char	*out_has;   /* a substring of the output, or NULL */
	const char	*msg_has;   /* a substring of the first message, or NULL */
	unsigned	 flags;
};

static const struct row rows[] = {
	/* the plain dialogue */
	{ "one message", IN(E M R D MSG Q), "220 250 250 250 354 250 221", 1,
	  "Subject: t\r\n\r\nhello\r\n", "250 2.0.0 Ok: queued as 0123456789abcdef",
	  "by mx.example.org (stamp-smtpd) with ESMTP id ", 0 },
	{ "HELO is SMTP", IN(H M R D MSG Q), "220 250 250 250 354 250 221", 1, NULL, NULL,
	  "from client.example (client.example [192.0.2.1])", 0 },
	{ "for <rcpt> with one recipient", IN(E M R D MSG Q), "220 250 250 250 354 250 221", 1,
	  NULL, NULL, "\tfor <alice@example.org>;", 0 },
	{ "two messages", IN(E M R D MSG M R "RCPT TO:<bob@example.org>\r\n" D "a\r\n.\r\n" Q),
	  "220 250 250 250 354 250 250 250 250 354 250 221", 2, NULL, NULL, NULL, 0 },
	{ "dot-stuffing undone", IN(E M R D "..a\r\n.b\r\n...\r\n.\r\n" Q),
	  "220 250 250 250 354 250 221", 1, ".a\r\nb\r\n..\r\n", NULL, NULL, 0 },
	{ "empty message", IN(E M R D ".\r\n" Q), "220 250 250 250 354 250 221", 1, "", NULL, NULL, 0 },
	{ "no final QUIT", IN(E M R D MSG), "220 250 250 250 354 250", 1, NULL, NULL, NULL, 0 },
	{ "RSET ends the transaction", IN(E M "RSET\r\n" R Q), "220 250 250 250 503 221", 0,
	  NULL, NULL, NULL, 0 },
	{ "NOOP VRFY HELP EXPN", IN(E "NOOP\r\nNOOP x\r\nVRFY alice\r\nVRFY\r\nHELP\r\nEXPN x\r\n" Q),
	  "220 250 250 250 252 501 214 502 221", 0, NULL, "252 2.5.2", NULL, 0 },
	{ "QUIT with argument", IN(E "QUIT now\r\n" Q), "220 250 501 221", 0, NULL, NULL, NULL, 0 },
	{ "RSET with argument", IN("RSET x\r\n" Q), "220 501 221", 0, NULL, NULL, NULL, 0 },
	{ "lower case verbs", IN("ehlo c\r\nmail from:<a@b.example>\r\nrcpt to:<alice@example.org>\r\n"
	  "data\r\n" MSG "quit\r\n"), "220 250 250 250 354 250 221", 1, NULL, NULL, NULL, 0 },
	{ "commands ending in bare LF", IN("EHLO c\nMAIL FROM:<a@b.example>\nQUIT\n"),
	  "220 250 250 221", 0, NULL, NULL, NULL, 0 },
	{ "EHLO lists the extensions", IN(E Q), "220 250 221", 0, NULL,
	  "250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 10000\r\n250-ENHANCEDSTATUSCODES\r\n"
	  "250-SMTPUTF8\r\n250 CHUNKING\r\n", NULL, 0 },
	{ "SIZE without a limit", IN(E Q), "220 250 221", 0, NULL, "250-SIZE\r\n", NULL, F_NOSIZE },

	/* sequence and syntax */
	{ "MAIL before HELO", IN(M Q), "220 503 221", 0, NULL, "5.5.1", NULL, 0 },
	{ "RCPT before MAIL", IN(E R Q), "220 250 503 221", 0, NULL, NULL, NULL, 0 },
	{ "DATA before MAIL", IN(E D Q), "220 250 503 221", 0, NULL, NULL, NULL, 0 },
	{ "DATA without recipients", IN(E M "RCPT TO:<nobody@example.org>\r\n" D Q),
	  "220 250 250 550 554 221", 0, NULL, "554 5.5.1", NULL, 0 },
	{ "DATA with argument", IN(E M R "DATA x\r\n" Q), "220 250 250 250 501 221", 0, NULL, NULL, NULL, 0 },
	{ "nested MAIL", IN(E M M Q), "220 250 250 503 221", 0, NULL, NULL, NULL, 0 },
	{ "empty HELO", IN("HELO\r\nEHLO \r\n" Q), "220 501 501 221", 0, NULL, "501 5.5.4", NULL, 0 },
	{ "control byte in HELO", IN("HELO a\tb\r\nHELO a\rb\r\n" Q), "220 501 501 221", 0, NULL, NULL, NULL, 0 },
	{ "HELO junk is escaped in Received", IN("HELO a(b)\\c\r\n" M R D MSG Q),
	  "220 250 250 250 354 250 221", 1, NULL, NULL, "from a?b??c (", 0 },
	{ "unknown command", IN("FOO\r\n" Q), "220 500 221", 0, NULL, "500 5.5.1", NULL, 0 },
	{ "NUL in a command", IN("NOOP a\0b\r\n" Q), "220 500 221", 0, NULL, "500 5.5.2 NUL", NULL, 0 },
	{ "NUL in MAIL", IN(E "MAIL FROM:<a\0@b.example>\r\n" Q), "220 250 500 221", 0, NULL, NULL, NULL, 0 },
	{ "empty line", IN("\r\n" Q), "220 500 221", 0, NULL, NULL, NULL, 0 },
	{ "ten bad commands end it", IN("A\r\nB\r\nC\r\nD\r\nE\r\nF\r\nG\r\nH\r\nI\r\nJ\r\n" Q),
	  "220 500 500 500 500 500 500 500 500 500 421", 0, NULL, "421 4.7.0", NULL, 0 },
	{ "MAIL without brackets", IN(E "MAIL FROM:a@b.example\r\n" Q), "220 250 501 221", 0, NULL, "5.1.7", NULL, 0 },
	{ "MAIL without FROM:", IN(E "MAIL TO:<a@b.example>\r\n" Q), "220 250 501 221", 0, NULL, NULL, NULL, 0 },
	{ "MAIL with space after colon", IN(E "MAIL FROM: <a@b.example>\r\n" Q), "220 250 250 221", 0, NULL, NULL, NULL, 0 },
	{ "MAIL with junk after the path", IN(E "MAIL FROM:<a@b.example>x\r\n" Q), "220 250 501 221", 0, NULL, NULL, NULL, 0 },
	{ "CR inside an address", IN(E "MAIL FROM:<a\rb@b.example>\r\n" Q), "220 250 501 221", 0, NULL, NULL, NULL, 0 },
	{ "null sender", IN(E "MAIL FROM:<>\r\n" R D MSG Q), "220 250 250 250 354 250 221", 1, NULL, NULL, NULL, 0 },
	{ "unknown MAIL parameter", IN(E "MAIL FROM:<a@b.example> FOO=bar\r\n" Q), "220 250 555 221", 0, NULL, "555 5.5.4", NULL, 0 },
	{ "bad parameter syntax", IN(E "MAIL FROM:<a@b.example> SIZE=abc\r\nMAIL FROM:<a@b.example> =x\r\n" Q),
	  "220 250 501 501 221", 0, NULL, NULL, NULL, 0 },
	{ "duplicate parameter", IN(E "MAIL FROM:<a@b.example> SIZE=1 SIZE=2\r\n" Q), "220 250 501 221", 0, NULL, NULL, NULL, 0 },
	{ "parameters need EHLO", IN(H "MAIL FROM:<a@b.example> SIZE=10\r\n" Q), "220 250 555 221", 0, NULL, NULL, NULL, 0 },
	{ "BODY and AUTH parameters", IN(E "MAIL FROM:<a@b.example> BODY=8BITMIME AUTH=<>\r\n" Q),
	  "220 250 250 221", 0, NULL, NULL, NULL, 0 },
	{ "BINARYMIME is not offered", IN(E "MAIL FROM:<a@b.example> BODY=BINARYMIME\r\n" Q), "220 250 555 221", 0, NULL, NULL, NULL, 0 },
	{ "RCPT parameters", IN(E M "RCPT TO:<alice@example.org> NOTIFY=NEVER\r\n" Q), "220 250 250 555 221", 0, NULL, NULL, NULL, 0 },

	/* SIZE both ways */
	{ "SIZE at the limit", IN(E "MAIL FROM:<a@b.example> SIZE=10000\r\n" Q), "220 250 250 221", 0, NULL, NULL, NULL, 0 },
	{ "SIZE over the limit", IN(E "MAIL FROM:<a@b.example> SIZE=10001\r\n" Q), "220 250 552 221", 0, NULL, "552 5.3.4", NULL, 0 },
	{ "SIZE absurd", IN(E "MAIL FROM:<a@b.example> SIZE=99999999999999999999999999\r\n" Q), "220 250 552 221", 0, NULL, NULL, NULL, 0 },

	/* SMTPUTF8 */
	{ "UTF-8 sender with SMTPUTF8", IN(E "MAIL FROM:<jösé@b.example> SMTPUTF8\r\nRCPT TO:<jösé@example.org>\r\n" D MSG Q),
	  "220 250 250 250 354 250 221", 1, NULL, NULL, "with UTF8SMTP id", 0 },
	{ "UTF-8 sender without SMTPUTF8", IN(E "MAIL FROM:<jösé@b.example>\r\n" Q), "220 250 553 221", 0, NULL, "5.6.7", NULL, 0 },
	{ "UTF-8 recipient without SMTPUTF8", IN(E M "RCPT TO:<jösé@example.org>\r\n" Q), "220 250 250 553 221", 0, NULL, "5.6.7", NULL, 0 },

	/* recipients and relaying */
	{ "unknown user", IN(E M "RCPT TO:<nobody@example.org>\r\n" Q), "220 250 250 550 221", 0, NULL, "550 5.1.1", NULL, 0 },
	{ "lookup trouble", IN(E M "RCPT TO:<error@example.org>\r\n" Q), "220 250 250 451 221", 0, NULL, "451 4.3.0", NULL, 0 },
	{ "relaying refused", IN(E M "RCPT TO:<x@elsewhere.example>\r\n" Q), "220 250 250 553 221", 0, NULL, "553 5.7.1", NULL, 0 },
	{ "relaying with RELAYCLIENT", IN(E M "RCPT TO:<x@elsewhere.example>\r\n" D MSG Q),
	  "220 250 250 250 354 250 221", 1, NULL, NULL, NULL, F_RELAY },
	{ "rcpthosts subdomain", IN(E M "RCPT TO:<x@mx1.hosted.example>\r\n" Q), "220 250 250 250 221", 0, NULL, NULL, NULL, 0 },
	{ "rcpthosts dot entry is not the domain", IN(E M "RCPT TO:<x@hosted.example>\r\n" Q), "220 250 250 553 221", 0, NULL, NULL, NULL, 0 },
	{ "virtual domain is local", IN(E M "RCPT TO:<nobody@virt.example>\r\n" Q), "220 250 250 550 221", 0, NULL, NULL, NULL, 0 },
	{ "source route to outside", IN(E M "RCPT TO:<@example.org:x@elsewhere.example>\r\n" Q), "220 250 250 553 221", 0, NULL, NULL, NULL, 0 },
	{ "source route to us", IN(E M "RCPT TO:<@elsewhere.example,@b.example:alice@example.org>\r\n" Q), "220 250 250 250 221", 0, NULL, NULL, NULL, 0 },
	{ "percent hack", IN(E M "RCPT TO:<x%elsewhere.example@example.org>\r\n" Q), "220 250 250 553 221", 0, NULL, "553 5.7.1", NULL, 0 },
	{ "bang path", IN(E M "RCPT TO:<elsewhere.example!x@example.org>\r\n" Q), "220 250 250 553 221", 0, NULL, NULL, NULL, 0 },
	{ "quoted @ in local part", IN(E M "RCPT TO:<\"x@elsewhere.example\"@example.org>\r\n" Q), "220 250 250 553 221", 0, NULL, NULL, NULL, 0 },
	{ "percent hack to us, relay client", IN(E M "RCPT TO:<x%elsewhere.example@example.org>\r\n" Q), "220 250 250 550 221", 0, NULL, NULL, NULL, F_RELAY },
	{ "bare postmaster", IN(E M "RCPT TO:<postmaster>\r\nRCPT TO:<PostMaster>\r\n" D MSG Q),
	  "220 250 250 250 250 354 250 221", 1, NULL, NULL, NULL, 0 },
	{ "postmaster at a local domain", IN(E M "RCPT TO:<postmaster@example.org>\r\n" Q), "220 250 250 250 221", 0, NULL, NULL, NULL, 0 },
	{ "other bare local part", IN(E M "RCPT TO:<alice>\r\n" Q), "220 250 250 553 221", 0, NULL, "5.1.3", NULL, 0 },
	{ "program recipient", IN(E M "RCPT TO:<\"|touch /tmp/x\"@example.org>\r\nRCPT TO:<|prog@example.org>\r\n"
	  "RCPT TO:</etc/passwd@example.org>\r\n" Q), "220 250 250 553 553 553 221", 0, NULL, "553 5.1.3", NULL, F_RELAY },
	{ "shell characters are characters", IN(E M "RCPT TO:<a&b`c$d{IFS}|e@example.org>\r\n" Q), "220 250 250 550 221", 0, NULL, NULL, NULL, 0 },
	{ "maxrcpt", IN(E M R R R R Q), "220 250 250 250 250 250 452 221", 0, NULL, "452 4.5.3", NULL, 0 },
	{ "badmailfrom", IN(E "MAIL FROM:<Spam@bad.example>\r\nMAIL FROM:<x@badhost.example>\r\n" Q), "220 250 553 553 221", 0, NULL, NULL, NULL, 0 },
	{ "badrcptto", IN(E M "RCPT TO:<blocked@example.org>\r\n" Q), "220 250 250 553 221", 0, NULL, NULL, NULL, 0 },

	/* the message's text: the end is only CR LF . CR LF */
	{ "bare LF dot LF", IN(E M R D "a\r\n\n.\n" M R D "smuggled\r\n.\r\n" Q),
	  "220 250 250 250 354 554 221", 0, NULL, "554 5.5.0", NULL, 0 },
	{ "bare CR dot CR", IN(E M R D "a\r\n\r.\r" M R D "smuggled\r\n.\r\n" Q), "220 250 250 250 354 554 221", 0, NULL, NULL, NULL, 0 },
	{ "LF dot CR LF", IN(E M R D "a\n.\r\n" M R D "smuggled\r\n.\r\n" Q), "220 250 250 250 354 554 221", 0, NULL, NULL, NULL, 0 },
	{ "CR LF dot LF", IN(E M R D "a\r\n.\n" M R D "smuggled\r\n.\r\n" Q), "220 250 250 250 354 554 221", 0, NULL, NULL, NULL, 0 },
	{ "CR dot CR LF", IN(E M R D "a\r.\r\n" M R D "smuggled\r\n.\r\n" Q), "220 250 250 250 354 554 221", 0, NULL, NULL, NULL, 0 },
	{ "CR LF dot CR", IN(E M R D "a\r\n.\r" M R D "smuggled\r\n.\r\n" Q), "220 250 250 250 354 554 221", 0, NULL, NULL, NULL, 0 },
	{ "dot CR CR LF", IN(E M R D "a\r\n.\r\r\n" M R D "smuggled\r\n.\r\n" Q), "220 250 250 250 354 554 221", 0, NULL, NULL, NULL, 0 },
	{ "bare LF alone", IN(E M R D "a\nb\r\n.\r\n" Q), "220 250 250 250 354 554 221", 0, NULL, NULL, NULL, 0 },
	{ "bare CR alone", IN(E M R D "a\rb\r\n.\r\n" Q), "220 250 250 250 354 554 221", 0, NULL, NULL, NULL, 0 },
	{ "NUL in the text is kept", IN(E M R D "a\0b\r\n.\r\n" Q), "220 250 250 250 354 250 221", 1, NULL, NULL, NULL, 0 },
	{ "message too big after all of it", IN(E M R D "%10001\r\n.\r\n" Q),
	  "220 250 250 250 354 552 221", 0, NULL, "552 5.3.4", NULL, 0 },
	{ "message just under the limit", IN(E M R D "%9600\r\n.\r\n" Q),
	  "220 250 250 250 354 250 221", 1, NULL, NULL, NULL, 0 },
	{ "long text lines are kept whole", IN(E M R D "%5000\r\n.\r\n" Q),
	  "220 250 250 250 354 250 221", 1, NULL, NULL, NULL, F_NOSIZE },
	{ "end of input inside DATA", IN(E M R D "Subject: half\r\n"), "220 250 250 250 354", 0, NULL, NULL, NULL, 0 },
	{ "timeout inside DATA", IN(E M R D "Subject: half\r\n\x01" MSG), "220 250 250 250 354 421", 0, NULL, "421 4.4.2", NULL, 0 },
	{ "timeout between commands", IN(E "\x01" Q), "220 250 421", 0, NULL, NULL, NULL, 0 },

	/* mail loops (maxhops 3 here) */
	{ "two trace lines pass", IN(E M R D "Received: x\r\nDelivered-To: y\r\n\r\nReceived: body\r\n.\r\n" Q),
	  "220 250 250 250 354 250 221", 1, NULL, NULL, NULL, 0 },
	{ "three trace lines are a loop", IN(E M R D "received: x\r\nX: 1\r\nDELIVERED-TO: y\r\nReceived: z\r\n\r\nb\r\n.\r\n" Q),
	  "220 250 250 250 354 554 221", 0, NULL, "554 5.4.6", NULL, 0 },
	{ "trace lines in the body do not count", IN(E M R D "S: x\r\n\r\nReceived: 1\r\nReceived: 2\r\nReceived: 3\r\n.\r\n" Q),
	  "220 250 250 250 354 250 221", 1, NULL, NULL, NULL, 0 },
	{ "a loop by BDAT", IN(E M R "BDAT 39 LAST\r\nReceived: 1\r\nReceived: 2\r\nReceived: 3\r\n" Q),
	  "220 250 250 250 554 221", 0, NULL, NULL, NULL, 0 },

	/* BDAT (CHUNKING) */
	{ "BDAT in two chunks", IN(E M R "BDAT 5\r\nhelloBDAT 8 LAST\r\n world\r\n" Q),
	  "220 250 250 250 250 250 221", 1, "hello world\r\n", "250 2.0.0 5 octets", NULL, 0 },
	{ "BDAT 0 LAST", IN(E M R "BDAT 0 LAST\r\n" Q), "220 250 250 250 250 221", 1, "", NULL, NULL, 0 },
	{ "BDAT keeps dots", IN(E M R "BDAT 6 LAST\r\n.\r\n.\r\n" Q), "220 250 250 250 250 221", 1, ".\r\n.\r\n", NULL, NULL, 0 },
	{ "BDAT without MAIL skips the chunk", IN(E "BDAT 6\r\nQUIT\r\n" Q), "220 250 503 221", 0, NULL, NULL, NULL, 0 },
	{ "BDAT without RCPT skips the chunk", IN(E M "BDAT 6 LAST\r\nQUIT\r\n" Q), "220 250 250 554 221", 0, NULL, NULL, NULL, 0 },
	{ "BDAT with bare LF", IN(E M R "BDAT 5 LAST\r\na\nb\r\n" Q), "220 250 250 250 554 221", 0, NULL, NULL, NULL, 0 },
	{ "BDAT ending in a bare CR", IN(E M R "BDAT 2 LAST\r\na\r" Q), "220 250 250 250 554 221", 0, NULL, NULL, NULL, 0 },
	{ "DATA after BDAT", IN(E M R "BDAT 3\r\nabc" D "BDAT 2 LAST\r\n\r\n" Q), "220 250 250 250 250 503 250 221", 1, "abc\r\n", NULL, NULL, 0 },
	{ "MAIL during BDAT", IN(E M R "BDAT 3\r\nabc" M Q), "220 250 250 250 250 503 221", 0, NULL, NULL, NULL, 0 },
	{ "BDAT bad size closes", IN(E M R "BDAT x\r\n" Q), "220 250 250 250 501", 0, NULL, NULL, NULL, 0 },
	{ "BDAT bad keyword closes", IN(E M R "BDAT 3 FIRST\r\nabc" Q), "220 250 250 250 501", 0, NULL, NULL, NULL, 0 },
	{ "BDAT over the limit", IN(E M R "BDAT 9000\r\n" "%9000" "BDAT 2000 LAST\r\n" "%2000" Q),
	  "220 250 250 250 250 552 221", 0, NULL, NULL, NULL, 0 },
	{ "BDAT cut short", IN(E M R "BDAT 100 LAST\r\nabc"), "220 250 250 250", 0, NULL, NULL, NULL, 0 },

	/* greetdelay */
	{ "early talker", IN(E Q), "554", 0, NULL, "554 5.5.0", NULL, F_GREETDELAY },
	{ "patient client", IN("\x01" E Q), "220 250 221", 0, NULL, NULL, NULL, F_GREETDELAY },

	/* AUTH */
	{ "no AUTH for a remote plaintext client", IN(E "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n" Q),
	  "220 250 503 221", 0, NULL, NULL, NULL, 0 },
	{ "AUTH needs TLS when TLS is there", IN(E "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n" Q),
	  "220 250 538 221", 0, NULL, "538 5.7.11", NULL, F_TLSAVAIL },
	{ "AUTH PLAIN on loopback, then relay", IN(E "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n" M
	  "RCPT TO:<x@elsewhere.example>\r\n" D MSG Q), "220 250 235 250 250 354 250 221", 1, NULL,
	  "250-AUTH PLAIN LOGIN", "with ESMTPA id", F_LOOPBACK },
	{ "AUTH with authplaintext", IN(E "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n" Q), "220 250 235 221", 0, NULL, NULL, NULL, F_PLAIN },
	{ "AUTH PLAIN in two steps", IN(E "AUTH PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\n" Q), "220 250 334 235 221", 0, NULL, NULL, NULL, F_LOOPBACK },
	{ "AUTH PLAIN with authzid", IN(E "AUTH PLAIN YWxpY2UAYWxpY2UAc2VjcmV0\r\n" Q), "220 250 235 221", 0, NULL, NULL, NULL, F_LOOPBACK },
	{ "AUTH PLAIN for someone else", IN(E "AUTH PLAIN Ym9iAGFsaWNlAHNlY3JldA==\r\n" Q), "220 250 535 221", 0, NULL, NULL, NULL, F_LOOPBACK },
	{ "AUTH LOGIN", IN(E "AUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\n" Q), "220 250 334 334 235 221", 0, NULL,
	  "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n", NULL, F_LOOPBACK },
	{ "AUTH LOGIN with initial response", IN(E "AUTH LOGIN YWxpY2U=\r\nc2VjcmV0\r\n" Q), "220 250 334 235 221", 0, NULL, NULL, NULL, F_LOOPBACK },
	{ "three bad passwords", IN(E "AUTH PLAIN AGFsaWNlAHdyb25n\r\nAUTH PLAIN AGFsaWNlAHdyb25n\r\n"
	  "AUTH PLAIN AGFsaWNlAHdyb25n\r\n" Q), "220 250 535 535 421", 0, NULL, "535 5.7.8", NULL, F_LOOPBACK },
	{ "temporary checkpw trouble", IN(E "AUTH PLAIN AHRlbXAAeA==\r\n" Q), "220 250 454 221", 0, NULL, "454 4.7.0", NULL, F_LOOPBACK },
	{ "AUTH cancelled", IN(E "AUTH LOGIN\r\n*\r\n" Q), "220 250 334 501 221", 0, NULL, NULL, NULL, F_LOOPBACK },
	{ "AUTH bad base64", IN(E "AUTH PLAIN !!!!\r\nAUTH PLAIN AGFsaWNl\r\n" Q), "220 250 501 501 221", 0, NULL, NULL, NULL, F_LOOPBACK },
	{ "AUTH twice", IN(E "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n" Q),
	  "220 250 235 503 221", 0, NULL, NULL, NULL, F_LOOPBACK },
	{ "AUTH after HELO", IN(H "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n" Q), "220 250 503 221", 0, NULL, NULL, NULL, F_LOOPBACK },
	{ "AUTH in a transaction", IN(E M "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n" Q), "220 250 250 503 221", 0, NULL, NULL, NULL, F_LOOPBACK },
	{ "AUTH unknown mechanism", IN(E "AUTH CRAM-MD5\r\n" Q), "220 250 504 221", 0, NULL, NULL, NULL, F_LOOPBACK },
	{ "submission needs AUTH", IN(E M "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n" M "RCPT TO:<x@elsewhere.example>\r\n" Q),
	  "220 250 530 235 250 250 221", 0, NULL, "530 5.7.0", NULL, F_LOOPBACK | F_SUBMISSION },

	/* STARTTLS */
	{ "STARTTLS offered", IN(E Q), "220 250 221", 0, NULL, "250-STARTTLS\r\n", NULL, F_TLSAVAIL },
	{ "STARTTLS then a message", IN(E "STARTTLS\r\n\x02" E M R D MSG Q), "220 250 220 250 250 250 354 250 221", 1,
	  NULL, "250-AUTH PLAIN LOGIN", "with ESMTPS (TLSv1.3 TLS_AES_256_GCM_SHA384) id", F_TLSAVAIL },
	{ "STARTTLS injection fails", IN(E "STARTTLS\r\n" M R "\x02" E Q), "220 250 220 250 221", 0, NULL, NULL, NULL, F_TLSAVAIL },
	{ "EHLO again after STARTTLS", IN(E M "STARTTLS\r\n\x02" M Q), "220 250 250 220 503 221", 0, NULL, NULL, NULL, F_TLSAVAIL },
	{ "STARTTLS twice", IN(E "STARTTLS\r\n\x02" E "STARTTLS\r\n" Q), "220 250 220 250 503 221", 0, NULL, NULL, NULL, F_TLSAVAIL },
	{ "STARTTLS not configured", IN(E "STARTTLS\r\n" Q), "220 250 502 221", 0, NULL, NULL, NULL, 0 },
	{ "STARTTLS with argument", IN(E "STARTTLS now\r\n" Q), "220 250 501 221", 0, NULL, NULL, NULL, F_TLSAVAIL },
	{ "failed handshake ends the session", IN(E "STARTTLS\r\n\x02" E Q), "220 250 220", 0, NULL, NULL, NULL, F_TLSAVAIL | F_TLSFAIL },
	{ "AUTH over TLS", IN(E "STARTTLS\r\n\x02" E "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n" M
	  "RCPT TO:<x@elsewhere.example>\r\n" D MSG Q), "220 250 220 250 235 250 250 354 250 221", 1, NULL, NULL,
	  "with ESMTPSA", F_TLSAVAIL },

	/* hooks and the queue */
	{ "DNSBL listed", IN(E M Q), "220 250 554 221", 0, NULL, "Listed at bl.example", NULL, F_LISTED },
	{ "DNSBL spares relay clients", IN(E M R Q), "220 250 250 250 221", 0, NULL, NULL, NULL, F_LISTED | F_RELAY },
	{ "policy defers a recipient", IN(E M "RCPT TO:<reject@example.org>\r\n" R D MSG Q),
	  "220 250 250 450 250 354 250 221", 1, NULL, "450 4.7.1 Greylisted  X-Evil: 1\r\n", NULL, F_POL_RCPT },
	{ "policy refuses the message", IN(E M R D MSG Q), "220 250 250 250 354 554 221", 0, NULL, "554 5.7.1 Spam", NULL, F_POL_EOM },
	{ "policy PREPEND", IN(E M R D MSG Q), "220 250 250 250 354 250 221", 1, NULL, NULL,
	  "X-Greylist: passed\r\nReceived: from", F_POL_PREP },
	{ "queue fails temporarily", IN(E M R D MSG Q), "220 250 250 250 354 451 221", 0, NULL,
	  "451 4.3.0 Temporary failure: disk on fire  X-Injected: 1\r\n", NULL, F_QTEMP },
	{ "queue fails permanently", IN(E M R D MSG Q), "220 250 250 250 354 554 221", 0, NULL, "554 5.3.0", NULL, F_QPERM },
};

/* "%N" in a row's input stands for N octets of text (no CR or LF). */
static size_t
expand(const char *in, size_t len, char *out, size_t outsz)
{
	size_t	 o = 0;

	for (size_t i = 0; i < len; i++) {
		if (in[i] == '%' && i + 1 < len && in[i + 1] >= '0' && in[i + 1] <= '9') {
			size_t n = 0;

			while (i + 1 < len && in[i + 1] >= '0' && in[i + 1] <= '9')
				n = n * 10 + (size_t)(in[++i] - '0');
			ck_assert_uint_le(o + n, outsz);
			memset(out + o, 'x', n);
			o += n;
			continue;
		}
		ck_assert_uint_lt(o, outsz);
		out[o++] = in[i];
	}
	return o;
}

static const size_t chunks[] = { 0, 1, 2, 7, 64 };

START_TEST(session_table)
{
	const struct row	*r = &rows[_i];
	static char		 in[65536];
	size_t			 len = expand(r->in, r->inlen, in, sizeof in);

	for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		struct harness	 h;
		char		 codes[512];

		h_run(&h, in, len, chunks[c], r->flags);
		h_codes(&h, codes, sizeof codes);
		ck_assert_msg(strcmp(codes, r->codes) == 0, "%s (chunk %zu): codes \"%s\", want \"%s\"\n%s",
		    r->name, chunks[c], codes, r->codes, h.out.s);
		ck_assert_msg(h.msgs == r->msgs, "%s (chunk %zu): %d messages, want %d", r->name,
		    chunks[c], h.msgs, r->msgs);
		ck_assert_msg(h.unflushed_reads == 0, "%s (chunk %zu): read with replies unsent",
		    r->name, chunks[c]);
		if (r->out_has != NULL)
			ck_assert_msg(strstr(h.out.s, r->out_has) != NULL, "%s: output lacks \"%s\"\n%s",
			    r->name, r->out_has, h.out.s);
		if (r->body != NULL)
			ck_assert_msg(strcmp(h_body(&h.msg[0]), r->body) == 0, "%s: body \"%s\"",
			    r->name, h_body(&h.msg[0]));
		if (r->msg_has != NULL)
			ck_assert_msg(strstr(h.msg[0].s, r->msg_has) != NULL, "%s: message lacks \"%s\"\n%s",
			    r->name, r->msg_has, h.msg[0].s);
		h_free(&h);
	}
}
END_TEST

/* Command lines: 512 octets with CR LF is the bound; longer is one bad line. */
START_TEST(command_line_bounds)
{
	static char	 in[20000];
	struct harness	 h;
	char		 codes[256];
	size_t		 n = 0;

	n += (size_t)snprintf(in + n, sizeof in - n, "NOOP ");
	memset(in + n, 'x', 505), n += 505;                      /* 510 + CR LF = 512 */
	n += (size_t)snprintf(in + n, sizeof in - n, "\r\nNOOP ");
	memset(in + n, 'x', 506), n += 506;                      /* 513 */
	n += (size_t)snprintf(in + n, sizeof in - n, "\r\nNOOP ");
	memset(in + n, 'y', 15000), n += 15000;                  /* far over the buffer */
	n += (size_t)snprintf(in + n, sizeof in - n, "\r\nQUIT\r\n");
	for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		h_run(&h, in, n, chunks[c], 0);
		h_codes(&h, codes, sizeof codes);
		ck_assert_str_eq(codes, "220 250 500 500 221");
		ck_assert_ptr_nonnull(strstr(h.out.s, "500 5.5.2 Line too long"));
		h_free(&h);
	}
}
END_TEST

/* An AUTH line may be longer than 512 octets (RFC 4954 4). */
START_TEST(long_auth_line)
{
	static char	 in[4096];
	struct harness	 h;
	char		 codes[256];
	int		 n;

	/* "\0alice\0" + 600 octets of password, base64: 812 octets. */
	n = snprintf(in, sizeof in, "EHLO c\r\nAUTH PLAIN AGFsaWNlAHh4");
	for (int i = 0; i < 200; i++)
		n += snprintf(in + n, sizeof in - (size_t)n, "eHh4");
	n += snprintf(in + n, sizeof in - (size_t)n, "\r\nQUIT\r\n");
	h_run(&h, in, (size_t)n, 0, F_LOOPBACK);
	h_codes(&h, codes, sizeof codes);
	ck_assert_str_eq(codes, "220 250 535 221");	/* read and checked, just wrong */
	ck_assert_int_eq(h.pauses, 1);
	h_free(&h);
}
END_TEST

/* A pipelined batch is answered in one write, not one per reply (RFC 2920). */
START_TEST(pipelined_batch_one_write)
{
	static const char in[] = E M R "RCPT TO:<bob@example.org>\r\nRCPT TO:<nobody@example.org>\r\n" D;
	struct harness	 h;
	char		 codes[256];

	h_run(&h, IN(in), 0, 0);
	h_codes(&h, codes, sizeof codes);
	ck_assert_str_eq(codes, "220 250 250 250 250 550 354");
	ck_assert_uint_eq(h.writes, 2);	/* the greeting, then the whole batch */
	h_free(&h);
}
END_TEST

/* A text line of 5000 octets arrives whole: no split, no loss. */
START_TEST(long_text_line_whole)
{
	static char	 in[8192], want[8192];
	struct harness	 h;
	int		 n;

	memset(want, 'z', 5000);
	memcpy(want + 5000, "\r\nend\r\n", 8);
	n = snprintf(in, sizeof in, E M R D "%.*s.\r\n" Q, 5008, want);
	for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		h_run(&h, in, (size_t)n, chunks[c], F_NOSIZE);
		ck_assert_int_eq(h.msgs, 1);
		ck_assert_str_eq(h_body(&h.msg[0]), want);
		h_free(&h);
	}
}
END_TEST

/* Three failed AUTHs: a pause after each, growing, then 421. */
START_TEST(auth_failures_pause)
{
	static const char in[] = E "AUTH LOGIN YWxpY2U=\r\neA==\r\nAUTH LOGIN YWxpY2U=\r\neA==\r\n"
	    "AUTH LOGIN YWxpY2U=\r\neA==\r\n" Q;
	struct harness	 h;

	h_run(&h, IN(in), 0, F_LOOPBACK);
	ck_assert_int_eq(h.pauses, 3);
	ck_assert_ptr_nonnull(strstr(h.out.s, "421 4.7.0"));
	ck_assert_ptr_null(strstr(h.out.s, "221"));
	h_free(&h);
}
END_TEST

/* The envelope the queue gets: canonical sender, every accepted recipient. */
START_TEST(envelope_to_queue)
{
	static const char in[] = E "MAIL FROM:<@relay.example:S@Sender.example>\r\n" R
	    "RCPT TO:<nobody@example.org>\r\nRCPT TO:<bob@example.org>\r\n" D MSG Q;
	struct harness	 h;

	h_run(&h, IN(in), 0, 0);
	ck_assert_int_eq(h.msgs, 1);
	ck_assert_str_eq(h.sender[0], "S@Sender.example");
	ck_assert_uint_eq(h.nrcpt[0], 2);
	/* Two recipients: no "for" clause that would show one to the other. */
	ck_assert_ptr_null(strstr(h.msg[0].s, "\tfor <"));
	h_free(&h);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("smtpd");
	TCase	*tc = tcase_create("session");

	tcase_add_loop_test(tc, session_table, 0, (int)(sizeof rows / sizeof rows[0]));
	tcase_add_test(tc, command_line_bounds);
	tcase_add_test(tc, long_auth_line);
	tcase_add_test(tc, pipelined_batch_one_write);
	tcase_add_test(tc, long_text_line_whole);
	tcase_add_test(tc, auth_failures_pause);
	tcase_add_test(tc, envelope_to_queue);
	suite_add_tcase(s, tc);
	return ck_run(s);
}
