#!/usr/bin/env bash
# End-to-end ingest benchmark: N syslog+JSON audit lines over TCP into a release build of
# Vigil, then the same lines into rsyslog (imtcp -> mmjsonparse -> file), side by side.
# Prints events/s (first byte sent to last event committed), daemon CPU-s per million events,
# peak RSS, and the rates of the first and last million. Both sides are watched by one poller
# process (Benchmarks/wait_count.py) that takes next to no CPU from what it measures.
# Usage: Benchmarks/ingest.sh [N]   (default 1,000,000; the issue's run uses 5,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
WORK=$(mktemp -d /tmp/vigil-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
cpu_seconds() { awk -v t="$(getconf CLK_TCK)" '{print ($14+$15)/t}' "/proc/$1/stat"; }
peak_rss_mb() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

echo "generating $N lines..."
python3 Benchmarks/gen_lines.py "$N" > "$WORK/lines"
echo "$(wc -c < "$WORK/lines" | awk '{printf "%.1f MB", $1/1e6}') of input"
swift build -c release --static-swift-stdlib --product vigil --scratch-path .build-release > "$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log"; exit 1; }
VIGIL=.build-release/release/vigil

# ---- Vigil ----
TCP=$(free_port); HTTP=$(free_port); UDP=$(free_port)
$VIGIL serve --data-dir "$WORK/vigil" --tcp 127.0.0.1:$TCP --udp 127.0.0.1:$UDP --http 127.0.0.1:$HTTP \
  --unix "$WORK/v.sock" --unix-dgram "$WORK/v.dgram" --log-level warning &
VPID=$!
until curl -sf "http://127.0.0.1:$HTTP/healthz" >/dev/null; do sleep 0.1; done
CPU0=$(cpu_seconds $VPID)
T0=$(now)
$VIGIL send --to tcp://127.0.0.1:$TCP < "$WORK/lines" &
read -r T1 first_m last_m < <(python3 Benchmarks/wait_count.py metrics "http://127.0.0.1:$HTTP/metrics" "$N" "$T0")
VCPU=$(echo "$(cpu_seconds $VPID) - $CPU0" | bc -l)
# Sealing (indexes, full text, summaries) runs at idle priority, so under this burst most of it
# waits for the end: report when the last closed partition is sealed, and the CPU it all took.
SEALED_AFTER=$(python3 Benchmarks/wait_count.py sealed "http://127.0.0.1:$HTTP/metrics" 0 "$T1")
SCPU=$(echo "$(cpu_seconds $VPID) - $CPU0" | bc -l)
VRSS=$(peak_rss_mb $VPID)
SIZE=$(du -sm "$WORK/vigil" | cut -f1)
kill -TERM $VPID; wait $VPID || true
VRATE=$(echo "$N / ($T1 - $T0)" | bc -l)

# ---- rsyslog ----
RATE_R="n/a"; RCPU="n/a"; RRSS="n/a"
if [ -x "${VIGIL_RSYSLOGD:-}" ]; then
  RPORT=$(free_port)
  mkdir -p "$WORK/rs"
  cat > "$WORK/rs/rsyslog.conf" <<CONF
global(workDirectory="$WORK/rs")
module(load="imtcp")
module(load="mmjsonparse")
template(name="json" type="string" string="%\$!all-json%\n")
ruleset(name="bench") {
  action(type="mmjsonparse" cookie="")
  action(type="omfile" file="$WORK/rs/out.jsonl" template="json" asyncWriting="on" ioBufferSize="256k")
}
input(type="imtcp" port="$RPORT" address="127.0.0.1" ruleset="bench")
CONF
  "$VIGIL_RSYSLOGD" -n -f "$WORK/rs/rsyslog.conf" -i "$WORK/rs/pid" -M "$VIGIL_RSYSLOG_MODULES" &
  RPID=$!
  until (exec 3<>/dev/tcp/127.0.0.1/$RPORT) 2>/dev/null; do sleep 0.1; done
  RC0=$(cpu_seconds $RPID)
  R0=$(now)
  $VIGIL send --to tcp://127.0.0.1:$RPORT < "$WORK/lines" &
  read -r R1 _ _ < <(python3 Benchmarks/wait_count.py file "$WORK/rs/out.jsonl" "$N" "$R0")
  RCPU=$(printf '%.1f' "$(echo "($(cpu_seconds $RPID) - $RC0) * 1000000 / $N" | bc -l)")
  RRSS=$(peak_rss_mb $RPID)
  kill -TERM $RPID; wait $RPID || true
  RATE_R=$(printf '%.0f' "$(echo "$N / ($R1 - $R0)" | bc -l)")
fi

printf '\n%-28s %14s %14s\n' "" "vigil" "rsyslog"
printf '%-28s %14.0f %14s\n' "events/s (end to end)" "$VRATE" "$RATE_R"
printf '%-28s %14.1f %14s\n' "CPU-s per million events" "$(echo "$VCPU * 1000000 / $N" | bc -l)" "$RCPU"
printf '%-28s %14.1f\n' "  same, with sealing" "$(echo "$SCPU * 1000000 / $N" | bc -l)"
printf '%-28s %14s %14s\n' "peak RSS (MB)" "$VRSS" "$RRSS"
printf '%-28s %14.0f\n' "first million events/s" "${first_m:-0}"
printf '%-28s %14.0f\n' "last million events/s" "${last_m:-0}"
printf '%-28s %14s\n' "all partitions sealed (s)" "+$SEALED_AFTER"
printf '%-28s %14s\n' "store size (MB)" "$SIZE"
if [ "$RATE_R" != "n/a" ]; then printf '%-28s %14.2f\n' "vigil / rsyslog rate" "$(echo "$VRATE / $RATE_R" | bc -l)"; fi
