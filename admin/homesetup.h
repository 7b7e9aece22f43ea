/*
 * homesetup.h: create or repair a STAMP_HOME (stamp-setup, stamp-run).
 *
 * Makes what is missing: the home, control/ (and control/me), mail/, and
 * the queue of queue/README.md. Never overwrites a control file. With
 * owners, as root, gives the queue and mail/ to the stamp users, and an
 * existing users file to root:stampd 0640.
 */
#ifndef STAMP_HOMESETUP_H
#define STAMP_HOMESETUP_H

/* 0, or -1 (logged). */
int home_setup(const char *home, int owners);

#endif
