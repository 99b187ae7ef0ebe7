#!/bin/sh
# Runs every host unit-test binary given, then prints the grand total as
# "N passed, N failed" and exits non-zero if anything failed.
total_pass=0; total_fail=0; broken=0
for bin in "$@"; do
	out=$("$bin" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -v '^$' | grep -E 'FAIL|passed' || true
	line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		echo "$bin: crashed or printed no summary (rc=$rc)"
		printf '%s\n' "$out" | tail -n 20
		broken=$((broken + 1)); continue
	fi
	p=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/')
	f=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && broken=$((broken + 1))
done
total_fail=$((total_fail + broken))
echo "unit: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
