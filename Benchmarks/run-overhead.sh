#!/usr/bin/env bash
# What `vigil run` adds to a job: N runs of /bin/true bare and wrapped, against a running daemon
# (Unix socket) and with the daemon down (events spooled), on a release build.
# Usage: Benchmarks/run-overhead.sh [N]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
WORK=$(mktemp -d /tmp/vigil-run-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
swift build -c release --static-swift-stdlib --product vigil --scratch-path .build-release > "$WORK/build.log" 2>&1 \
  || { tail -20 "$WORK/build.log"; exit 1; }
VIGIL=$PWD/.build-release/release/vigil
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
per_run() {  # COMMAND... -> milliseconds per run
  local t0 t1
  t0=$(date +%s%N)
  for _ in $(seq "$N"); do "$@" >/dev/null; done
  t1=$(date +%s%N)
  echo "scale=2; ($t1 - $t0) / 1000000 / $N" | bc
}
HTTP=$(free_port)
"$VIGIL" serve --data-dir "$WORK/data" --tcp 127.0.0.1:0 --udp 127.0.0.1:0 --http 127.0.0.1:$HTTP \
  --unix "$WORK/vigil.sock" --unix-dgram "$WORK/log.sock" --log-level warning &
until curl -sf "http://127.0.0.1:$HTTP/healthz" >/dev/null; do sleep 0.1; done
export VIGIL_SPOOL=$WORK/spool
BARE=$(per_run /bin/true)
UP=$(VIGIL_ADDR=unix:$WORK/vigil.sock per_run "$VIGIL" run --name bench -- /bin/true)
DOWN=$(VIGIL_ADDR=unix:$WORK/nobody.sock per_run "$VIGIL" run --name bench -- /bin/true)
printf '%-46s %8s ms\n' "/bin/true" "$BARE" "vigil run -- /bin/true (daemon up)" "$UP" \
  "vigil run -- /bin/true (daemon down, spooled)" "$DOWN"
printf '%-46s %8s ms\n' "overhead per run (daemon up)" "$(echo "$UP - $BARE" | bc)"
