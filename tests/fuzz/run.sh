#!/bin/sh
# run.sh BUILD SECONDS: run every libFuzzer harness of BUILD (make fuzz) for
# SECONDS each, starting from its corpus in tests/fuzz/corpus/NAME. New
# inputs that cover new code go into a scratch folder (not the tree: keep
# the committed corpus small and chosen); a crash leaves crash-* files in
# tests/fuzz/findings/, to be minimised, added to the corpus and fixed.
set -u
build=$1
seconds=$2
cd "$(dirname "$0")/../.." || exit 2
mkdir -p tests/fuzz/findings
failed=0
for h in "$build"/tests/fuzz/fuzz_*; do
	case "$h" in *.o|*.d) continue ;; esac
	[ -x "$h" ] || continue
	name=$(basename "$h" | sed 's/^fuzz_//')
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/stamp-fuzz.XXXXXX")
	echo "== fuzz $name for ${seconds}s"
	if ! "$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="tests/fuzz/findings/$name-" "$scratch" "tests/fuzz/corpus/$name" \
	    2>"$scratch.log"; then
		tail -40 "$scratch.log"
		failed=$((failed + 1))
	else
		grep -E '^#[0-9]+.*DONE|Done [0-9]+ runs' "$scratch.log" | tail -1
	fi
	rm -rf "$scratch" "$scratch.log"
done
echo "fuzz: $failed harnesses failed"
[ "$failed" -eq 0 ]
