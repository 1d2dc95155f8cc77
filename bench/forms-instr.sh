#!/bin/sh
# Instructions per line of each form in BenchmarkForms (scan/logline):
# each inner format bare, then in CRI, Docker json-file and a time prefix,
# counted by cachegrind, which a busy machine does not move as it moves
# time. A form's count is (Ir at 21 passes - Ir at 1 pass) / 20 / 10,000
# lines, so building the lines and starting the binary cancel out.
#
#	bench/forms-instr.sh [GO]
set -eu
go=${1:-go}
command -v valgrind >/dev/null || { echo "forms-instr: valgrind not found (apt-get install valgrind)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$go" test -c -o "$work/logline.test" ./scan/logline
ir() { # form passes
	GOGC=off GOMAXPROCS=1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$work/cg.out" \
		"$work/logline.test" -test.run='^$' -test.bench="^BenchmarkForms\$/^$1\$" \
		-test.benchtime="$2x" -test.count=1 >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
	awk '/^summary:/ { print $2 }' "$work/cg.out"
}
printf '%-16s %18s %7s\n' form instructions/line x-bare
for inner in logfmt json; do
	bare=
	for frame in "" cri docker stamped; do
		form=${frame:+$frame\\+}$inner
		one=$(ir "$form" 1)
		many=$(ir "$form" 21)
		per=$(awk -v a="$one" -v b="$many" 'BEGIN { printf "%.0f", (b - a) / 20 / 10000 }')
		[ -z "$frame" ] && bare=$per
		printf '%-16s %18s %7s\n' "${frame:+$frame+}$inner" "$per" "$(awk -v p="$per" -v b="$bare" 'BEGIN { printf "%.2f", p / b }')"
	done
done
