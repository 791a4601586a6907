#!/usr/bin/env bash
# Load benchmark for LlmRouter, in one run on 127.0.0.1 only:
#   direct to a fake upstream  vs  two plain proxy hops (YARP, and nginx from the Debian package; no parsing, no
#   policy)  vs  LlmRouter with the shipped logging (Information, request log to stdout, redirected to a file),
#   and (OpenAI rows) LlmRouter at Warning ("llmrouter-warn": the cost of the request log) and LlmRouter with a
#   gateway key whose limits live in Redis ("keys+redis": auth, admission and settlement scripts on a local
#   redis-server; limits high enough that nothing is refused), shipped logging too;
#   non-streaming at 1, 32 and 128 connections for an OpenAI deployment and an Anthropic deployment (translation on),
#   streams (time to first byte, total time) over sequential requests,
#   open streams: N concurrent slow streams (18 content chunks 50 ms apart) held for a while, direct vs YARP vs
#   LlmRouter (OpenAI pass-through): streams/s, stream time, errors, gateway RSS and MB per open stream,
#   and at the end the allocation per non-streaming request, measured in one process (bench/LlmRouter.Allocations).
# Prints the tables and keeps raw results under bench/results/<timestamp>/ (gitignored).
#
# Usage: bench/run.sh [--skip-build] [--soak SECONDS]
#   --soak SECONDS  leak check instead of the default run: LlmRouter alone at 32 connections for SECONDS (>= 90),
#                   printing RSS after the first minute and at the end.
# Environment (defaults): BENCH_DURATION=8 (s per wrk cell), BENCH_WARMUP=5 (s per target; the JIT needs a few seconds to settle),
#   BENCH_CONNECTIONS="1 32 128", BENCH_SETTLE=1 (s of pause before each cell), BENCH_STREAM_REQUESTS=20,
#   BENCH_STREAM_TPS=200 (fake stream pace, tokens/s),
#   BENCH_OPEN_STREAMS="500 2000" (concurrent streams per open-stream cell; "" skips them),
#   BENCH_OPEN_STREAMS_DURATION=10 (s per open-stream cell),
#   BENCH_ALLOC_REQUESTS=5000, BENCH_ALLOC_ROUNDS=2 (allocation measurement; 0 requests skips it),
#   BENCH_GATEWAY_ENV="" (extra environment for every LlmRouter process, e.g. "DOTNET_GCConserveMemory=5 DOTNET_gcServer=0"),
#   BENCH_PORT_BASE=39180: fake +1, YARP +2, LlmRouter +3, LlmRouter with key and Redis +4, redis-server +5, nginx +6,
#   LlmRouter at Warning +7, slow fake (open streams) +8, YARP to the slow fake +9, LlmRouter to the slow fake +10
#   (one per open-stream size: +10, +11, ...). Every server starts before any load: a port the kernel hands out as
#   a client's ephemeral port meanwhile could not be bound any more.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOAD="$ROOT/bench/load"
DURATION=${BENCH_DURATION:-8}
WARMUP=${BENCH_WARMUP:-5}
CONNECTIONS=${BENCH_CONNECTIONS:-"1 32 128"}
STREAM_REQUESTS=${BENCH_STREAM_REQUESTS:-20}
STREAM_TPS=${BENCH_STREAM_TPS:-200}
OPEN_STREAMS=${BENCH_OPEN_STREAMS-"500 2000"}
OPEN_STREAMS_DURATION=${BENCH_OPEN_STREAMS_DURATION:-10}
# One word per chunk at 20 tokens/s: chunks 50 ms apart (the simulator sends one word per chunk up to 100 tokens/s),
# and max_tokens 18 in the open-stream body cuts the answer to 18 content chunks: about 0.85 s per stream.
OPEN_STREAMS_TPS=20
OPEN_STREAMS_CHUNKS=18
SETTLE=${BENCH_SETTLE:-1}
ALLOC_REQUESTS=${BENCH_ALLOC_REQUESTS:-5000}
ALLOC_ROUNDS=${BENCH_ALLOC_ROUNDS:-2}
GATEWAY_ENV=${BENCH_GATEWAY_ENV:-}
PORT_BASE=${BENCH_PORT_BASE:-39180}
FAKE_PORT=$((PORT_BASE + 1))
PROXY_PORT=$((PORT_BASE + 2))
GATEWAY_PORT=$((PORT_BASE + 3))
KEYS_PORT=$((PORT_BASE + 4))
REDIS_PORT=$((PORT_BASE + 5))
NGINX_PORT=$((PORT_BASE + 6))
WARN_PORT=$((PORT_BASE + 7))
SLOW_FAKE_PORT=$((PORT_BASE + 8))
SLOW_PROXY_PORT=$((PORT_BASE + 9))
SLOW_GATEWAY_PORT=$((PORT_BASE + 10))
FAKE="http://127.0.0.1:$FAKE_PORT"
PROXY="http://127.0.0.1:$PROXY_PORT"
GATEWAY="http://127.0.0.1:$GATEWAY_PORT"
GATEWAY_KEYS="http://127.0.0.1:$KEYS_PORT"
NGINX="http://127.0.0.1:$NGINX_PORT"
GATEWAY_WARN="http://127.0.0.1:$WARN_PORT"
SLOW_FAKE="http://127.0.0.1:$SLOW_FAKE_PORT"
SLOW_PROXY="http://127.0.0.1:$SLOW_PROXY_PORT"
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
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$SOAK" != 0 ] && [ "$SOAK" -lt 90 ]; then
  echo "--soak needs at least 90 seconds (RSS is compared with the value after the first minute)" >&2
  exit 2
fi
for assignment in $GATEWAY_ENV; do
  [[ "$assignment" =~ ^[A-Za-z_][A-Za-z0-9_]*=.*$ ]] || { echo "BENCH_GATEWAY_ENV: '$assignment' is not NAME=VALUE" >&2; exit 2; }
done

START_TIME=$(date +%s)
OUT="$ROOT/bench/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"

# ---- processes: every one started here is stopped here, by PID --------------------------------------------------
PIDS=()
GATEWAY_PID=""
KEYS_PID=""
WARN_PID=""
SLOW_PROXY_PID=""
OPEN_GATEWAY_PIDS=()

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

ready() { # url, or tcp:PORT for a server that speaks no HTTP
  case "$1" in
    tcp:*) port_in_use "${1#tcp:}" ;;
    *) curl -sf -o /dev/null "$1" ;;
  esac
}

# spawn name ready log command...: starts command in the background (stdout and stderr to log) and waits until it is
# ready. The benchmark ports lie in Linux's ephemeral range (32768-60999 by default), so the kernel may have handed
# one to some client connection on this machine meanwhile; a start that fails to bind is retried for 70 s (such a
# connection's TIME_WAIT holds the port for 60 s after it closes).
spawn() {
  local name=$1 url=$2 log=$3 attempt tries
  shift 3
  for attempt in $(seq 15); do
    "$@" >"$log" 2>&1 &
    LAUNCHED_PID=$!
    PIDS+=($LAUNCHED_PID)
    tries=0
    until ready "$url"; do
      if ! kill -0 "$LAUNCHED_PID" 2>/dev/null; then
        stop_pid "$LAUNCHED_PID"
        if grep -qi "address already in use" "$log" && [ "$attempt" -lt 15 ]; then
          echo "  $name: its port is taken (retry $attempt in 5 s)" >&2; sleep 5; continue 2
        fi
        echo "$name exited during startup; log:" >&2; tail -20 "$log" >&2; exit 1
      fi
      tries=$((tries + 1))
      if [ $tries -gt 120 ]; then echo "$name not ready after 60 s; log:" >&2; tail -20 "$log" >&2; exit 1; fi
      sleep 0.5
    done
    return 0
  done
}

stop_pid() { # pid: stops one process started here and forgets it
  local pid=$1 waited=0 kept=() p
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ $waited -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${PIDS[@]}"; do [ "$p" != "$pid" ] && kept+=("$p"); done
  PIDS=("${kept[@]}")
}

start_fake() { # port tokens-per-second log
  spawn "fake upstream (port $1)" "http://127.0.0.1:$1/healthz" "$3" \
    dotnet "$ROOT/bench/LlmRouter.FakeUpstream/bin/Release/net10.0/LlmRouter.FakeUpstream.dll" "$1" "$2"
}

start_proxy() { # port upstream log
  spawn "plain YARP proxy (port $1)" "http://127.0.0.1:$1/healthz" "$3" \
    dotnet "$ROOT/bench/LlmRouter.PlainProxy/bin/Release/net10.0/LlmRouter.PlainProxy.dll" "$1" "$2/"
}

# nginx as a second plain hop: one worker, keep-alive to the fake (as YARP pools its connections), no buffering of
# streams, no access log; foreground (so its PID is the master's and it is stopped like the rest), every path in $OUT.
start_nginx() {
  local nginx dir="$OUT/nginx"
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  if [ ! -x "$nginx" ]; then
    echo "installing nginx-light (Debian package)..."
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get install -y nginx-light >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y nginx-light >/dev/null; }
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
  fi
  mkdir -p "$dir/tmp"
  cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
pid $dir/nginx.pid;
error_log stderr warn;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $dir/tmp/client_body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  upstream fake {
    server 127.0.0.1:$FAKE_PORT;
    keepalive 512;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
EOF
  spawn nginx "$NGINX/healthz" "$OUT/nginx.log" "$nginx" -p "$dir" -c "$dir/nginx.conf" -e stderr -g 'daemon off;'
}

launch_gateway() { # url log upstream [extra arguments...]
  local url=$1 log=$2 upstream=$3
  shift 3
  # Run from the output folder so appsettings.json (deployments, routes, logging) is the content root's; the
  # overrides point every deployment at the fake upstream and give the simulated-key-free upstreams an API key.
  # Logging stays at the shipped default (Information: one request line per request to stdout, i.e. to $log).
  # shellcheck disable=SC2086 # BENCH_GATEWAY_ENV is a list of NAME=VALUE words
  spawn "LlmRouter gateway ($url)" "$url/healthz" "$log" \
    env -C "$ROOT/src/LlmRouter.Gateway/bin/Release/net10.0" $GATEWAY_ENV dotnet LlmRouter.Gateway.dll \
    --urls "$url" \
    --LlmRouter:Deployments:gpt-4:BaseUrl="$upstream/sim/gpt-4" \
    --LlmRouter:Deployments:claude:BaseUrl="$upstream/sim/claude" \
    --LlmRouter:Deployments:gemini:BaseUrl="$upstream/sim/gemini" \
    --OPENAI_API_KEY=bench-key --ANTHROPIC_API_KEY=bench-key --GEMINI_API_KEY=bench-key \
    "$@"
}

start_gateway() {
  launch_gateway "$GATEWAY" "$OUT/gateway.log" "$FAKE"
  GATEWAY_PID=$LAUNCHED_PID
}

# The same gateway at Warning: no request log line, so the difference to "llmrouter" is the logging cost.
start_gateway_warn() {
  launch_gateway "$GATEWAY_WARN" "$OUT/gateway-warn.log" "$FAKE" --Serilog:MinimumLevel:Default=Warning
  WARN_PID=$LAUNCHED_PID
}

start_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "installing redis-server (Debian package)..."
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get install -y redis-server >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y redis-server >/dev/null; }
  fi
  spawn redis-server "tcp:$REDIS_PORT" "$OUT/redis.log" \
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no
}

# LlmRouter with every limit set on one key (high enough never to refuse), kept in Redis: the cost of keys + limits.
start_gateway_keys() {
  launch_gateway "$GATEWAY_KEYS" "$OUT/gateway-keys.log" "$FAKE" \
    --LlmRouter:Auth:Keys:bench:Hash="$BENCH_KEY_HASH" \
    --LlmRouter:Auth:Keys:bench:Team=bench \
    --LlmRouter:Auth:Keys:bench:RequestsPerMinute=1000000000 \
    --LlmRouter:Auth:Keys:bench:TokensPerMinute=1000000000000 \
    --LlmRouter:Auth:Keys:bench:MaxParallelRequests=100000 \
    --LlmRouter:Auth:Keys:bench:BudgetUsd=1000000000 \
    --LlmRouter:Redis:Configuration="127.0.0.1:$REDIS_PORT"
  KEYS_PID=$LAUNCHED_PID
}

# Peak RSS of a process (kB) since the last reset; a reset (clear_refs 5) makes each cell's peak its own.
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
reset_hwm() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || true; }
gateway_hwm_kb() { hwm_kb "$GATEWAY_PID"; }
gateway_rss_kb() { rss_kb "$GATEWAY_PID"; }

# The gateway process behind a target of the main table, or nothing for the baselines.
target_pid() {
  case "$1" in
    llmrouter) echo "$GATEWAY_PID" ;;
    llmrouter-warn) echo "$WARN_PID" ;;
    keys+redis) echo "$KEYS_PID" ;;
    *) echo "" ;;
  esac
}

# ---- setup ------------------------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk (Debian package)..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y wrk >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y wrk >/dev/null; }
fi
command -v curl >/dev/null || { echo "curl is required" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required (stream timings)" >&2; exit 1; }

for port in "$FAKE_PORT" "$PROXY_PORT" "$GATEWAY_PORT" "$KEYS_PORT" "$REDIS_PORT" "$NGINX_PORT" "$WARN_PORT" \
  "$SLOW_FAKE_PORT" "$SLOW_PROXY_PORT" $(seq "$SLOW_GATEWAY_PORT" $((SLOW_GATEWAY_PORT + $(wc -w <<<"$OPEN_STREAMS") - 1))); do
  if port_in_use "$port"; then echo "port $port on 127.0.0.1 is in use; set BENCH_PORT_BASE" >&2; exit 1; fi
done

# Open streams hold two sockets per stream in a proxy (client and upstream) and one in wrk and the fake; every process
# started below inherits this limit.
max_streams=0
for n in $OPEN_STREAMS; do [ "$n" -gt "$max_streams" ] && max_streams=$n; done
want_files=$((2 * max_streams + 1024))
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$want_files" ]; then
  if ! ulimit -Sn "$want_files" 2>/dev/null; then
    # Above the hard limit: raising it needs root.
    { ulimit -Hn "$want_files" && ulimit -Sn "$want_files"; } 2>/dev/null \
      || { echo "open-stream cells need ulimit -n >= $want_files (hard limit $(ulimit -Hn)); lower BENCH_OPEN_STREAMS" >&2; exit 1; }
  fi
fi

if [ $SKIP_BUILD -eq 0 ]; then
  echo "building (Release)..."
  for project in src/LlmRouter.Gateway bench/LlmRouter.FakeUpstream bench/LlmRouter.PlainProxy bench/LlmRouter.Allocations; do
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
  echo "gateway environment (BENCH_GATEWAY_ENV): ${GATEWAY_ENV:-(none)}"
  echo "open files limit: $(ulimit -n)"
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
# Open streams: the streamed OpenAI body cut to $OPEN_STREAMS_CHUNKS words (one word per chunk at the slow pace).
for body in gateway-openai direct-openai; do
  sed "s/\"max_tokens\":256/\"max_tokens\":$OPEN_STREAMS_CHUNKS/" "$OUT/$body-stream.json" >"$OUT/$body-open.json"
  grep -q "\"max_tokens\":$OPEN_STREAMS_CHUNKS" "$OUT/$body-open.json" || { echo "open-stream body: max_tokens not found in $LOAD/openai.json" >&2; exit 1; }
done

# target table: scenario target url body headers
targets() {
  local suffix=$1
  printf '%s\t%s\t%s\t%s\t%s\n' \
    openai direct "$FAKE/sim/gpt-4/v1/chat/completions" "$OUT/direct-openai$suffix.json" "" \
    openai yarp "$PROXY/sim/gpt-4/v1/chat/completions" "$OUT/direct-openai$suffix.json" "" \
    openai nginx "$NGINX/sim/gpt-4/v1/chat/completions" "$OUT/direct-openai$suffix.json" "" \
    openai llmrouter-warn "$GATEWAY_WARN/v1/chat/completions" "$OUT/gateway-openai$suffix.json" "" \
    openai llmrouter "$GATEWAY/v1/chat/completions" "$OUT/gateway-openai$suffix.json" "" \
    openai keys+redis "$GATEWAY_KEYS/v1/chat/completions" "$OUT/gateway-openai$suffix.json" "Authorization: Bearer $BENCH_KEY" \
    anthropic direct "$FAKE/sim/claude/v1/messages" "$OUT/direct-anthropic$suffix.json" "$ANTHROPIC_HEADERS" \
    anthropic yarp "$PROXY/sim/claude/v1/messages" "$OUT/direct-anthropic$suffix.json" "$ANTHROPIC_HEADERS" \
    anthropic nginx "$NGINX/sim/claude/v1/messages" "$OUT/direct-anthropic$suffix.json" "$ANTHROPIC_HEADERS" \
    anthropic llmrouter "$GATEWAY/v1/chat/completions" "$OUT/gateway-claude$suffix.json" ""
}

# open-stream targets: target url body (argument: the gateway of this open-stream size)
open_targets() {
  printf '%s\t%s\t%s\n' \
    direct "$SLOW_FAKE/sim/gpt-4/v1/chat/completions" "$OUT/direct-openai-open.json" \
    yarp "$SLOW_PROXY/sim/gpt-4/v1/chat/completions" "$OUT/direct-openai-open.json" \
    llmrouter "$1/v1/chat/completions" "$OUT/gateway-openai-open.json"
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

# Request-log events the gateway's bounded console queue dropped (the logging cost is understated when they are not 0).
dropped_log_events() {
  curl -s "$1/metrics" | awk '/^llmrouter_log_events_dropped/ { n += $NF; found = 1 } END { if (found) printf "%d", n; else printf "n/a" }'
}

field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<"$2"; }

percentile() { # p file(one number per line) -> value
  sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 } END { i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'
}

# ---- soak (leak check) ------------------------------------------------------------------------------------------
if [ "$SOAK" != 0 ]; then
  start_fake "$FAKE_PORT" "$STREAM_TPS" "$OUT/fake-upstream.log"
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
  stop_all
  [ -s "$OUT/gateway.log" ] && gzip -1 -f "$OUT/gateway.log"
  exit 0
fi

# ---- default run ------------------------------------------------------------------------------------------------
start_fake "$FAKE_PORT" "$STREAM_TPS" "$OUT/fake-upstream.log"
start_proxy "$PROXY_PORT" "$FAKE" "$OUT/plain-proxy.log"
start_nginx
start_gateway
start_gateway_warn
start_redis
start_gateway_keys
# Open streams: a fake paced slowly, a YARP hop to it and one gateway per open-stream size, each idle until its cell,
# so "RSS before" is that of a gateway that ran nothing else whatever the order of the cells.
if [ -n "${OPEN_STREAMS// /}" ]; then
  start_fake "$SLOW_FAKE_PORT" "$OPEN_STREAMS_TPS" "$OUT/slow-fake.log"
  start_proxy "$SLOW_PROXY_PORT" "$SLOW_FAKE" "$OUT/slow-proxy.log"
  SLOW_PROXY_PID=$LAUNCHED_PID
  i=0
  for n in $OPEN_STREAMS; do
    launch_gateway "http://127.0.0.1:$((SLOW_GATEWAY_PORT + i))" "$OUT/gateway-open-$i-n$n.log" "$SLOW_FAKE"
    OPEN_GATEWAY_PIDS+=("$LAUNCHED_PID")
    i=$((i + 1))
  done
fi

while IFS=$'\t' read -r scenario target url body headers; do
  expected='"chat.completion"'; [ "$scenario/$target" != anthropic/llmrouter ] && [ "$scenario" = anthropic ] && expected='"type":"message"'
  check_target "$scenario-$target" "$url" "$body" "$headers" "$expected"
done < <(targets "")
while IFS=$'\t' read -r scenario target url body headers; do
  [ "$target" = llmrouter-warn ] && continue
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

# Targets alternate within each connection count so machine noise hits all of them alike; a pause before each cell
# lets the previous target's leftover work (a gateway's log queue draining, a GC) finish before the next is timed.
for connections in $CONNECTIONS; do
  while IFS=$'\t' read -r scenario target url body headers; do
    sleep "$SETTLE"
    pid=$(target_pid "$target")
    [ "$target" = llmrouter ] && note_peak >/dev/null
    [ -n "$pid" ] && reset_hwm "$pid"
    raw="$OUT/wrk-$scenario-$target-c$connections.txt"
    run_wrk "$url" "$body" "$headers" "$connections" "$DURATION" >"$raw" 2>&1
    result=$(grep '^RESULT' "$raw" || true)
    [ -n "$result" ] || { echo "wrk failed for $scenario/$target/c$connections:" >&2; cat "$raw" >&2; exit 1; }
    rss="-"; [ -n "$pid" ] && rss=$(hwm_kb "$pid")
    [ "$target" = llmrouter ] && note_peak >/dev/null
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$target" "$connections" \
      "$(field rps "$result")" "$(field p50_us "$result")" "$(field p99_us "$result")" "$rss" \
      "$(field non2xx "$result")" "$(field socket_errors "$result")" >>"$RESULTS"
    printf '  %-9s %-14s c=%-3s %10s req/s  p50 %6s us  p99 %6s us\n' "$scenario" "$target" "$connections" \
      "$(field rps "$result")" "$(field p50_us "$result")" "$(field p99_us "$result")"
  done < <(targets "")
done

echo "streams: $STREAM_REQUESTS sequential requests per target, fake paced at $STREAM_TPS tokens/s..."
while IFS=$'\t' read -r scenario target url body headers; do
  [ "$target" = llmrouter-warn ] && continue
  pid=$(target_pid "$target")
  curl_headers "$headers"
  times="$OUT/stream-$scenario-$target.txt"
  : >"$times"
  for i in 1 2 3; do curl -s -o /dev/null "${CURL_HEADERS[@]}" --data-binary @"$body" "$url"; done
  [ "$target" = llmrouter ] && note_peak >/dev/null
  [ -n "$pid" ] && reset_hwm "$pid"
  IFS='|' read -r -a timing_headers <<<"$headers"
  for ((i = 0; i < STREAM_REQUESTS; i++)); do
    python3 "$LOAD/stream_timing.py" "$url" "$body" "${timing_headers[@]}" >>"$times"
  done
  rss="-"; [ -n "$pid" ] && rss=$(hwm_kb "$pid")
  [ "$target" = llmrouter ] && note_peak >/dev/null
  awk '{ printf "%d\n", $1 * 1e6 }' "$times" >"$times.ttfb"
  awk '{ printf "%d\n", $2 * 1e6 }' "$times" >"$times.ttft"
  awk '{ printf "%d\n", $3 * 1e6 }' "$times" >"$times.total"
  for part in ttfb ttft total; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "stream-$scenario-$part" "$target" "1-seq" "-" \
      "$(percentile 50 "$times.$part")" "$(percentile 99 "$times.$part")" "$rss" 0 0 >>"$RESULTS"
  done
done < <(targets "-stream")

# ---- open streams -----------------------------------------------------------------------------------------------
# N concurrent slow streams for OPEN_STREAMS_DURATION s: the second fake paced at OPEN_STREAMS_TPS, the YARP hop to it,
# and a gateway of its own for each N (OpenAI pass-through), warmed up just before its cell and stopped after it, so
# "RSS before" is that of a warmed-up idle gateway and the main gateway's figures above are not disturbed.
OPEN_RESULTS="$OUT/open-streams.tsv"
printf 'target\tstreams\trps\tp50_us\tp99_us\tnon2xx\tsocket_errors\trss_before_kb\trss_peak_kb\n' >"$OPEN_RESULTS"
OPEN_CHUNKS="-"
if [ -n "${OPEN_STREAMS// /}" ]; then
  echo "open streams: N = $OPEN_STREAMS concurrent streams, $OPEN_STREAMS_DURATION s per cell, fake paced at $OPEN_STREAMS_TPS tokens/s..."
  i=0
  for n in $OPEN_STREAMS; do
    open_gateway="http://127.0.0.1:$((SLOW_GATEWAY_PORT + i))"
    open_gateway_pid=${OPEN_GATEWAY_PIDS[$i]}
    i=$((i + 1))
    while IFS=$'\t' read -r target url body; do
      check_target "open-$target" "$url" "$body" "" 'data: \[DONE\]'
      run_wrk "$url" "$body" "" $(( n < 100 ? n : 100 )) "$WARMUP" >"$OUT/warmup-open-$target-n$n.txt" 2>&1
    done < <(open_targets "$open_gateway")
    # Content-bearing chunks of one stream (the role chunk and the finish chunk carry no text).
    OPEN_CHUNKS=$(grep -c '"delta":{"content":"[^"]' "$OUT/check-open-direct.out" || true)
    sleep 1
    while IFS=$'\t' read -r target url body; do
      case "$target" in llmrouter) pid=$open_gateway_pid ;; yarp) pid=$SLOW_PROXY_PID ;; *) pid="" ;; esac
      before="-"; peak="-"
      sleep "$SETTLE"
      [ -n "$pid" ] && { before=$(rss_kb "$pid"); reset_hwm "$pid"; }
      raw="$OUT/wrk-open-$target-n$n.txt"
      run_wrk "$url" "$body" "" "$n" "$OPEN_STREAMS_DURATION" >"$raw" 2>&1
      result=$(grep '^RESULT' "$raw" || true)
      [ -n "$result" ] || { echo "wrk failed for open streams $target/n$n:" >&2; cat "$raw" >&2; exit 1; }
      [ -n "$pid" ] && peak=$(hwm_kb "$pid")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$n" "$(field rps "$result")" "$(field p50_us "$result")" \
        "$(field p99_us "$result")" "$(field non2xx "$result")" "$(field socket_errors "$result")" "$before" "$peak" >>"$OPEN_RESULTS"
      printf '  open-streams %-9s n=%-5s %8s streams/s  p50 %8s us  p99 %8s us\n' "$target" "$n" \
        "$(field rps "$result")" "$(field p50_us "$result")" "$(field p99_us "$result")"
    done < <(open_targets "$open_gateway")
    stop_pid "$open_gateway_pid"
  done
fi

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
      fmt = "%-22s %-14s %6s %10s %9s %9s %9s %9s %8s %9s\n"
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
  echo "nginx: one worker process, keep-alive to the fake, proxy buffering off. llmrouter and keys+redis log at the shipped"
  echo "level (Information, one request line each to stdout, redirected to a file); llmrouter-warn is the same gateway at Warning."
  echo "Request-log events dropped by the bounded console queue: llmrouter $(dropped_log_events "$GATEWAY"), keys+redis $(dropped_log_events "$GATEWAY_KEYS")."
  echo "Gateway environment (BENCH_GATEWAY_ENV): ${GATEWAY_ENV:-(none)}"
  echo "LlmRouter peak RSS over the whole run: $(awk -v kb="$PEAK_KB" 'BEGIN { printf "%.0f", kb / 1024 }') MB."
  if [ "$(wc -l <"$OPEN_RESULTS")" -gt 1 ]; then
    echo
    echo "Open streams: N concurrent streams held for $OPEN_STREAMS_DURATION s per cell; each stream is $OPEN_CHUNKS content chunks"
    echo "$((1000 / OPEN_STREAMS_TPS)) ms apart (fake paced at $OPEN_STREAMS_TPS tokens/s); OpenAI pass-through; a gateway of its own per N."
    awk -F'\t' '
      NR == 1 { next }
      { rows[NR] = $0; if ($1 == "direct") drps[$2] = $3 }
      END {
        fmt = "%-10s %7s %10s %9s %9s %9s %14s %13s %11s %9s\n"
        printf fmt, "target", "streams", "streams/s", "vs direct", "p50 ms", "p99 ms", "non-2xx/sock", "RSS before MB", "peak RSS MB", "MB/stream"
        for (i = 2; i <= NR; i++) {
          split(rows[i], f, "\t")
          ratio = (f[1] != "direct" && drps[f[2]] > 0) ? sprintf("%.1f%%", f[3] * 100 / drps[f[2]]) : "-"
          before = (f[8] == "-") ? "-" : sprintf("%.0f", f[8] / 1024)
          peak = (f[9] == "-") ? "-" : sprintf("%.0f", f[9] / 1024)
          per = (f[8] == "-") ? "-" : sprintf("%.3f", (f[9] - f[8]) / 1024 / f[2])
          printf fmt, f[1], f[2], f[3], ratio, sprintf("%.1f", f[4] / 1000), sprintf("%.1f", f[5] / 1000), f[6] "/" f[7], before, peak, per
        }
      }' "$OPEN_RESULTS"
    echo "RSS: yarp = the plain YARP hop to the slow fake, llmrouter = its gateway; MB/stream = (peak - before) / N (target: <= 0.1)."
  fi
  echo "Elapsed: $(( $(date +%s) - START_TIME )) s. Raw results: $OUT"
} | tee "$OUT/table.txt"

# ---- allocations per request (in one process, after the servers above are stopped) ------------------------------
stop_all
if [ "$ALLOC_REQUESTS" -gt 0 ]; then
  echo "allocations: $ALLOC_REQUESTS sequential requests per target and round, $ALLOC_ROUNDS rounds, in one process..."
  dotnet "$ROOT/bench/LlmRouter.Allocations/bin/Release/net10.0/LlmRouter.Allocations.dll" \
    --requests "$ALLOC_REQUESTS" --rounds "$ALLOC_ROUNDS" --warmup $(( ALLOC_REQUESTS / 5 )) --tsv "$OUT/allocations.tsv" \
    >"$OUT/allocations.txt" 2>&1 || { echo "allocation measurement failed:" >&2; tail -20 "$OUT/allocations.txt" >&2; exit 1; }
  tee -a "$OUT/table.txt" <"$OUT/allocations.txt"
fi

# The request logs at Information run to hundreds of MB over a full run; kept, compressed.
for log in "$OUT"/gateway*.log; do [ -s "$log" ] && gzip -1 -f "$log"; done
exit 0
