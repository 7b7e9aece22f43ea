/*
 * home.h: where stamp's runtime home (STAMP_HOME) and its programs are.
 *
 * The home is, in order: the --home argument, the STAMP_HOME environment
 * variable, the folder compiled in at `make install`. A program running
 * setuid or setgid (AT_SECURE) ignores both overrides, so that a local user
 * cannot point stamp-queue at a queue of their own making.
 */
#ifndef STAMP_HOME_H
#define STAMP_HOME_H

#include <stddef.h>

#define HOME_PATH_MAX 4096

/* Settle the home; arg may be NULL. Returns 0, or -1 (ENAMETOOLONG). */
int home_init(const char *arg);
/* The home folder (home_init() first; the compiled default otherwise). */
const char *home_dir(void);
/* Is this process privileged-on-exec, so that the environment is not trusted? */
int home_secure(void);

/* out = home "/" rel. Returns 0, or -1 with errno ENAMETOOLONG. */
int home_path(char *out, size_t outsz, const char *rel);

/*
 * out = the path of another stamp program: the folder this program was
 * started from (its siblings travel with it, in the build tree as when
 * installed), else the compiled-in sbin folder.
 */
int sibling_path(char *out, size_t outsz, const char *prog);

#endif
