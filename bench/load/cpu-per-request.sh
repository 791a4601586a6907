#!/usr/bin/env bash
# CPU time one process spends per request under load: utime+stime of PID (from /proc, clock ticks) across one wrk run,
# divided by the requests wrk completed. Less sensitive to a busy machine than throughput: it counts the process's
# own work, not what it waited for. 127.0.0.1 targets only.
#
# Usage: bench/load/cpu-per-request.sh PID URL BODY_FILE ["Header: value|..."] [SECONDS=6] [CONNECTIONS=32]
#   e.g. bench/load/cpu-per-request.sh "$(pgrep -f LlmRouter.Gateway.dll)" http://127.0.0.1:5080/v1/chat/completions body.json
# Warm the process up first (the JIT takes a few seconds to settle); the first run after a start reads high.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,9p' "$0"; exit 2; }
PID=$1 URL=$2 BODY=$3 HEADERS=${4:-} SECONDS_=${5:-6} CONNECTIONS=${6:-32}
case "$URL" in http://127.0.0.1:*) ;; *) echo "only http://127.0.0.1 targets" >&2; exit 2 ;; esac
LOAD=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ticks() { local s rest; s=$(cat "/proc/$PID/stat"); rest=${s##*) }; set -- $rest; echo $(( ${12} + ${13} )); }
hz=$(getconf CLK_TCK)
before=$(ticks)
result=$(BENCH_BODY="$BODY" BENCH_HEADERS="$HEADERS" wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_}s" --timeout 10s -s "$LOAD/post.lua" "$URL" | grep '^RESULT')
after=$(ticks)
requests=$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$result")
rps=$(sed 's/.*rps=\([0-9.]*\).*/\1/' <<<"$result")
awk -v a="$before" -v b="$after" -v n="$requests" -v hz="$hz" -v rps="$rps" \
  'BEGIN { printf "cpu per request: %.1f us (%d requests, %s req/s)\n", (b - a) * 1e6 / hz / n, n, rps }'
