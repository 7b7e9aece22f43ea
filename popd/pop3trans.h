/*
 * pop3trans.h: the TRANSACTION and UPDATE states of RFC 1939, on a locked
 * maildrop. DELE only marks; RSET unmarks; QUIT here is the only way into
 * UPDATE, which removes the marked files, fsyncs cur/, and says +OK only
 * when all of them are gone. EOF or a timeout removes nothing.
 */
#ifndef STAMP_POP3TRANS_H
#define STAMP_POP3TRANS_H

#include "buf.h"
#include "maildrop.h"

enum pop3_trans_end {
	PT_UPDATED,      /* QUIT, and every marked message removed */
	PT_UPDATE_FAILED,/* QUIT, but some could not be removed (-ERR [SYS/TEMP] said so) */
	PT_GONE,         /* the client left without QUIT: nothing removed */
};

/* The "+OK" that ends the login, then commands until QUIT or the end. */
enum pop3_trans_end pop3_transaction(struct rbuf *in, struct wbuf *out, struct maildrop *d,
    const char *user);

#endif
