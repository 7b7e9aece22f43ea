/*
 * stamp-checkpw: the checkpassword interface over STAMP_HOME/users (and, with
 * control/systemusers, the system's accounts).
 *
 * Reads "user\0password\0timestamp\0" on fd 3; on success becomes the user
 * (when started as root) and runs its arguments; exit 1 for a wrong
 * password or an unknown user, 2 for misuse, 111 for temporary trouble.
 * With --dovecot it speaks Dovecot's extensions instead (dovecot.c): no
 * switch of user, the user's fields in the environment, userdb lookups.
 */
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpw.h"
#include "dovecot.h"
#include "home.h"
#include "log.h"

/* All of fd 3, up to CPW_INPUT_MAX octets; -1 when longer or unreadable. */
static ssize_t
read_input(char *buf, size_t sz)
{
	size_t	 n = 0;
	ssize_t	 r;

	for (;;) {
		if (n == sz)
			return -1;
		if ((r = read(3, buf + n, sz - n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(3);
	return (ssize_t)n;
}

/* A virtual user is served as stampv; a system account as itself. */
static int
become(struct cpw_identity *id)
{
	if (geteuid() != 0)
		return 0;	/* not root: verify only, run as we are */
	if (id->is_virtual) {
		struct passwd *pw = getpwnam(CPW_VUSER);

		if (pw == NULL) {
			log_warnx("reason=\"no user %s (make install creates it)\"", CPW_VUSER);
			return -1;
		}
		id->uid = pw->pw_uid;
		id->gid = pw->pw_gid;
	}
	if (id->uid == 0) {
		log_warnx("user=%s reason=\"refusing to run a session as root\"", id->user);
		return -1;
	}
	if (setgroups(1, &id->gid) == -1 || setgid(id->gid) == -1 || setuid(id->uid) == -1) {
		log_warn("user=%s action=setuid", id->user);
		return -1;
	}
	if (setuid(0) != -1) {
		log_warnx("user=%s reason=\"privileges were not dropped\"", id->user);
		return -1;
	}
	return 0;
}

static int
export(const struct cpw_identity *id)
{
	if (setenv("USER", id->user, 1) == -1 || setenv("HOME", id->home, 1) == -1 ||
	    setenv("MAILDIR", id->maildir, 1) == -1 || setenv("STAMP_HOME", home_dir(), 1) == -1)
		return -1;
	/* A virtual user has no shell: nothing may run one in its name. */
	if (id->shell[0] != '\0' ? setenv("SHELL", id->shell, 1) == -1 : unsetenv("SHELL") == -1)
		return -1;
	if (!id->is_virtual && setenv("LOGNAME", id->user, 1) == -1)
		return -1;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: stamp-checkpw [--dovecot] [--home dir] program [arg ...]"
	    "  (credentials on fd 3)\n");
}

/* Run the program as the user, in the user's home (the classic interface). */
static int
run_as_user(struct cpw_identity *id, char **argv)
{
	if (become(id) == -1 || export(id) == -1)
		return CPW_TEMP;
	/*
	 * Not root, nothing was switched: the caller (SMTP AUTH as stampd) may
	 * not enter the user's folder and needs not, so a failure is no error.
	 */
	if (chdir(id->home) == -1 && geteuid() == 0) {
		log_warn("user=%s action=chdir home=%s", id->user, id->home);
		return CPW_TEMP;
	}
	execvp(argv[0], argv);
	log_warn("action=exec program=%s", argv[0]);
	return CPW_TEMP;
}

/* Hand the user's fields to Dovecot's checkpassword-reply (argv[0]). */
static int
reply_to_dovecot(const struct cpw_identity *id, int lookup, char **argv)
{
	if (dovecot_export(id, lookup) == -1)
		return CPW_TEMP;
	execvp(argv[0], argv);
	log_warn("action=exec program=%s", argv[0]);
	return CPW_TEMP;
}

/* Check (or, for a Dovecot userdb lookup, only find) the user on fd 3. */
static enum cpw_result
decide(int dovecot, int lookup, struct cpw_identity *id)
{
	char			 buf[CPW_INPUT_MAX + 1];
	struct cpw_input	 in;
	enum cpw_result		 r;
	ssize_t			 n;

	if ((n = read_input(buf, sizeof buf)) == -1 || cpw_parse_input(buf, (size_t)n, &in) == -1) {
		explicit_bzero(buf, sizeof buf);
		log_warnx("reason=\"fd 3 does not hold user, password, timestamp\"");
		return CPW_MISUSE;
	}
	if (dovecot && getenv("CREDENTIALS_LOOKUP") != NULL) {
		/* CRAM-MD5 and friends want the plain password back; stamp keeps hashes. */
		log_warnx("user=%s reason=\"Dovecot asked for credentials: stamp keeps only "
		    "hashes; set auth_mechanisms = plain login\"", in.user);
		r = CPW_TEMP;
	} else if (lookup)
		r = cpw_lookup(in.user, id);
	else
		r = cpw_check(&in, id);
	explicit_bzero(buf, sizeof buf);
	return r;
}

int
main(int argc, char **argv)
{
	struct cpw_identity	 id;
	enum cpw_result		 r;
	const char		*home = NULL;
	int			 dovecot = 0, lookup, i = 1;

	log_init("stamp-checkpw");
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--dovecot") == 0)
			dovecot = 1;
		else if (strcmp(argv[i], "--home") == 0 && i + 1 < argc)
			home = argv[++i];
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			usage();
			return CPW_MISUSE;
		}
	}
	if (i >= argc) {
		usage();
		return CPW_MISUSE;
	}
	if (home_init(home) == -1)
		return CPW_TEMP;
	lookup = dovecot && dovecot_is_lookup();
	if ((r = decide(dovecot, lookup, &id)) != CPW_OK)
		return lookup && r == CPW_FAIL ? DOVECOT_NOUSER : (int)r;
	if (dovecot)
		return reply_to_dovecot(&id, lookup, argv + i);
	return run_as_user(&id, argv + i);
}
