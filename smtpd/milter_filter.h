/*
 * milter_filter.h: the conversation with one filter: option negotiation,
 * then one command at a time with its macros, honouring the stages the
 * filter asked to skip and the replies it asked to leave out, and the
 * meaning of each reply.
 *
 * Every read and write has a deadline (the command timeout, or the end of
 * message one); a filter that breaks the protocol, sends garbage, too much
 * or nothing in time is closed and marked failed, with one log line
 * "milter=NAME stage=STAGE error=...". What failure means (4xx, or going
 * on without it) is the caller's: see milter.h.
 */
#ifndef STAMP_SMTPD_MILTER_FILTER_H
#define STAMP_SMTPD_MILTER_FILTER_H

#include <stddef.h>

#include "milter_codec.h"
#include "milter_conn.h"

/* Macro values for the filter: get returns the value of a name ("j", "{client_addr}", braces stripped: "client_addr"), or NULL. */
struct milter_macros {
	const char	*(*get)(void *ctx, const char *name);
	void		*ctx;
};

/* A modification at end of message: 0 applied, -1 refused (the filter has failed). */
typedef int (*milter_mod_fn)(void *ctx, const struct milter_reply *, int leadspc);

enum milter_act { MACT_CONTINUE, MACT_ACCEPT, MACT_REJECT, MACT_TEMPFAIL, MACT_DISCARD,
	MACT_FAILED };

struct milter {
	struct milter_spec	 spec;
	struct milter_io	*io;         /* NULL once closed */
	struct milter_neg	 neg;
	int			 failed;     /* trouble: its default action applies from now on */
	int			 skip_conn;  /* accepted the connection: asked no more */
	int			 skip_msg;   /* accepted (or discarded) this message */
	int			 skip_body;  /* SMFIR_SKIP: no more body chunks */
	int			 in_msg;     /* MAIL was sent: an abort is owed without EOM */
	int			 tmo_cmd, tmo_eom;   /* ms */
};

/* Connect and negotiate. 0, or -1 (failed, logged). The struct is set up either way. */
int  milter_start(struct milter *, const struct milter_spec *, int tmo_connect,
    int tmo_cmd, int tmo_eom);
/* Negotiate on an io already open (the check suite's socket pairs). */
int  milter_negotiate(struct milter *, int tmo);

/*
 * Send cmd (with data) at stage, preceded by the macros of stage (mst, or
 * -1 for none), and read its reply unless the filter asked for none. For
 * SMFIC_BODYEOB, modifications go to mod (checked against what the filter
 * negotiated). reply gets the filter's own reply line for REJECT and
 * TEMPFAIL ("" for our default). Stages the filter skips give CONTINUE.
 */
enum milter_act milter_command(struct milter *, int mst, char cmd, const void *data,
    size_t len, const struct milter_macros *, milter_mod_fn mod, void *modctx,
    char *reply, size_t replysz);

/* The transaction ended without end of message (RSET, a refusal, the client left). */
void milter_abort(struct milter *);
/* Say goodbye and close. */
void milter_quit(struct milter *);
/* Close and mark failed, logging why. */
void milter_fail(struct milter *, const char *stage, const char *why);

/* Stage names for logs ("connect", "helo", ...) by command letter. */
const char *milter_stage_name(char cmd);

#endif
