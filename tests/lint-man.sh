#!/bin/sh
# lint-man.sh: every man page passes mandoc's lint at warning level, and
# stamp-control(5) documents every setting of common/control.c's table.
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
[ "$status" = 0 ] && echo "lint-man: $n pages ok"
exit $status
