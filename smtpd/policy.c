/*
 * policy.c: ask the services of control/policy, in order, and combine their
 * answers into one verdict (see policy.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "policy.h"
#include "policy_conn.h"
#include "policy_proto.h"

/*
 * Postfix's "instance" is the same for every request about one message and
 * differs between messages; policy servers such as postgrey use it to add
 * their header once per message. The interface has no transaction handle,
 * so a new transaction is seen here: the first request, a request after
 * END-OF-MESSAGE, another client or sender, or a RCPT whose count did not
 * grow.
 */
static struct {
	unsigned long	serial;
	int		after_eom;
	unsigned	last_count;
	char		client[64], sender[300];
} tx;

static void
instance_for(const struct policy_req *r, char *buf, size_t bufsz)
{
	const char	*client = r->client_address ? r->client_address : "";
	const char	*sender = r->sender ? r->sender : "";
	int		 rcpt = r->protocol_state && strcmp(r->protocol_state, "RCPT") == 0;

	if (tx.serial == 0 || tx.after_eom || strncmp(tx.client, client, sizeof(tx.client) - 1) ||
	    strncmp(tx.sender, sender, sizeof(tx.sender) - 1) ||
	    (rcpt && r->recipient_count <= tx.last_count && r->recipient_count <= 1)) {
		tx.serial++;
		strlcpy(tx.client, client, sizeof(tx.client));
		strlcpy(tx.sender, sender, sizeof(tx.sender));
	}
	if (rcpt)
		tx.last_count = r->recipient_count;
	tx.after_eom = !rcpt;
	snprintf(buf, bufsz, "%lx.%lx", (unsigned long)getpid(), tx.serial);
}

static int
timeout_ms(void)
{
	long long	s;

	if (ctl_number("timeoutpolicy", &s) == -1)
		s = 10;
	return (int)(s * 1000);
}

/* Ask one service; what its answer means, reply/note filled in. */
static enum policy_action
ask(const struct policy_service *sv, const struct str *request, int tmo,
    const char *qid, char *reply, size_t replysz, struct str *prepend)
{
	struct str		 action = STR_INIT;
	enum policy_read	 r;
	enum policy_action	 a;
	const char		*note = "";
	char			 qs[LOG_QUOTE_MAX], qa[LOG_QUOTE_MAX];

	log_quotes(qs, sizeof(qs), sv->spec);
	r = policy_exchange(sv, request->s, request->len, tmo, &action);
	if (r != PREAD_OK) {
		if (r == PREAD_ERROR)
			log_warn("qid=%s policy=%s result=%s", qid, qs, policy_read_name(r));
		else
			log_warnx("qid=%s policy=%s result=%s", qid, qs, policy_read_name(r));
		str_free(&action);
		policy_fail_reply(reply, replysz);
		return PACT_BAD;
	}
	a = policy_parse_action(action.s, reply, replysz, prepend, &note);
	log_quotes(qa, sizeof(qa), action.s);
	log_info("qid=%s policy=%s action=%s result=%s", qid, qs, qa, note);
	str_free(&action);
	if (a == PACT_BAD)
		policy_fail_reply(reply, replysz);
	return a;
}

/*
 * Headers asked for are kept only when the recipient passes, and a line the
 * caller already holds (the same service asked for each recipient) once.
 */
/* Does s hold the line (n octets, LF included) as one of its lines? */
static int
has_line(const struct str *s, const char *line, size_t n)
{
	for (size_t at = 0; at + n <= s->len; ) {
		if (memcmp(s->s + at, line, n) == 0)
			return 1;
		const char *nl = memchr(s->s + at, '\n', s->len - at);
		if (nl == NULL)
			break;
		at = (size_t)(nl - s->s) + 1;
	}
	return 0;
}

static void
keep_headers(struct str *prepend, const struct str *added)
{
	const char	*p = added->s, *end = added->s + added->len, *nl;

	for (; p != NULL && p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(nl - p) + 1;
		if (prepend == NULL) {
			log_info("policy prepend=dropped");
			continue;
		}
		if (has_line(prepend, p, n))
			continue;
		if (str_append(prepend, p, n) == -1)
			log_warn("policy prepend");
	}
}

enum policy_verdict
policy_check_prepend(const struct policy_req *req, char *reply, size_t replysz,
    struct str *prepend)
{
	struct ctl_list		 list = { NULL, 0 };
	struct str		 request = STR_INIT, added = STR_INIT;
	struct policy_service	 sv;
	char			 instance[48], pending[POLICY_TEXT_MAX + 32] = "";
	const char		*why, *qid = req->queue_id && *req->queue_id ? req->queue_id : "-";
	int			 eom = req->protocol_state && strcmp(req->protocol_state, "RCPT") != 0;
	int			 tmo;
	enum policy_action	 pending_kind = PACT_CONTINUE;
	enum policy_verdict	 v = POLICY_OK;

	reply[0] = '\0';
	if (ctl_list("policy", &list) == -1) {
		policy_fail_reply(reply, replysz);
		return POLICY_DEFER;
	}
	if (list.n == 0)
		goto done;
	tmo = timeout_ms();
	instance_for(req, instance, sizeof(instance));
	if (policy_encode(req, instance, &request) == -1) {
		log_warn("qid=%s policy request", qid);
		policy_fail_reply(reply, replysz);
		v = POLICY_DEFER;
		goto done;
	}
	for (size_t i = 0; i < list.n; i++) {
		char q[LOG_QUOTE_MAX];

		if (policy_service_parse(list.items[i], &sv, &why) == -1) {
			log_warnx("qid=%s policy=%s error=\"%s\"", qid,
			    log_quotes(q, sizeof(q), list.items[i]), why);
			policy_fail_reply(reply, replysz);
			v = POLICY_DEFER;
			goto done;
		}
		if (eom ? !sv.at_eom : !sv.at_rcpt)
			continue;
		enum policy_action a = ask(&sv, &request, tmo, qid, reply, replysz, &added);
		switch (a) {
		case PACT_CONTINUE:
			break;
		case PACT_REJECT:
			/* After a DEFER_IF_REJECT, the reject becomes that defer. */
			if (pending_kind == PACT_DEFER_IF_REJECT) {
				strlcpy(reply, pending, replysz);
				v = POLICY_DEFER;
			} else
				v = POLICY_REJECT;
			goto done;
		case PACT_DEFER:
		case PACT_BAD:
			v = POLICY_DEFER;
			goto done;
		case PACT_DEFER_IF_PERMIT:
		case PACT_DEFER_IF_REJECT:
			/* The first such answer holds; later services are still asked. */
			if (pending_kind == PACT_CONTINUE) {
				pending_kind = a;
				strlcpy(pending, reply, sizeof(pending));
			}
			break;
		}
	}
	/* Nothing refused: a DEFER_IF_PERMIT still defers. */
	if (pending_kind == PACT_DEFER_IF_PERMIT) {
		strlcpy(reply, pending, replysz);
		v = POLICY_DEFER;
	} else {
		reply[0] = '\0';
		keep_headers(prepend, &added);
	}
done:
	ctl_list_free(&list);
	str_free(&request);
	str_free(&added);
	return v;
}

enum policy_verdict
policy_check(const struct policy_req *req, char *reply, size_t replysz)
{
	return policy_check_prepend(req, reply, replysz, NULL);
}
