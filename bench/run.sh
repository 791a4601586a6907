#!/usr/bin/env bash
# Load benchmark for LlmRouter, in one run on 127.0.0.1 only:
#   direct to a fake upstream  vs  a plain YARP hop (no parsing, no policy)  vs  LlmRouter,
#   and (OpenAI rows) LlmRouter with a gateway key whose limits live in Redis ("keys+redis": auth, admission and
#   settlement scripts on a local redis-server; limits high enough that nothing is refused),
#   non-streaming at 1, 32 and 128 connections for an OpenAI deployment and an Anthropic deployment (translation on),
#   and streams (time to first byte, total time) over sequential requests.
# Prints one table and keeps raw results under bench/results/<timestamp>/ (gitignored).
#
# Usage: bench/run.sh [--skip-build] [--soak SECONDS]
#   --soak SECONDS  leak check instead of the default run: LlmRouter alone at 32 connections for SECONDS (>= 90),
#                   printing RSS after the first minute and at the end.
# Environment (defaults): BENCH_DURATION=8 (s per wrk cell), BENCH_WARMUP=2 (s per target),
#   BENCH_CONNECTIONS="1 32 128", BENCH_STREAM_REQUESTS=20, BENCH_STREAM_TPS=200 (fake stream pace, tokens/s),
#   BENCH_PORT_BASE=39180 (fake +1, plain proxy +2, LlmRouter +3, LlmRouter with key and Redis +4, redis-server +5).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOAD="$ROOT/bench/load"
DURATION=${BENCH_DURATION:-8}
WARMUP=${BENCH_WARMUP:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-"1 32 128"}
STREAM_REQUESTS=${BENCH_STREAM_REQUESTS:-20}
STREAM_TPS=${BENCH_STREAM_TPS:-200}
PORT_BASE=${BENCH_PORT_BASE:-39180}
FAKE_PORT=$((PORT_BASE + 1))
PROXY_PORT=$((PORT_BASE + 2))
GATEWAY_PORT=$((PORT_BASE + 3))
KEYS_PORT=$((PORT_BASE + 4))
REDIS_PORT=$((PORT_BASE + 5))
FAKE="http://127.0.0.1:$FAKE_PORT"
PROXY="http://127.0.0.1:$PROXY_PORT"
GATEWAY="http://127.0.0.1:$GATEWAY_PORT"
GATEWAY_KEYS="http://127.0.0.1:$KEYS_PORT"
# A benchmark-only gateway key; the gateway is given its hash, as operators configure it.
BENCH_KEY="llmr-bench-0123456789abcdef0123456789abcdef"
BENCH_KEY_HASH="sha256:$(printf %s "$BENCH_KEY" | sha256sum | cut -d' ' -f1)"
ANTHROPIC_HEADERS="x-api-key: bench-key|anthropic-version: 2023-06-01"

SKIP_BUILD=0
SOAK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-build) SKIP_BUILD=1 ;;
    --soak) SOAK=${2:?--soak needs a number of seconds}; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$SOAK" != 0 ] && [ "$SOAK" -lt 90 ]; then
  echo "--soak needs at least 90 seconds (RSS is compared with the value after the first minute)" >&2
  exit 2
fi

START_TIME=$(date +%s)
OUT="$ROOT/bench/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"

# ---- processes: every one started here is stopped here, by PID --------------------------------------------------
PIDS=()
GATEWAY_PID=""

stop_all() {
  local pid waited
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    waited=0
    while kill -0 "$pid" 2>/dev/null && [ $waited -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_ready() { # name url pid log
  local tries=0
  until curl -sf -o /dev/null "$2"; do
    if ! kill -0 "$3" 2>/dev/null; then echo "$1 exited during startup; log:" >&2; tail -20 "$4" >&2; exit 1; fi
    tries=$((tries + 1))
    if [ $tries -gt 120 ]; then echo "$1 not ready after 60 s; log:" >&2; tail -20 "$4" >&2; exit 1; fi
    sleep 0.5
  done
}

start_fake() {
  dotnet "$ROOT/bench/LlmRouter.FakeUpstream/bin/Release/net10.0/LlmRouter.FakeUpstream.dll" "$FAKE_PORT" "$STREAM_TPS" \
    >"$OUT/fake-upstream.log" 2>&1 &
  PIDS+=($!)
  wait_ready "fake upstream" "$FAKE/healthz" $! "$OUT/fake-upstream.log"
}

start_proxy() {
  dotnet "$ROOT/bench/LlmRouter.PlainProxy/bin/Release/net10.0/LlmRouter.PlainProxy.dll" "$PROXY_PORT" "$FAKE/" \
    >"$OUT/plain-proxy.log" 2>&1 &
  PIDS+=($!)
  wait_ready "plain YARP proxy" "$PROXY/healthz" $! "$OUT/plain-proxy.log"
}

launch_gateway() { # url log [extra arguments...]
  local url=$1 log=$2
  shift 2
  # Run from the output folder so appsettings.json (deployments, routes) is the content root's; the overrides
  # point every deployment at the fake upstream and give the simulated-key-free upstreams an API key.
  (cd "$ROOT/src/LlmRouter.Gateway/bin/Release/net10.0" && exec dotnet LlmRouter.Gateway.dll \
    --urls "$url" \
    --LlmRouter:Deployments:gpt-4:BaseUrl="$FAKE/sim/gpt-4" \
    --LlmRouter:Deployments:claude:BaseUrl="$FAKE/sim/claude" \
    --LlmRouter:Deployments:gemini:BaseUrl="$FAKE/sim/gemini" \
    --OPENAI_API_KEY=bench-key --ANTHROPIC_API_KEY=bench-key --GEMINI_API_KEY=bench-key \
    --Serilog:MinimumLevel:Default=Warning "$@") >"$log" 2>&1 &
  LAUNCHED_PID=$!
  PIDS+=($LAUNCHED_PID)
  wait_ready "LlmRouter gateway ($url)" "$url/healthz" $LAUNCHED_PID "$log"
}

start_gateway() {
  launch_gateway "$GATEWAY" "$OUT/gateway.log"
  GATEWAY_PID=$LAUNCHED_PID
}

start_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "installing redis-server (Debian package)..."
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get install -y redis-server >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y redis-server >/dev/null; }
  fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$OUT/redis.log" 2>&1 &
  PIDS+=($!)
  local tries=0
  until port_in_use "$REDIS_PORT"; do
    tries=$((tries + 1)); [ $tries -gt 100 ] && { echo "redis-server did not start; log:" >&2; tail -5 "$OUT/redis.log" >&2; exit 1; }
    sleep 0.1
  done
}

# LlmRouter with every limit set on one key (high enough never to refuse), kept in Redis: the cost of keys + limits.
start_gateway_keys() {
  launch_gateway "$GATEWAY_KEYS" "$OUT/gateway-keys.log" \
    --LlmRouter:Auth:Keys:bench:Hash="$BENCH_KEY_HASH" \
    --LlmRouter:Auth:Keys:bench:Team=bench \
    --LlmRouter:Auth:Keys:bench:RequestsPerMinute=1000000000 \
    --LlmRouter:Auth:Keys:bench:TokensPerMinute=1000000000000 \
    --LlmRouter:Auth:Keys:bench:MaxParallelRequests=100000 \
    --LlmRouter:Auth:Keys:bench:BudgetUsd=1000000000 \
    --LlmRouter:Redis:Configuration="127.0.0.1:$REDIS_PORT"
}

# Peak RSS of the gateway (kB) since the last reset; a reset (clear_refs 5) makes each cell's peak its own.
gateway_hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$GATEWAY_PID/status"; }
gateway_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$GATEWAY_PID/status"; }
reset_gateway_hwm() { echo 5 >"/proc/$GATEWAY_PID/clear_refs" 2>/dev/null || true; }

# ---- setup ------------------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk (Debian package)..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y wrk >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y wrk >/dev/null; }
fi
command -v curl >/dev/null || { echo "curl is required" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required (stream timings)" >&2; exit 1; }

for port in "$FAKE_PORT" "$PROXY_PORT" "$GATEWAY_PORT" "$KEYS_PORT" "$REDIS_PORT"; do
  if port_in_use "$port"; then echo "port $port on 127.0.0.1 is in use; set BENCH_PORT_BASE" >&2; exit 1; fi
done

if [ $SKIP_BUILD -eq 0 ]; then
  echo "building (Release)..."
  for project in src/LlmRouter.Gateway bench/LlmRouter.FakeUpstream bench/LlmRouter.PlainProxy; do
    if ! dotnet build "$ROOT/$project" -c Release -nologo -v q >"$OUT/build.log" 2>&1; then
      echo "build of $project failed:" >&2; grep -E "error" "$OUT/build.log" | sort -u >&2; exit 1
    fi
  done
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpus: $(nproc) x $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "ram: $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "dotnet: $(dotnet --version)  wrk: $(wrk -v 2>&1 | head -1 | awk '{ print $2 }')"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
} | tee "$OUT/machine.txt"

# Request bodies: the client's OpenAI body for LlmRouter, the same body as the fake receives it for the direct and
# plain-proxy baselines (OpenAI: identical but for the upstream model name; Anthropic: the translated shape).
sed 's/"model":"gpt-4o"/"model":"gpt-4"/' "$LOAD/openai.json" >"$OUT/gateway-openai.json"
sed 's/"model":"gpt-4o"/"model":"claude"/' "$LOAD/openai.json" >"$OUT/gateway-claude.json"
cp "$LOAD/openai.json" "$OUT/direct-openai.json"
cp "$LOAD/anthropic.json" "$OUT/direct-anthropic.json"
for body in gateway-openai gateway-claude direct-openai direct-anthropic; do
  sed 's/"stream":false/"stream":true/' "$OUT/$body.json" >"$OUT/$body-stream.json"
done

# target table: scenario target url body headers
targets() {
  local suffix=$1
  printf '%s\t%s\t%s\t%s\t%s\n' \
    openai direct "$FAKE/sim/gpt-4/v1/chat/completions" "$OUT/direct-openai$suffix.json" "" \
    openai yarp "$PROXY/sim/gpt-4/v1/chat/completions" "$OUT/direct-openai$suffix.json" "" \
    openai llmrouter "$GATEWAY/v1/chat/completions" "$OUT/gateway-openai$suffix.json" "" \
    openai keys+redis "$GATEWAY_KEYS/v1/chat/completions" "$OUT/gateway-openai$suffix.json" "Authorization: Bearer $BENCH_KEY" \
    anthropic direct "$FAKE/sim/claude/v1/messages" "$OUT/direct-anthropic$suffix.json" "$ANTHROPIC_HEADERS" \
    anthropic yarp "$PROXY/sim/claude/v1/messages" "$OUT/direct-anthropic$suffix.json" "$ANTHROPIC_HEADERS" \
    anthropic llmrouter "$GATEWAY/v1/chat/completions" "$OUT/gateway-claude$suffix.json" ""
}

curl_headers() { # "A: b|C: d" -> -H args
  local IFS='|' header
  CURL_HEADERS=(-H "Content-Type: application/json")
  for header in $1; do [ -n "$header" ] && CURL_HEADERS+=(-H "$header"); done
}

check_target() { # name url body headers expected-substring
  curl_headers "$4"
  local status
  status=$(curl -s -o "$OUT/check-$1.out" -w '%{http_code}' "${CURL_HEADERS[@]}" --data-binary @"$3" "$2")
  if [ "$status" != 200 ] || ! grep -q -- "$5" "$OUT/check-$1.out"; then
    echo "sanity check failed for $1 ($2): HTTP $status" >&2; head -c 600 "$OUT/check-$1.out" >&2; echo >&2; exit 1
  fi
}

run_wrk() { # url body headers connections seconds -> RESULT line
  local threads=$(( $4 < 2 ? 1 : 2 ))
  BENCH_BODY="$2" BENCH_HEADERS="$3" wrk -t"$threads" -c"$4" -d"$5"s --timeout 10s -s "$LOAD/post.lua" "$1"
}

field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<"$2"; }

percentile() { # p file(one number per line) -> value
  sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 } END { i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'
}

# ---- soak (leak check) ------------------------------------------------------------------------------------------
if [ "$SOAK" != 0 ]; then
  start_fake
  start_gateway
  check_target soak "$GATEWAY/v1/chat/completions" "$OUT/gateway-openai.json" "" '"chat.completion"'
  run_wrk "$GATEWAY/v1/chat/completions" "$OUT/gateway-openai.json" "" 32 "$WARMUP" >/dev/null
  echo "soak: LlmRouter, OpenAI deployment, 32 connections, $SOAK s"
  BENCH_BODY="$OUT/gateway-openai.json" BENCH_HEADERS="" \
    wrk -t2 -c32 -d"${SOAK}"s --timeout 10s -s "$LOAD/post.lua" "$GATEWAY/v1/chat/completions" >"$OUT/soak-wrk.txt" 2>&1 &
  WRK_PID=$!
  PIDS+=($WRK_PID)
  soak_start=$(date +%s)
  rss_minute=""
  rss_last=""
  printf 'elapsed_s\trss_kb\n' >"$OUT/soak-rss.tsv"
  while kill -0 "$WRK_PID" 2>/dev/null; do
    sleep 5
    elapsed=$(( $(date +%s) - soak_start ))
    kill -0 "$WRK_PID" 2>/dev/null || break
    rss_last=$(gateway_rss_kb)
    printf '%s\t%s\n' "$elapsed" "$rss_last" >>"$OUT/soak-rss.tsv"
    if [ -z "$rss_minute" ] && [ "$elapsed" -ge 60 ]; then
      rss_minute=$rss_last
      echo "RSS after the first minute: $((rss_minute / 1024)) MB"
    fi
  done
  wait "$WRK_PID" || true
  result=$(grep '^RESULT' "$OUT/soak-wrk.txt" || true)
  echo "RSS at the end (${elapsed} s): $((rss_last / 1024)) MB; peak RSS $(( $(gateway_hwm_kb) / 1024 )) MB"
  awk -v a="$rss_minute" -v b="$rss_last" 'BEGIN { printf "change after the first minute: %+.1f %% (target: within 10 %%)\n", (b - a) * 100 / a }'
  echo "throughput: $(field rps "$result") req/s, p50 $(field p50_us "$result") us, p99 $(field p99_us "$result") us, non-2xx $(field non2xx "$result"), socket errors $(field socket_errors "$result")"
  echo "raw results: $OUT"
  exit 0
fi

# ---- default run ------------------------------------------------------------------------------------------------
start_fake
start_proxy
start_gateway
start_redis
start_gateway_keys

while IFS=$'\t' read -r scenario target url body headers; do
  expected='"chat.completion"'; [ "$scenario/$target" != anthropic/llmrouter ] && [ "$scenario" = anthropic ] && expected='"type":"message"'
  check_target "$scenario-$target" "$url" "$body" "$headers" "$expected"
done < <(targets "")
while IFS=$'\t' read -r scenario target url body headers; do
  expected='data: \[DONE\]'; [ "$scenario/$target" != anthropic/llmrouter ] && [ "$scenario" = anthropic ] && expected='message_stop'
  check_target "$scenario-$target-stream" "$url" "$body" "$headers" "$expected"
done < <(targets "-stream")

RESULTS="$OUT/results.tsv"
printf 'scenario\ttarget\tconnections\trps\tp50_us\tp99_us\trss_peak_kb\tnon2xx\tsocket_errors\n' >"$RESULTS"
PEAK_KB=0
note_peak() { local kb; kb=$(gateway_hwm_kb); [ "$kb" -gt "$PEAK_KB" ] && PEAK_KB=$kb; echo "$kb"; }

echo "warming up ($WARMUP s per target)..."
while IFS=$'\t' read -r scenario target url body headers; do
  run_wrk "$url" "$body" "$headers" 32 "$WARMUP" >"$OUT/warmup-$scenario-$target.txt" 2>&1
done < <(targets "")
note_peak >/dev/null

# Targets alternate within each connection count so machine noise hits all three alike.
for connections in $CONNECTIONS; do
  while IFS=$'\t' read -r scenario target url body headers; do
    [ "$target" = llmrouter ] && { note_peak >/dev/null; reset_gateway_hwm; }
    raw="$OUT/wrk-$scenario-$target-c$connections.txt"
    run_wrk "$url" "$body" "$headers" "$connections" "$DURATION" >"$raw" 2>&1
    result=$(grep '^RESULT' "$raw" || true)
    [ -n "$result" ] || { echo "wrk failed for $scenario/$target/c$connections:" >&2; cat "$raw" >&2; exit 1; }
    rss="-"; [ "$target" = llmrouter ] && rss=$(note_peak)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$target" "$connections" \
      "$(field rps "$result")" "$(field p50_us "$result")" "$(field p99_us "$result")" "$rss" \
      "$(field non2xx "$result")" "$(field socket_errors "$result")" >>"$RESULTS"
    printf '  %-9s %-9s c=%-3s %10s req/s  p50 %6s us  p99 %6s us\n' "$scenario" "$target" "$connections" \
      "$(field rps "$result")" "$(field p50_us "$result")" "$(field p99_us "$result")"
  done < <(targets "")
done

echo "streams: $STREAM_REQUESTS sequential requests per target, fake paced at $STREAM_TPS tokens/s..."
while IFS=$'\t' read -r scenario target url body headers; do
  curl_headers "$headers"
  times="$OUT/stream-$scenario-$target.txt"
  : >"$times"
  for i in 1 2 3; do curl -s -o /dev/null "${CURL_HEADERS[@]}" --data-binary @"$body" "$url"; done
  [ "$target" = llmrouter ] && { note_peak >/dev/null; reset_gateway_hwm; }
  IFS='|' read -r -a timing_headers <<<"$headers"
  for ((i = 0; i < STREAM_REQUESTS; i++)); do
    python3 "$LOAD/stream_timing.py" "$url" "$body" "${timing_headers[@]}" >>"$times"
  done
  rss="-"; [ "$target" = llmrouter ] && rss=$(note_peak)
  awk '{ printf "%d\n", $1 * 1e6 }' "$times" >"$times.ttfb"
  awk '{ printf "%d\n", $2 * 1e6 }' "$times" >"$times.ttft"
  awk '{ printf "%d\n", $3 * 1e6 }' "$times" >"$times.total"
  for part in ttfb ttft total; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "stream-$scenario-$part" "$target" "1-seq" "-" \
      "$(percentile 50 "$times.$part")" "$(percentile 99 "$times.$part")" "$rss" 0 0 >>"$RESULTS"
  done
done < <(targets "-stream")

# ---- the table --------------------------------------------------------------------------------------------------
{
  echo
  echo "LlmRouter load benchmark — $(cut -d' ' -f1-3 /proc/loadavg | sed 's/^/load average at end: /')"
  awk -F'\t' '
    NR == 1 { next }
    { key = $1 "|" $3; rows[NR] = $0
      if ($2 == "direct") { d50[key] = $5; d99[key] = $6 }
      if ($2 == "yarp") yrps[key] = $4 }
    END {
      fmt = "%-22s %-10s %6s %10s %9s %9s %9s %9s %8s %9s\n"
      printf fmt, "scenario", "target", "conns", "req/s", "p50 ms", "p99 ms", "+p50 ms", "+p99 ms", "vs YARP", "GW RSS MB"
      for (i = 2; i <= NR; i++) {
        split(rows[i], f, "\t"); key = f[1] "|" f[3]
        add50 = (f[2] == "direct") ? "-" : sprintf("%+.3f", (f[5] - d50[key]) / 1000)
        add99 = (f[2] == "direct") ? "-" : sprintf("%+.3f", (f[6] - d99[key]) / 1000)
        ratio = (f[4] != "-" && f[2] != "direct" && yrps[key] > 0) ? sprintf("%.1f%%", f[4] * 100 / yrps[key]) : "-"
        rss = (f[7] == "-") ? "-" : sprintf("%.0f", f[7] / 1024)
        errs = (f[8] + f[9] > 0) ? sprintf("  (%d non-2xx, %d socket errors)", f[8], f[9]) : ""
        printf fmt, f[1], f[2], f[3], f[4], sprintf("%.3f", f[5] / 1000), sprintf("%.3f", f[6] / 1000), add50, add99, ratio, rss
        if (errs != "") print errs
      }
    }' "$RESULTS"
  echo "stream rows: p50/p99 over $STREAM_REQUESTS sequential requests (ttfb = time to first byte, ttft = time to the first"
  echo "content-bearing event, total = whole stream). LlmRouter holds each response until its first token, so its ttfb is its ttft."
  echo "LlmRouter peak RSS over the whole run: $(awk -v kb="$PEAK_KB" 'BEGIN { printf "%.0f", kb / 1024 }') MB. Elapsed: $(( $(date +%s) - START_TIME )) s. Raw results: $OUT"
} | tee "$OUT/table.txt"
