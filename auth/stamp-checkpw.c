/*
 * stamp-checkpw: the checkpassword interface over STAMP_HOME/users (and, with
 * control/systemusers, the system's accounts).
 *
 * Reads "user\0password\0timestamp\0" on fd 3; on success becomes the user
 * (when started as root) and runs its arguments; exit 1 for a wrong
 * password or an unknown user, 2 for misuse, 111 for temporary trouble.
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

int
main(int argc, char **argv)
{
	char			 buf[CPW_INPUT_MAX + 1];
	struct cpw_input	 in;
	struct cpw_identity	 id;
	enum cpw_result		 r;
	ssize_t			 n;

	log_init("stamp-checkpw");
	if (argc < 2) {
		fprintf(stderr, "usage: stamp-checkpw program [arg ...]  (credentials on fd 3)\n");
		return CPW_MISUSE;
	}
	if (home_init(NULL) == -1)
		return CPW_TEMP;
	if ((n = read_input(buf, sizeof buf)) == -1 || cpw_parse_input(buf, (size_t)n, &in) == -1) {
		explicit_bzero(buf, sizeof buf);
		log_warnx("reason=\"fd 3 does not hold user, password, timestamp\"");
		return CPW_MISUSE;
	}
	r = cpw_check(&in, &id);
	explicit_bzero(buf, sizeof buf);
	if (r != CPW_OK)
		return r;
	if (become(&id) == -1 || export(&id) == -1)
		return CPW_TEMP;
	/*
	 * Not root, nothing was switched: the caller (SMTP AUTH as stampd) may
	 * not enter the user's folder and needs not, so a failure is no error.
	 */
	if (chdir(id.home) == -1 && geteuid() == 0) {
		log_warn("user=%s action=chdir home=%s", id.user, id.home);
		return CPW_TEMP;
	}
	execvp(argv[1], argv + 1);
	log_warn("action=exec program=%s", argv[1]);
	return CPW_TEMP;
}
