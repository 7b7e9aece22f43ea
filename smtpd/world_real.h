/* world_real.h: the real world of a session (see world.h). */
#ifndef STAMP_SMTPD_WORLD_REAL_H
#define STAMP_SMTPD_WORLD_REAL_H

#include "world.h"

/* Fill w with the real functions; ctx is the session's TLS state (tls.h), or NULL. */
void world_real(struct smtpd_world *w, void *tls_ctx);

#endif
