#!/bin/sh
# Issue 16's per-consumer row from real processes, as a user runs them:
# 'logproc serve' (logproc-server in its own process), the file published
# once, then per round one 'logproc consume -workers 1 -idle IDLE' counting
# the batches already in the stream, against 'logproc scan -workers 1'.
# Wall and CPU are each process's own (/usr/bin/time); the consumer's wall
# leaves out the IDLE it waits before it stops; the server's CPU during
# the consumer comes from /proc. Each report is compared with scan's JSON.
#
# BUS_PUBLISH holds publish's flags (-by-reference, or -compress=false
# for batches by value as they are, not S2-compressed).
#
#	bench/bus-consumer.sh BIN_DIR FILE [ROUNDS]
set -eu
bin=$1 file=$2 rounds=${3:-3}
publish_flags=${BUS_PUBLISH:-}
idle_ms=500
work=$(mktemp -d)
port=$((20000 + $$ % 20000))
url=nats://127.0.0.1:$port
export NATS_URL=$url LOGPROC_STREAM=benchc LOGPROC_BUCKET=benchc
serve=
cleanup() {
	if [ -n "$serve" ]; then
		kill "$serve" 2>/dev/null || true
		wait "$serve" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# cpu PID: the process's user+system time in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }

"$bin/logproc" serve -quiet -store "$work/store" 2>"$work/serve.err" &
serve=$!
for _ in $(seq 100); do
	srv=$(ps -o pid= --ppid "$serve" | tr -d ' ')
	[ -n "$srv" ] && "$bin/logproc" reset -quiet >/dev/null 2>&1 && break
	sleep 0.1 # a poll with a deadline, for the server to take connections
done
[ -n "$srv" ] || { echo "bus-consumer.sh: logproc serve on $url did not start: $(cat "$work/serve.err")" >&2; exit 1; }
"$bin/logproc" scan -quiet -workers 1 -o "$work/scan.json" "$file"
lines=$(grep -o '"lines": *[0-9]*' "$work/scan.json" | head -1 | grep -o '[0-9]*$')
hz=$(getconf CLK_TCK)

for r in $(seq "$rounds"); do
	/usr/bin/time -f '%e %U %S' -o "$work/t.scan" "$bin/logproc" scan -quiet -workers 1 -o "$work/s.json" "$file"
	"$bin/logproc" reset -quiet
	"$bin/logproc" publish -quiet $publish_flags "$file"
	before=$(cpu "$srv")
	/usr/bin/time -f '%e %U %S' -o "$work/t.cons" "$bin/logproc" consume -quiet -workers 1 -idle ${idle_ms}ms
	after=$(cpu "$srv")
	# Not done means the consumer went idle before the last batch came (a
	# pull slower than the idle, on a busy machine): said, not a silent exit.
	"$bin/logproc" report -o "$work/r.json" 2>"$work/report.err" || { echo "round $r: report: $(tail -1 "$work/report.err")" >&2; exit 1; }
	cmp -s "$work/r.json" "$work/s.json" || { echo "round $r: report differs from scan: $(tail -1 "$work/report.err")" >&2; exit 1; }
	read -r sw su ss <"$work/t.scan"
	read -r cw cu cs <"$work/t.cons"
	echo "$r $sw $su $ss $cw $cu $cs $(((after - before)))" >>"$work/rows"
done

awk -v mode="${publish_flags:-by value}" -v lines="$lines" -v idle="$idle_ms" -v hz="$hz" -v load="$(cut -d' ' -f1 /proc/loadavg)" '
function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } return a[int((n + 1) / 2)] }
{ n++; sw[n] = $2; sc[n] = $3 + $4; cw[n] = $5 - idle / 1000; cc[n] = $6 + $7; sv[n] = $8 / hz }
END {
	s = med(sw, n); c = med(cw, n); scpu = med(sc, n); ccpu = med(cc, n); srv = med(sv, n)
	printf "\nreal processes, publish %s, median of %d rounds, load average %s at the end\n\n", mode, n, load
	print "| | s | lines/s | CPU s | server CPU s |"
	print "|---|---:|---:|---:|---:|"
	printf "| logproc scan -workers 1 | %.2f | %d | %.2f | |\n", s, lines / s, scpu
	printf "| logproc consume -workers 1 (batches in the stream) | %.2f | %d | %.2f | %.2f |\n", c, lines / c, ccpu, srv
	printf "\nconsumer: %.0f %% of scan -workers 1 (target: at least 80 %%); CPU %.1fx scan, %.1fx with the server\n", 100 * s / c, ccpu / scpu, (ccpu + srv) / scpu
}' "$work/rows"
