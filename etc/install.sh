#!/bin/sh
# install.sh: install stamp (called by `make install`, `make uninstall`, `make run`).
#
# As root it creates the system users, installs stamp-queue set-user-ID
# stampq (the only set-ID program) and gives the queue to its owners; as
# anyone else (or with --as-invoker) everything belongs to the invoking user.
# Never overwrites control files, users or queued mail: running it again
# upgrades the programs and repairs the home. --users-only (as root) only
# creates the users; the integration tests use it.
#
# stamp-inject is also linked as sendmail and mailq in the sbin folder;
# --sendmail-links (`make install INSTALL_SENDMAIL=1`) links /usr/sbin/sendmail,
# /usr/lib/sendmail and /usr/bin/mailq to it too, but never replaces a file
# there that is not already a link to a stamp-inject: it says so and leaves it.
set -eu

bindir= destdir= sbindir= mandir= home= invoker=0 uninstall=0 usersonly=0 syslinks=0
while [ $# -gt 0 ]; do
	case $1 in
	--bindir) bindir=$2; shift ;;
	--destdir) destdir=$2; shift ;;
	--sbindir) sbindir=$2; shift ;;
	--mandir) mandir=$2; shift ;;
	--home) home=$2; shift ;;
	--as-invoker) invoker=1 ;;
	--uninstall) uninstall=1 ;;
	--users-only) usersonly=1 ;;
	--sendmail-links) syslinks=1 ;;
	*) echo "install.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

top=$(cd "$(dirname "$0")/.." && pwd)
users="stampd stampq stamps stampr stampv"
asroot=0
[ "$(id -u)" = 0 ] && [ "$invoker" = 0 ] && asroot=1

say() { echo "install: $*"; }

# The names sendmail programs are found by, outside the sbin folder.
system_links="/usr/sbin/sendmail /usr/lib/sendmail /usr/bin/mailq"

# Is $1 a symbolic link to some stamp-inject?
links_to_stamp() {
	[ -L "$1" ] || return 1
	case $(readlink "$1") in
	stamp-inject | */stamp-inject) return 0 ;;
	esac
	return 1
}

# Link $1 to $2, replacing only a missing name or a link to stamp-inject.
link_inject() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		if ! links_to_stamp "$1"; then
			say "NOT replacing $1: it is not a link to stamp-inject (another MTA's?);" \
				"remove it and install again to have stamp's sendmail there"
			return 0
		fi
		rm -f "$1"
	fi
	mkdir -p "$(dirname "$1")"
	ln -s "$2" "$1"
	say "linked $1 -> $2"
}

remove_links() {
	for l in "$destdir$sbindir/sendmail" "$destdir$sbindir/mailq"; do
		links_to_stamp "$l" && rm -f "$l" && say "removed $l"
	done
	for l in $system_links; do
		links_to_stamp "$destdir$l" && rm -f "$destdir$l" && say "removed $destdir$l"
	done
	return 0
}

if [ "$uninstall" = 1 ]; then
	remove_links
	for p in "$destdir$sbindir"/stamp-*; do
		[ -e "$p" ] && rm -f "$p" && say "removed $p"
	done
	for m in "$top"/man/*.[0-9]; do
		[ -e "$m" ] || continue
		f="$destdir$mandir/man${m##*.}/$(basename "$m")"
		[ -e "$f" ] && rm -f "$f" && say "removed $f"
	done
	share="$destdir$(dirname "$mandir")/stamp"
	[ -d "$share" ] && rm -rf "$share" && say "removed $share"
	say "programs, man pages and service files removed; $home, its queue and the users are kept"
	exit 0
fi

make_users() {
	nologin=/usr/sbin/nologin
	[ -x "$nologin" ] || nologin=/bin/false
	for u in $users; do
		getent passwd "$u" >/dev/null && continue
		useradd --system --user-group --no-create-home --home-dir "$home" \
			--shell "$nologin" --comment "stamp mail ($u)" "$u"
		say "created user $u"
	done
}

install_programs() {
	mkdir -p "$destdir$sbindir"
	for p in "$bindir"/stamp-*; do
		[ -f "$p" ] || continue
		name=$(basename "$p")
		if [ "$name" = stamp-queue ] && [ "$asroot" = 1 ]; then
			install -o stampq -g root -m 4711 "$p" "$destdir$sbindir/$name"
		else
			install -m 0755 "$p" "$destdir$sbindir/$name"
		fi
	done
	link_inject "$destdir$sbindir/sendmail" stamp-inject
	link_inject "$destdir$sbindir/mailq" stamp-inject
	if [ "$syslinks" = 1 ]; then
		for l in $system_links; do
			link_inject "$destdir$l" "$sbindir/stamp-inject"
		done
	fi
	say "programs in $destdir$sbindir"
}

install_man() {
	for m in "$top"/man/*.[0-9]; do
		[ -e "$m" ] || continue
		dir="$destdir$mandir/man${m##*.}"
		mkdir -p "$dir"
		install -m 0644 "$m" "$dir/"
	done
	say "man pages in $destdir$mandir"
}

# The service files of etc/services, with this install's paths filled in,
# under PREFIX/share/stamp/services: examples to copy, never enabled here.
install_services() {
	share="$destdir$(dirname "$mandir")/stamp/services"
	(cd "$top/etc/services" && find . -type f) | while read -r f; do
		mkdir -p "$(dirname "$share/$f")"
		sed -e "s|@SBINDIR@|$sbindir|g" -e "s|@STAMP_HOME@|$home|g" \
			"$top/etc/services/$f" > "$share/$f.tmp"
		mode=0644
		[ -x "$top/etc/services/$f" ] && mode=0755
		chmod "$mode" "$share/$f.tmp"
		mv "$share/$f.tmp" "$share/$f"
	done
	say "service files (daemontools/runit, inetd, xinetd, systemd) in $share"
}

[ "$asroot" = 1 ] && make_users
if [ "$usersonly" = 1 ]; then
	[ "$asroot" = 1 ] || { echo "install.sh: --users-only needs root" >&2; exit 1; }
	exit 0
fi
install_programs
install_man
install_services
mkdir -p "$(dirname "$destdir$home")"
if [ "$asroot" = 1 ]; then
	"$bindir/stamp-setup" --home "$destdir$home" --owners
else
	"$bindir/stamp-setup" --home "$destdir$home"
fi
say "home in $destdir$home"
