#!/bin/sh
# check.sh: run every test of one or two builds and sum the results.
#
#   check.sh BUILD [SANBUILD]       unit suites and integration tests of
#                                   both builds, then tests/lint-man.sh
#   check.sh --unit-only O          the unit suites of one build
#   check.sh --integration-only O   the integration tests of one build
#
# Each unit binary counts as one test, and so does each integration test
# and each hostile-client probe (tests/probes: SAFE passes, UNSAFE fails).
# A build is a sanitizer build when it is SANBUILD, when SAN=1 is in the
# environment (make unit SAN=1), or when its binaries carry ASan; its
# programs then write their reports into a folder of ours, and any report
# that appears is a failure. The last line printed is `N passed, N failed`;
# the exit status is 1 when anything failed.
set -u

usage() {
	echo "usage: check.sh BUILD [SANBUILD] | --unit-only O | --integration-only O" >&2
	exit 2
}

UNIT_TIMEOUT=300        # seconds, for each unit binary
INTEG_TIMEOUT=3600      # seconds, for one whole integration run (each test has its own bound)
PROBE_TIMEOUT=900       # seconds, for one whole probe run (each probe has its own bound)

cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)

passed=0
failed=0
mode=all
case "${1:-}" in
--unit-only) mode=unit; shift ;;
--integration-only) mode=integration; shift ;;
-*|"") usage ;;
esac
[ $# -ge 1 ] || usage
if [ "$mode" = all ]; then
	[ $# -le 2 ] || usage
else
	[ $# -eq 1 ] || usage
fi

REPORTS=$(mktemp -d "${TMPDIR:-/tmp}/stamp-check.XXXXXX") || exit 2
# Programs that drop root (the scheduler runs as stamps) must be able to report too.
chmod 1777 "$REPORTS"
trap 'rm -rf "$REPORTS"' EXIT
trap 'exit 130' INT TERM

pass() { passed=$((passed + 1)); echo "ok $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+ ($2)}"; }

abspath() {
	case "$1" in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$ROOT/$1" ;;
	esac
}

# Is the build in folder $1 a sanitizer build? $2: san, or auto to look.
is_san() {
	[ "$2" = san ] && return 0
	[ "${SAN:-}" = 1 ] && return 0
	for f in "$1"/tests/check_* "$1"/bin/stamp-*; do
		[ -f "$f" ] || continue
		grep -q __asan_init "$f" 2>/dev/null && return 0
		return 1
	done
	return 1
}

# Environment for a sanitizer run: reports go to $REPORTS, never to stderr alone.
san_env() {
	export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:log_path=$REPORTS/asan"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$REPORTS/ubsan"
	# The check framework's own per-test alarm: sanitized code is slower.
	export CK_TIMEOUT_MULTIPLIER="${CK_TIMEOUT_MULTIPLIER:-4}"
}

plain_env() {
	unset ASAN_OPTIONS UBSAN_OPTIONS
	# A loaded machine (CI, two builds at once) must not turn slow into failed.
	export CK_TIMEOUT_MULTIPLIER=2
}

# Print and remove any sanitizer report; true when there was one.
take_reports() {
	found=1
	for r in "$REPORTS"/asan.* "$REPORTS"/ubsan.*; do
		[ -f "$r" ] || continue
		echo "---- sanitizer report $(basename "$r") ----"
		cat "$r"
		rm -f "$r"
		found=0
	done
	return $found
}

run_unit() {
	build=$1
	label=$2
	n=0
	for t in "$build"/tests/check_*; do
		if [ ! -f "$t" ] || [ ! -x "$t" ]; then continue; fi
		n=$((n + 1))
		name="$label/$(basename "$t")"
		echo "== $name"
		t0=$(date +%s)
		timeout -k 10 "$UNIT_TIMEOUT" "$t"
		rc=$?
		echo "== $name took $(( $(date +%s) - t0 ))s"
		if take_reports; then
			fail "$name" "sanitizer report"
		elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
			fail "$name" "timed out after ${UNIT_TIMEOUT}s"
		elif [ $rc -ne 0 ]; then
			fail "$name" "exit $rc"
		else
			pass "$name"
		fi
	done
	[ $n -gt 0 ] || echo "== $label: no unit tests in $build/tests"
	run_corpora "$build" "$label"
}

# Each fuzz harness, built with the replay driver, over its corpus.
run_corpora() {
	for h in "$1"/tests/fuzz/fuzz_*; do
		case "$h" in *.o|*.d) continue ;; esac
		[ -x "$h" ] || continue
		fname=$(basename "$h")
		name="$2/$fname"
		echo "== $name"
		timeout -k 10 "$UNIT_TIMEOUT" "$h" "tests/fuzz/corpus/${fname#fuzz_}"
		rc=$?
		if take_reports; then
			fail "$name" "sanitizer report"
		elif [ $rc -ne 0 ]; then
			fail "$name" "exit $rc"
		else
			pass "$name"
		fi
	done
}

run_integration() {
	build=$1
	label=$2
	if [ ! -f tests/integration/run.py ]; then
		echo "== $label: no tests/integration/run.py"
		return
	fi
	echo "== $label/integration"
	out="$REPORTS/integration.out"
	# The runner prints `ok NAME` / `FAIL NAME` per test; count those lines.
	timeout -k 10 "$INTEG_TIMEOUT" python3 tests/integration/run.py --build "$build" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^FAIL ' "$out")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		fail "$label/integration" "runner exit $rc"
	fi
	rm -f "$out"
	# The runner gives each test its own reports; anything left is unclaimed.
	if take_reports; then
		fail "$label/integration" "sanitizer report outside any test"
	fi
}

# The hostile-client probes (tests/probes/run.py): each SAFE line counts as
# a pass, each UNSAFE line as a failure.
run_probes() {
	build=$1
	label=$2
	if [ ! -f tests/probes/run.py ]; then
		return
	fi
	echo "== $label/probes"
	out="$REPORTS/probes.out"
	timeout -k 10 "$PROBE_TIMEOUT" python3 tests/probes/run.py --build "$build" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(grep -c '^SAFE ' "$out")
	f=$(grep -c '^UNSAFE ' "$out")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		fail "$label/probes" "runner exit $rc"
	fi
	rm -f "$out"
	if take_reports; then
		fail "$label/probes" "sanitizer report outside any probe"
	fi
}

run_build() {
	what=$1
	dir=$2
	hint=$3
	if [ ! -d "$dir" ]; then
		fail "$dir" "no such build folder"
		return
	fi
	build=$(abspath "$dir")
	label=$(basename "$build")
	if is_san "$build" "$hint"; then san_env; else plain_env; fi
	case "$what" in
	unit|all) run_unit "$build" "$label" ;;
	esac
	case "$what" in
	integration|all) run_integration "$build" "$label"; run_probes "$build" "$label" ;;
	esac
	plain_env
}

# One build's whole run in a subshell with its own REPORTS; its output goes to
# $PARTS/out.N and its counts to $PARTS/count.N (N: 1 for auto, 2 for san).
PARTS=$(mktemp -d "${TMPDIR:-/tmp}/stamp-parts.XXXXXX") || exit 2
trap 'rm -rf "$REPORTS" "$PARTS"' EXIT
part() {
	# (not $n: run_unit counts its suites in n)
	part_n=1
	[ "$2" = san ] && part_n=2
	(
		count="$PARTS/count.$part_n"
		REPORTS="$REPORTS/$part_n"
		mkdir -p "$REPORTS" && chmod 1777 "$REPORTS"
		passed=0
		failed=0
		start=$(date +%s)
		run_build all "$1" "$2"
		echo "== $(basename "$1"): $passed passed, $failed failed in $(( $(date +%s) - start ))s"
		echo "$passed $failed" >"$count"
	) >"$PARTS/out.$part_n" 2>&1
}

case "$mode" in
all)
	if [ $# -eq 2 ]; then
		# The two builds are independent: run them at once (two cores), each
		# with its own reports folder and output, printed whole when both end.
		# Tests that need a machine-wide resource take stamptest's lock.
		part "$1" auto &
		p1=$!
		part "$2" san &
		p2=$!
		wait $p1
		wait $p2
		for n in 1 2; do
			cat "$PARTS/out.$n"
			read -r p f <"$PARTS/count.$n" || { p=0; f=1; echo "FAIL part $n (no count)"; }
			passed=$((passed + p))
			failed=$((failed + f))
		done
	else
		run_build all "$1" auto
	fi
	if [ -f tests/lint-man.sh ]; then
		echo "== lint-man"
		if timeout -k 10 "$UNIT_TIMEOUT" sh tests/lint-man.sh; then
			pass lint-man
		else
			fail lint-man
		fi
	fi
	;;
*)
	run_build "$mode" "$1" auto
	;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
