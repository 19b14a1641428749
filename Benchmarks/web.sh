#!/usr/bin/env bash
# Web UI and JSON API benchmark: seeds N realistic events (90 days up to the seeding time) into
# .build-bench/web-N (once; later runs reuse it), starts a release `vigil serve` on it, creates an
# admin token, and prints p50/p95/max per page and API call and the CSV export rate beside the targets.
# Usage: Benchmarks/web.sh [N]   (default 10,000,000; RUNS=R sets requests per endpoint, default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${1:-10000000}
RUNS=${RUNS:-20}
DIR=$ROOT/.build-bench/web-$N
VIGIL=$ROOT/.build-release/release/vigil
BENCH=$ROOT/.build-release/release/WebBench
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$ROOT/.build-bench"
for product in vigil WebBench; do
  echo "building $product (release)..."
  flock /tmp/vigil-build.lock swift build -c release --static-swift-stdlib --scratch-path "$ROOT/.build-release" \
    --product "$product" > "$ROOT/.build-bench/web-build.log" 2>&1 || { tail -30 "$ROOT/.build-bench/web-build.log"; exit 1; }
done

if [ -f "$DIR/SEEDED" ]; then
  echo "reusing the seeded store in $DIR ($(tr '\n' ' ' < "$DIR/SEEDED"); 'since:' filters count from now)"
else
  rm -rf "$DIR"
  mkdir -p "$DIR"
  "$BENCH" seed "$DIR" "$N"
fi

HTTP=$(free_port); TCP=$(free_port); UDP=$(free_port)
RUN=$(mktemp -d /tmp/vigil-web-bench.XXXXXX)
VPID=""
cleanup() {
  if [ -n "$VPID" ] && kill -0 "$VPID" 2>/dev/null; then kill -TERM "$VPID"; wait "$VPID" || true; fi
  rm -rf "$RUN"
}
trap cleanup EXIT

TOKEN=$("$VIGIL" token create --role admin --name "web-bench-$$" --data-dir "$DIR")
"$VIGIL" serve --data-dir "$DIR" --http 127.0.0.1:$HTTP --tcp 127.0.0.1:$TCP --udp 127.0.0.1:$UDP \
  --unix "$RUN/vigil.sock" --unix-dgram "$RUN/log.sock" --log-level warning > "$RUN/serve.log" 2>&1 &
VPID=$!
for _ in $(seq 600); do
  curl -sf "http://127.0.0.1:$HTTP/healthz" >/dev/null && break
  kill -0 "$VPID" 2>/dev/null || { echo "vigil serve exited:"; cat "$RUN/serve.log"; exit 1; }
  sleep 0.1
done
curl -sf "http://127.0.0.1:$HTTP/healthz" >/dev/null || { echo "vigil serve did not come up"; cat "$RUN/serve.log"; exit 1; }
echo "vigil serve (pid $VPID) on http://127.0.0.1:$HTTP over $N events"

# The embedded default archives every committed event; on a freshly seeded store it first copies all
# N into gzip segments. A running daemon keeps up as it goes, so measure once it has caught up.
archived() { curl -sf "http://127.0.0.1:$HTTP/metrics" | awk '/^vigil_archive_seq/ {print int($2)}'; }
A0=$(date +%s.%N); S0=$(archived); S0=${S0:-0}
if [ "$S0" -lt "$N" ]; then
  echo "waiting for the archiver to copy the seeded events into segments (from seq $S0)..."
  while s=$(archived); [ "${s:-0}" -lt "$N" ]; do
    kill -0 "$VPID" 2>/dev/null || { echo "vigil serve exited:"; cat "$RUN/serve.log"; exit 1; }
    sleep 1
  done
  A1=$(date +%s.%N)
  # Not a rate: the first pass starts after the archiver's interval and rewrites the open segment.
  awk -v t0="$A0" -v t1="$A1" 'BEGIN { printf "the archiver caught up after %.1f s\n", t1 - t0 }'
fi

status=0
"$BENCH" measure "http://127.0.0.1:$HTTP" "$TOKEN" --runs "$RUNS" || status=$?
echo "daemon peak RSS: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' "/proc/$VPID/status")"
kill -TERM "$VPID"; wait "$VPID" || true; VPID=""
if [ -s "$RUN/serve.log" ]; then echo "daemon log (warnings and errors):"; sed 's/^/  /' "$RUN/serve.log" | tail -20; fi
exit $status
