/*
 * policy_ask.c: ask the services of control/policy once or more, for tests.
 *
 * usage: policy_ask [-r N] [name=value ...]
 *
 * Names are the fields of struct policy_req (protocol_state, sender,
 * recipient, client_address, ...; size and recipient_count are numbers);
 * defaults make a plain RCPT. -r asks N times in a row (same process, as
 * one session would). Each answer is printed as
 *     verdict=OK|REJECT|DEFER reply=TEXT
 * and every PREPEND header as "prepend=Header: value". The home comes from
 * STAMP_HOME. Exit: 0 when the last verdict was OK, 1 REJECT, 2 DEFER, 64 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "home.h"
#include "log.h"
#include "str.h"
#include "smtpd/policy.h"

static int
set(struct policy_req *r, char *arg)
{
	char	*eq = strchr(arg, '=');

	if (eq == NULL)
		return -1;
	*eq++ = '\0';
	const struct { const char *name; const char **field; } f[] = {
		{ "protocol_state", &r->protocol_state }, { "protocol_name", &r->protocol_name },
		{ "client_address", &r->client_address }, { "client_name", &r->client_name },
		{ "helo_name", &r->helo_name }, { "sender", &r->sender },
		{ "recipient", &r->recipient }, { "sasl_username", &r->sasl_username },
		{ "queue_id", &r->queue_id }, { "encryption_protocol", &r->encryption_protocol },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(arg, f[i].name) == 0) {
			*f[i].field = eq;
			return 0;
		}
	if (strcmp(arg, "size") == 0)
		r->size = atoll(eq);
	else if (strcmp(arg, "recipient_count") == 0)
		r->recipient_count = (unsigned)atoi(eq);
	else
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct policy_req	r = {
		.protocol_state = "RCPT", .protocol_name = "ESMTP",
		.client_address = "127.0.0.1", .client_name = "localhost",
		.helo_name = "client.example.org", .sender = "sender@example.org",
		.recipient = "rcpt@example.net", .sasl_username = "", .queue_id = "",
		.encryption_protocol = "", .size = 0, .recipient_count = 0,
	};
	static const char *const names[] = { "OK", "REJECT", "DEFER" };
	enum policy_verdict	v = POLICY_OK;
	int			c, times = 1;

	log_init("policy_ask");
	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c != 'r' || (times = atoi(optarg)) < 1) {
			fprintf(stderr, "usage: policy_ask [-r N] [name=value ...]\n");
			return 64;
		}
	}
	for (int i = optind; i < argc; i++)
		if (set(&r, argv[i]) == -1) {
			fprintf(stderr, "policy_ask: unknown %s\n", argv[i]);
			return 64;
		}
	if (home_init(NULL) == -1)
		fatal(64, "home");
	for (int t = 0; t < times; t++) {
		struct str	pre = STR_INIT;
		char		reply[512];

		v = policy_check_prepend(&r, reply, sizeof(reply), &pre);
		printf("verdict=%s reply=%s\n", names[v], reply);
		for (char *p = pre.s, *nl; p && *p; p = nl + 1) {
			nl = strchr(p, '\n');
			printf("prepend=%.*s\n", (int)(nl - p), p);
		}
		str_free(&pre);
	}
	fflush(stdout);
	return (int)v;
}
