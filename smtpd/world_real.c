/* world_real.c: the functions a real session reaches the world through. */
#include "world_real.h"

#include <errno.h>
#include <time.h>

#include "checkpw.h"
#include "dnsbl.h"
#include "milter.h"
#include "lmtproute.h"
#include "queue.h"
#include "tls.h"

/*
 * A domain that control/lmtp hands to an LMTP server has its mailboxes
 * there, not in stamp's tables: a name unknown here is accepted, and the
 * server's RCPT reply decides (a refusal bounces).
 */
static int
lmtp_domain(const char *domain)
{
	struct ctl_list	 l = { NULL, 0 };
	int		 yes;

	if (ctl_list("lmtp", &l) == -1)
		return -1;
	yes = lmtp_find(&l, domain) != NULL;
	ctl_list_free(&l);
	return yes;
}

static enum lookup_kind
real_lookup(void *ctx, const char *local, const char *domain)
{
	struct lookup	 l;
	enum lookup_kind k;

	(void)ctx;
	k = lookup_recipient(local, domain, &l);
	lookup_free(&l);
	if (k == LK_UNKNOWN) {
		int lm = lmtp_domain(domain);

		if (lm == -1)
			return LK_ERROR;
		if (lm == 1)
			return LK_VIRTUAL;
	}
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
