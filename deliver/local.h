/*
 * local.h: stamp-local's work apart from main(): loop detection, delivery
 * instructions (one per line), and the pipe and forward deliveries.
 */
#ifndef STAMP_LOCAL_H
#define STAMP_LOCAL_H

#include <stddef.h>
#include <sys/types.h>

#include "dlv.h"

#define PIPE_OUTPUT_MAX  1000   /* octets of a program's output kept for the log */
#define PIPE_TIME_MAX    3600   /* seconds a delivery program may run */
#define HEADER_SCAN_MAX  (256 * 1024)

/* What one instruction line asks for. */
enum local_kind {
	LI_NONE = 0,   /* a blank line or a "#" comment */
	LI_MAILDIR,    /* a path ending in "/" */
	LI_MBOX,       /* another path ("/..." or "./...") */
	LI_PIPE,       /* "|command" */
	LI_FORWARD,    /* "&address" or a bare address */
};

struct delivery {
	const char *id;
	const char *sender;      /* "" for <> */
	const char *rcpt;        /* the recipient as addressed */
	const char *local, *host, *ext;
	const char *home;        /* the mailbox owner's folder (instruction paths are relative to it) */
	const char *user;        /* USER for programs (NULL: not set) */
	int         msgfd;       /* the message, read with pread */
	char        head[1024];  /* Return-Path: and Delivered-To: lines */
	size_t      headlen;
	long long   maxhops;
	int         stop;        /* a program exited 99: no further lines */
};

/* Classify a line (no line end); *arg is what follows "|" or "&", else the line. */
enum local_kind local_parse(const char *line, const char **arg);
/* Is the message a loop for this recipient? 1 yes (r says why), 0 no, -1 read error. */
int  local_loop_check(const struct delivery *, struct dlv_result *);
/* Build d->head. */
void local_head(struct delivery *);
/*
 * Carry out one instruction line (a Maildir path ending in "/", an mbox
 * path, "|command", "&address" or a bare address; "#" comments and blank
 * lines do nothing). create: make a missing Maildir. Returns r->status.
 */
enum dlv_status local_instruction(struct delivery *, const char *line, int create,
    struct dlv_result *);
/* Every line of text (an instructions file), stopping at the first failure. */
enum dlv_status local_instructions(struct delivery *, const char *text, struct dlv_result *);

#endif
