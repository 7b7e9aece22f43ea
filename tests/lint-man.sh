#!/bin/sh
# lint-man.sh: every man page passes mandoc's lint at warning level;
# stamp-control(5) documents every setting of common/control.c's table and
# every control file the code reads by name (ctl_string, ctl_number,
# ctl_list); and every program has its page: each DIR/stamp-*.c the Makefile
# builds, and each program in BUILD/bin (argument 1, default build) when it
# is there.
# Prints "lint-man: N pages ok", or names each page at fault and exits 1.
set -u
cd "$(dirname "$0")/.." || exit 2
command -v mandoc >/dev/null 2>&1 || {
	echo "lint-man: mandoc is not installed" >&2
	exit 2
}
status=0 n=0
for page in man/*.[1-8]; do
	[ -e "$page" ] || continue
	n=$((n + 1))
	out=$(mandoc -Tlint -W warning "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "lint-man: $page:"
		echo "$out"
		status=1
	fi
done
if [ "$n" = 0 ]; then
	echo "lint-man: no pages in man/"
	exit 1
fi
for name in $(sed -En 's/^	(NUM|STR|LIST)\("([a-z0-9]*)".*/\2/p' common/control.c); do
	if ! grep -q "^\.It Pa $name " man/stamp-control.5; then
		echo "lint-man: man/stamp-control.5 does not document $name"
		status=1
	fi
done
# Each setting's type, default and bounds are the table's.
python3 tests/lint-control.py || status=1
# Control files read by name anywhere in the code (a call may span lines).
for name in $(cat common/*.c smtpd/*.c queue/*.c deliver/*.c popd/*.c auth/*.c admin/*.c \
	2>/dev/null | tr '\n' ' ' |
	grep -oE 'ctl_(string|number|list)\([[:space:]]*"[a-z0-9]+"' |
	sed -E 's/.*"([a-z0-9]+)"/\1/' | sort -u); do
	if ! grep -q "^\.It Pa $name " man/stamp-control.5; then
		echo "lint-man: man/stamp-control.5 does not document $name (read by ctl_* in the code)"
		status=1
	fi
done
# A page for every program: from the sources, and from a build when there is one.
build=${1:-build}
progs=$(ls smtpd/stamp-*.c queue/stamp-*.c deliver/stamp-*.c popd/stamp-*.c \
	auth/stamp-*.c admin/stamp-*.c 2>/dev/null | sed -E 's|.*/(stamp-[^/]*)\.c$|\1|')
if [ -d "$build/bin" ]; then
	progs="$progs $(ls "$build/bin" | grep '^stamp-')"
fi
for prog in $(echo "$progs" | tr ' ' '\n' | sort -u); do
	if [ ! -e "man/$prog.8" ]; then
		echo "lint-man: $prog has no page man/$prog.8"
		status=1
	fi
done
# Every program's page has the sections a sysadmin looks for, and every
# option of its SYNOPSIS is described in an item of its own (.It Fl ...).
for page in man/*.8; do
	[ -e "$page" ] || continue
	for sec in NAME SYNOPSIS DESCRIPTION FILES ENVIRONMENT "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		if ! grep -q "^\.Sh $sec\$" "$page"; then
			echo "lint-man: $page has no section $sec"
			status=1
		fi
	done
	for flag in $(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$page" |
		grep -oE 'Fl [^ ]+' | sed 's/^Fl //' | sort -u); do
		if ! grep -qE "^\.It (.* )?Fl $flag( |\$)" "$page"; then
			echo "lint-man: $page: option $flag of its SYNOPSIS is not described (.It Fl $flag)"
			status=1
		fi
	done
done
[ "$status" = 0 ] && echo "lint-man: $n pages ok"
exit $status
