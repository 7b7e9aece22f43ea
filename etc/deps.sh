#!/bin/sh
# deps.sh: make sure the Debian packages that the build and the tests need
# are installed. As root it installs what is missing; otherwise it says
# what is missing and how to install it, and fails.
set -u

# xinetd: the service files' test (test_services.py).
# dnsmasq-base, python3-aiosmtpd and postfix: stamp-remote's tests (a private DNS server,
# fake mail exchangers, a private Postfix instance).
PKGS="gcc make pkg-config libbsd-dev libtls-dev check python3 swaks ucspi-tcp mandoc curl openssl dnsmasq-base python3-aiosmtpd postfix postgrey mpop fetchmail dovecot-pop3d xinetd libssl-dev opendkim opendkim-tools python3-dkim rspamd dovecot-lmtpd dovecot-imapd"

installed() {
	# "install ok installed" is the only state in which the files are there.
	st=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
	[ "$st" = "install ok installed" ]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: dpkg-query not found: not a Debian system; install by hand: $PKGS" >&2
	exit 1
fi

missing=
for p in $PKGS; do
	installed "$p" || missing="$missing $p"
done
missing=${missing# }

if [ -z "$missing" ]; then
	echo "deps: all present"
	exit 0
fi

echo "deps: missing: $missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run as root:" >&2
	echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Postfix "No configuration": installed for its programs, with no system
# instance listening on port 25, where the tests put their own servers.
case " $missing " in
*" postfix "*)
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections ||
		{ echo "deps: debconf-set-selections failed" >&2; exit 1; } ;;
esac
apt-get update || { echo "deps: apt-get update failed" >&2; exit 1; }
# $missing is deliberately unquoted: one word per package.
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing ||
	{ echo "deps: apt-get install failed" >&2; exit 1; }

still=
for p in $missing; do
	installed "$p" || still="$still $p"
done
if [ -n "$still" ]; then
	echo "deps: still missing after install:$still" >&2
	exit 1
fi
echo "deps: installed: $missing"
