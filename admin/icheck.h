/*
 * icheck.h: the checks of stamp-check, on one installation.
 *
 * Each check looks at one part of an installation and records findings:
 * a problem (something that stops mail, or a hole) or a warning (something
 * that works but is likely wrong), each with what is wrong and the command
 * that fixes it. Nothing here changes the installation.
 *
 * The checks reach users and groups, DNS and the folder of the programs
 * through struct ick_world, so check suites run them on scratch homes with
 * made-up stamp users and a scripted resolver.
 */
#ifndef STAMP_ICHECK_H
#define STAMP_ICHECK_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct dns;

enum ick_level { ICK_PROBLEM, ICK_WARNING };

struct ick_finding {
	enum ick_level	 level;
	char		*what;
	char		*fix;
};

struct ick_world {
	/* 1 and the ids when the user exists, 0 when not. */
	int	 (*user)(void *ctx, const char *name, uid_t *uid, gid_t *gid);
	/* 1 and the id when the group exists, 0 when not. */
	int	 (*group)(void *ctx, const char *name, gid_t *gid);
	/* Does a user have this uid? */
	int	 (*uid_known)(void *ctx, uid_t uid);
	void	  *ctx;
	struct dns *dns;          /* a resolver made with dns_init; NULL: no DNS checks */
	const char *sbin;         /* the programs' folder; NULL: not checked */
};

/* The real world: getpwnam(3), getgrnam(3); dns and sbin set by the caller. */
extern const struct ick_world ick_system_world;

struct ick {
	const struct ick_world *w;
	const char	*home;        /* == home_dir(): the control files are read from it */
	int		 system;      /* the queue belongs to the stamp users */
	uid_t		 owner;       /* the queue's owner: stampq, or the one user */
	gid_t		 group;       /* stamps' group (system installs) */
	struct ick_finding *f;
	size_t		 n;
	size_t		 problems, warnings;
	int		 nomem;
	int		 owners_said;  /* one finding already says every owner is wrong */
	int		 nohome;      /* set by ick_layout: nothing more to check */
};

void ick_init(struct ick *, const char *home, const struct ick_world *);
void ick_free(struct ick *);

/* Record a finding (each is one problem or warning); fix may be NULL. */
void ick_add(struct ick *, enum ick_level, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "problem: WHAT\n    fix: FIX\n" for each, then the counts; N problems last. */
void ick_print(const struct ick *, FILE *);

/*
 * The checks, in the order stamp-check runs them. ick_kind comes first: it
 * decides from the queue's owner whether this is a system install (the
 * stamp users) or a single-user one, which the others depend on.
 */
void ick_kind(struct ick *);
void ick_layout(struct ick *);     /* home, control/, mail/, remote/, the queue, the trigger */
void ick_control(struct ick *);    /* every declared setting parses; unknown files */
void ick_me(struct ick *);         /* me is set, and resolves; DNS answers */
void ick_tls(struct ick *);        /* tlscert and tlskey readable and a pair */
void ick_lmtp(struct ick *);       /* control/lmtp lines parse, and name local domains */
void ick_users(struct ick *);      /* HOME/users: owner, mode, lines */
void ick_programs(struct ick *);   /* stamp-queue set-user-ID stampq, nothing else set-ID */
void ick_all(struct ick *);

#endif
