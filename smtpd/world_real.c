/* world_real.c: the functions a real session reaches the world through. */
#include "world_real.h"

#include <errno.h>
#include <time.h>

#include "checkpw.h"
#include "dnsbl.h"
#include "milter.h"
#include "queue.h"
#include "tls.h"

static enum lookup_kind
real_lookup(void *ctx, const char *local, const char *domain)
{
	struct lookup	 l;
	enum lookup_kind k;

	(void)ctx;
	k = lookup_recipient(local, domain, &l);
	lookup_free(&l);
	return k;
}

static void
real_pause(void *ctx, int ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	(void)ctx;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static time_t
real_now(void *ctx)
{
	(void)ctx;
	return time(NULL);
}

void
world_real(struct smtpd_world *w, void *tls_ctx)
{
	w->ctx = tls_ctx;
	w->queue = queue_message;
	w->queue_hold = queue_hold;
	w->checkpw = checkpw_run;
	w->starttls = tls_ctx != NULL ? smtpd_starttls : NULL;
	w->lookup = real_lookup;
	w->pause = real_pause;
	w->now = real_now;
	w->policy = policy_check_prepend;
	w->dnsbl = dnsbl_check;
	w->milter_open = milter_open;
}
