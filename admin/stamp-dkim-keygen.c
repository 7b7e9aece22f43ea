/*
 * stamp-dkim-keygen: make a DKIM signing key for a selector and a domain,
 * in STAMP_HOME/control/dkim/, and print the DNS TXT record to publish.
 *
 * A C program rather than a wrapper around opendkim-genkey so that the key
 * is made the same way whatever signer is installed (or none yet), written
 * crash-safely with its owner and mode set before it has its name, and
 * never overwritten by accident: a published key that changes breaks every
 * signature until DNS catches up.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dkimkey.h"
#include "fsutil.h"
#include "home.h"
#include "log.h"
#include "str.h"

#define KEY_FILE_MAX 65536

struct opts {
	const char *selector, *domain, *user;
	int bits, force, show;
};

static void
usage(int code)
{
	fprintf(code ? stderr : stdout,
	    "usage: stamp-dkim-keygen [--home DIR] [--bits N] [--user NAME] [--force] SELECTOR DOMAIN\n"
	    "       stamp-dkim-keygen [--home DIR] --show SELECTOR DOMAIN\n"
	    "  Write control/dkim/SELECTOR.private (RSA, 2048 bits, mode 0600) and\n"
	    "  control/dkim/SELECTOR.txt, and print the TXT record to publish.\n"
	    "  --user NAME  (as root) the key's owner (default opendkim, if it exists)\n"
	    "  --force      replace an existing key\n"
	    "  --show       print the record of the existing key\n");
	exit(code);
}

static void
parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "home", required_argument, NULL, 'd' },
		{ "bits", required_argument, NULL, 'b' },
		{ "user", required_argument, NULL, 'u' },
		{ "force", no_argument, NULL, 'f' },
		{ "show", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *home = NULL;
	char *end;
	long bits;
	int c;

	o->bits = DKIM_BITS_DEFAULT;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': home = optarg; break;
		case 'b':
			errno = 0;
			bits = strtol(optarg, &end, 10);
			if (errno || *end || bits < DKIM_BITS_MIN || bits > DKIM_BITS_MAX)
				fatalx(2, "reason=\"--bits must be %d to %d\"", DKIM_BITS_MIN, DKIM_BITS_MAX);
			o->bits = (int)bits;
			break;
		case 'u': o->user = optarg; break;
		case 'f': o->force = 1; break;
		case 's': o->show = 1; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (argc - optind != 2)
		usage(2);
	o->selector = argv[optind];
	o->domain = argv[optind + 1];
	/* The selector names a file: nothing but DNS labels may reach the path. */
	if (!dkim_name_ok(o->selector))
		fatalx(2, "reason=\"selector is not DNS labels (letters, digits, hyphens, dots)\"");
	if (!dkim_name_ok(o->domain))
		fatalx(2, "reason=\"domain is not a DNS name\"");
	if (home_init(home) == -1)
		fatalx(1, "reason=\"home path too long\"");
}

/* The key's owner: as root, --user or opendkim (when that account exists). */
static void
key_owner(const struct opts *o, uid_t *uid, gid_t *gid)
{
	const char *name = o->user ? o->user : "opendkim";
	struct passwd *pw;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (geteuid() != 0) {
		if (o->user)
			fatalx(2, "reason=\"--user needs root\"");
		return;
	}
	pw = getpwnam(name);
	if (pw == NULL) {
		if (o->user)
			fatalx(2, "reason=\"no such user\" user=%s", o->user);
		log_info("note=\"no user opendkim: the key is root's; chown it to the user your "
		    "signer runs as\"");
		return;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
}

static void
path_of(char *out, size_t n, const char *selector, const char *ext)
{
	char rel[512];

	if ((size_t)snprintf(rel, sizeof rel, "control/dkim/%s%s", selector, ext) >= sizeof rel ||
	    home_path(out, n, rel) == -1)
		fatalx(1, "reason=\"path too long\"");
}

/* The record of the key already in keypath, printed. */
static int
show(const struct opts *o, const char *keypath)
{
	struct str pub = STR_INIT, rec = STR_INIT;
	char *pem;
	size_t n;

	if (read_file_max(keypath, KEY_FILE_MAX, &pem, &n) == -1)
		fatal(1, "reason=\"cannot read the key\" path=%s", keypath);
	if (dkim_public_of(pem, n, &pub) == -1)
		fatalx(1, "reason=\"no RSA key in the file\" path=%s", keypath);
	explicit_bzero(pem, n);
	free(pem);
	if (dkim_record(&rec, o->selector, o->domain, pub.s) == -1)
		fatalx(1, "reason=\"no memory\"");
	printf("%s\n", rec.s);
	str_free(&pub);
	str_free(&rec);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct str pem = STR_INIT, pub = STR_INIT, rec = STR_INIT;
	char dir[HOME_PATH_MAX], keypath[HOME_PATH_MAX], txtpath[HOME_PATH_MAX];
	uid_t uid;
	gid_t gid;

	log_init("stamp-dkim-keygen");
	parse(argc, argv, &o);
	if (home_path(dir, sizeof dir, "control/dkim") == -1)
		fatalx(1, "reason=\"path too long\"");
	path_of(keypath, sizeof keypath, o.selector, ".private");
	path_of(txtpath, sizeof txtpath, o.selector, ".txt");
	if (o.show)
		return show(&o, keypath);
	if (!o.force && access(keypath, F_OK) == 0)
		fatalx(1, "reason=\"key exists; --show prints its record, --force replaces it "
		    "(publish the new record first)\" path=%s", keypath);
	key_owner(&o, &uid, &gid);
	umask(022);
	/* Readable by all: opendkim, running as its own user, must reach the key. */
	if (mkdir_exist_ok(dir, 0755) == -1)
		fatal(1, "reason=\"cannot make the folder\" path=%s", dir);
	if (dkim_generate(o.bits, &pem, &pub) == -1)
		fatalx(1, "reason=\"no key made\"");
	if (write_file_atomic_owned(keypath, pem.s, pem.len, 0600, uid, gid) == -1)
		fatal(1, "reason=\"cannot write the key\" path=%s", keypath);
	str_free_secret(&pem);
	if (dkim_record(&rec, o.selector, o.domain, pub.s) == -1 || str_appendc(&rec, '\n') == -1)
		fatalx(1, "reason=\"no memory\"");
	if (write_file_atomic(txtpath, rec.s, rec.len, 0644) == -1)
		fatal(1, "reason=\"cannot write the record\" path=%s", txtpath);
	log_info("key=%s bits=%d record=%s", keypath, o.bits, txtpath);
	fputs(rec.s, stdout);
	str_free(&pub);
	str_free(&rec);
	return fflush(stdout) == 0 ? 0 : 1;
}
