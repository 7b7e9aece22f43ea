/*
 * stamp-user: manage the virtual users of STAMP_HOME/users.
 *
 *   stamp-user [--home DIR] add NAME      password on stdin; makes the Maildir
 *   stamp-user [--home DIR] passwd NAME   new password on stdin
 *   stamp-user [--home DIR] apop NAME     APOP secret on stdin ("" removes it)
 *   stamp-user [--home DIR] del NAME      removes the line, then the Maildir
 *   stamp-user [--home DIR] list
 *
 * Every change holds an exclusive flock on HOME/users.lock from the read to
 * the rename, and the new file is written beside the old one, fsynced and
 * renamed over it (write_file_atomic_owned), so a crash or a second
 * stamp-user never leaves a half-written or lost line. As root the file is
 * root:stampd 0640 (stamp-smtpd checks SMTP AUTH as stampd) and Maildirs are
 * made and removed as the owner of HOME/mail/ (stampv after make install).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "home.h"
#include "log.h"
#include "useredit.h"
#include "users.h"

#define PASS_MAX 512

static noreturn void
usage(void)
{
	fprintf(stderr, "usage: stamp-user [--home DIR] add|passwd|apop|del NAME\n"
	    "       stamp-user [--home DIR] list\n");
	exit(2);
}

/* One line from stdin, without its line end. */
static int
read_secret(char *buf, size_t sz)
{
	size_t	 n = 0;
	ssize_t	 r;

	while (n < sz - 1) {
		if ((r = read(0, buf + n, 1)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0 || buf[n] == '\n')
			break;
		n++;
	}
	if (n == sz - 1)
		return -1;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[n - 1] = '\0';
	return 0;
}

static int
hash_password(const char *pass, char *out, size_t outsz)
{
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data	*cd;
	const char		*h;
	int			 ok;

	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt) == NULL ||
	    (cd = calloc(1, sizeof *cd)) == NULL)
		return -1;
	h = crypt_rn(pass, salt, cd, sizeof *cd);
	ok = h != NULL && h[0] != '*' && strlcpy(out, h, outsz) < outsz;
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return ok ? 0 : -1;
}

/*
 * Run fn(arg) as the owner of HOME/mail/ (stampv in a home that make
 * install set up), in a child when we are root and it is not; so that
 * Maildirs belong to whoever delivers to them.
 */
static int
as_mail_owner(int (*fn)(const char *), const char *arg)
{
	char		 mail[PATH_MAX];
	struct stat	 st;
	pid_t		 pid;
	int		 status;

	if (home_path(mail, sizeof mail, "mail") == -1)
		return -1;
	if (stat(mail, &st) == -1 || !S_ISDIR(st.st_mode)) {
		log_warnx("path=%s reason=\"no mail folder (stamp-setup makes it)\"", mail);
		return -1;
	}
	if (geteuid() != 0 || st.st_uid == 0)
		return fn(arg);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (setgroups(1, &st.st_gid) == -1 || setgid(st.st_gid) == -1 ||
		    setuid(st.st_uid) == -1)
			_exit(1);
		_exit(fn(arg) == 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* HOME/mail/NAME/Maildir/ with tmp, new and cur. */
static int
make_maildir(const char *maildir)
{
	static const char *sub[] = { "", "tmp", "new", "cur" };
	char	 p[PATH_MAX], parent[PATH_MAX], *slash;

	strlcpy(parent, maildir, sizeof parent);
	parent[strlen(parent) - 1] = '\0';
	if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
		*slash = '\0';
		if (mkdir_exist_ok(parent, 0700) == -1) {
			log_warn("action=mkdir path=%s", parent);
			return -1;
		}
	}
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s%s", maildir, sub[i]);
		if (mkdir_exist_ok(p, 0700) == -1) {
			log_warn("action=mkdir path=%s", p);
			return -1;
		}
	}
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) == -1 && errno != ENOENT) {
		log_warn("action=remove path=%s", path);
		return -1;
	}
	return 0;
}

/* The user's folder under HOME/mail (never anything outside it). */
static int
remove_tree(const char *dir)
{
	if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

struct locked {
	int	 lockfd;
	char	 path[PATH_MAX];
	char	*text;
};

static int
lock_and_read(struct locked *l)
{
	char	 lock[PATH_MAX];
	size_t	 n;

	if (home_path(l->path, sizeof l->path, USERS_FILE) == -1 ||
	    home_path(lock, sizeof lock, USERS_LOCK) == -1)
		return -1;
	if ((l->lockfd = open_safe(lock, O_RDWR | O_CREAT, 0600)) == -1 ||
	    flock(l->lockfd, LOCK_EX) == -1) {
		log_warn("action=lock path=%s", lock);
		return -1;
	}
	if (read_file_max(l->path, 64 * 1024 * 1024, &l->text, &n) == -1) {
		if (errno != ENOENT) {
			log_warn("action=read path=%s", l->path);
			return -1;
		}
		if ((l->text = strdup("")) == NULL)
			return -1;
	} else if (strlen(l->text) != n) {
		log_warnx("path=%s reason=\"NUL byte in the file\"", l->path);
		return -1;
	}
	return 0;
}

/* root:stampd 0640 as root; the invoker's 0600 otherwise (no stampd to share with). */
static int
commit(struct locked *l, const struct str *text)
{
	uid_t	 uid = (uid_t)-1;
	gid_t	 gid = (gid_t)-1;
	mode_t	 mode = 0600;

	if (geteuid() == 0) {
		struct group *g = getgrnam("stampd");

		uid = 0;
		if (g != NULL) {
			gid = g->gr_gid;
			mode = USERS_MODE;
		}
	}
	if (write_file_atomic_owned(l->path, text->len ? text->s : "", text->len, mode, uid, gid) == -1) {
		log_warn("action=write path=%s", l->path);
		return -1;
	}
	return 0;
}

static int
maildir_of(const char *name, const char *mailbox, char *out, size_t outsz)
{
	struct user_entry e;

	memset(&e, 0, sizeof e);
	strlcpy(e.name, name, sizeof e.name);
	strlcpy(e.mailbox, mailbox, sizeof e.mailbox);
	return users_maildir(&e, out, outsz);
}

static int
cmd_list(void)
{
	struct locked	 l;
	const char	*p;

	if (lock_and_read(&l) == -1)
		return 111;
	for (p = l.text; *p != '\0';) {
		const char *nl = strchr(p, '\n'), *c = strchr(p, ':');

		if (*p != '#' && c != NULL && (nl == NULL || c < nl))
			printf("%.*s\n", (int)(c - p), p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	free(l.text);
	return fflush(stdout) == 0 ? 0 : 111;
}

static const char *
result_text(enum ue_result r)
{
	return r == UE_EXISTS ? "exists already" : r == UE_NOUSER ? "no such user" : "failed";
}

static int
cmd_edit(const char *cmd, const char *name)
{
	char		 pass[PASS_MAX], hash[USERS_HASH_MAX + 1], maildir[PATH_MAX];
	struct str	 out = STR_INIT, box = STR_INIT;
	struct locked	 l = { .lockfd = -1, .text = NULL };
	enum ue_result	 r;
	int		 rc = 111;

	if (strcmp(cmd, "del") != 0) {
		if (read_secret(pass, sizeof pass) == -1) {
			fprintf(stderr, "stamp-user: cannot read one line from stdin\n");
			return 2;
		}
		if (strcmp(cmd, "apop") == 0 ? !ue_secret_ok(pass) : !ue_password_ok(pass)) {
			fprintf(stderr, "stamp-user: empty or unusable %s\n",
			    strcmp(cmd, "apop") == 0 ? "secret" : "password");
			explicit_bzero(pass, sizeof pass);
			return 2;
		}
		if (strcmp(cmd, "apop") != 0 && hash_password(pass, hash, sizeof hash) == -1) {
			log_warnx("reason=\"crypt(3) cannot make a yescrypt hash\"");
			explicit_bzero(pass, sizeof pass);
			return 111;
		}
	}
	if (lock_and_read(&l) == -1)
		goto done;
	if (strcmp(cmd, "add") == 0) {
		if ((r = ue_add(l.text, name, hash, &out)) == UE_OK &&
		    (maildir_of(name, "", maildir, sizeof maildir) == -1 ||
		    as_mail_owner(make_maildir, maildir) == -1))
			goto done;
	} else if (strcmp(cmd, "passwd") == 0)
		r = ue_passwd(l.text, name, hash, &out);
	else if (strcmp(cmd, "apop") == 0)
		r = ue_secret(l.text, name, pass, &out);
	else
		r = ue_del(l.text, name, &out, &box);
	if (r != UE_OK) {
		fprintf(stderr, "stamp-user: %s: %s\n", name, result_text(r));
		rc = r == UE_ERROR ? 111 : 1;
		goto done;
	}
	if (commit(&l, &out) == -1)
		goto done;
	rc = 0;
	/* Only a default mailbox (HOME/mail/NAME/) is ours to remove. */
	if (strcmp(cmd, "del") == 0 && box.len == 0) {
		char dir[PATH_MAX];

		if (home_path(dir, sizeof dir, "mail/") == -1 ||
		    strlcat(dir, name, sizeof dir) >= sizeof dir || as_mail_owner(remove_tree, dir) == -1) {
			fprintf(stderr, "stamp-user: %s removed, but not all of its mailbox\n", name);
			rc = 111;
		}
	}
	log_info("action=%s user=%s", cmd, name);
done:
	explicit_bzero(pass, sizeof pass);
	if (l.text != NULL)
		explicit_bzero(l.text, strlen(l.text));
	free(l.text);
	str_free_secret(&out);
	str_free(&box);
	return rc;
}

int
main(int argc, char **argv)
{
	const char	*home = NULL;
	int		 i = 1;

	log_init("stamp-user");
	if (argc > 2 && strcmp(argv[1], "--home") == 0) {
		home = argv[2];
		i = 3;
	}
	if (home_init(home) == -1)
		return 111;
	umask(077);
	if (i < argc && strcmp(argv[i], "list") == 0 && i + 1 == argc)
		return cmd_list();
	if (i + 2 != argc || (strcmp(argv[i], "add") != 0 && strcmp(argv[i], "passwd") != 0 &&
	    strcmp(argv[i], "apop") != 0 && strcmp(argv[i], "del") != 0))
		usage();
	if (!users_name_ok(argv[i + 1])) {
		fprintf(stderr, "stamp-user: %s: a name is 1 to %d of a-z 0-9 . _ - "
		    "(not starting with . or -)\n", argv[i + 1], USERS_NAME_MAX);
		return 2;
	}
	return cmd_edit(argv[i], argv[i + 1]);
}
