#!/bin/sh
# Runs each libFuzzer binary for a bounded time on its seed corpus (if
# tests/fuzz/corpus/NAME exists) and a scratch corpus under build/.
# Prints "N passed, N failed" over the targets.
secs=$1; shift
pass=0; fail=0
for bin in "$@"; do
	name=$(basename "$bin" | sed 's/^fuzz_//')
	work=$(dirname "$bin")/corpus-$name
	mkdir -p "$work"
	seeds=tests/fuzz/corpus/$name
	[ -d "$seeds" ] || seeds=
	if "$bin" -max_total_time="$secs" -max_len=8192 -print_final_stats=0 \
	     -artifact_prefix="$work-" \
	     "$work" $seeds > "$work.log" 2>&1; then
		echo "fuzz $name: ok ($(grep -c . "$work.log") log lines, ${secs}s)"
		pass=$((pass + 1))
	else
		echo "fuzz $name: FAILED, see $work.log"; tail -n 30 "$work.log"
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
