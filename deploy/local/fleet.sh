#!/usr/bin/env bash
# A local LlmRouter fleet without Docker, all on 127.0.0.1: Redis, N gateway replicas (one publish), nginx in front.
#
#   deploy/local/fleet.sh start [N]   # N replicas (default 2); prints the URL and the PIDs
#   deploy/local/fleet.sh status      # what the state file says and whether each PID is alive
#   deploy/local/fleet.sh stop        # stops exactly the PIDs the state file lists
#
# Environment:
#   LLMROUTER_FLEET_DIR   state directory (default: /tmp/llmrouter-fleet): publish output, configs, logs, state file
#   LLMROUTER_FLEET_PORT  nginx port (default: a free port)
#   LLMROUTER_FLEET_ARGS  extra arguments for every replica, e.g. "--LlmRouter:Routes:auto:Policy=Weighted"
# Installs redis-server and nginx-light from Debian's packages when they are missing (needs root).
# Never touches the system nginx or Redis: each process gets its own config, pid and log files in the state dir.
set -Eeuo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
state_dir="${LLMROUTER_FLEET_DIR:-${TMPDIR:-/tmp}/llmrouter-fleet}"
state_file="$state_dir/fleet.state"

log() { echo "fleet: $*" >&2; }
die() { log "$*"; exit 1; }

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

ensure_package() { # command package
  command -v "$1" >/dev/null 2>&1 && return
  [ "$(id -u)" -eq 0 ] || die "$1 is missing; install it with: sudo apt-get install -y $2"
  log "installing $2"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  command -v "$1" >/dev/null 2>&1 || die "$2 did not provide $1"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

taken_ports=()
# Listening ports are drawn below the kernel's ephemeral range, where outgoing connections cannot hold them.
ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
[ "$ephemeral_low" -gt 12000 ] 2>/dev/null || ephemeral_low=32768
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((10000 + RANDOM % (ephemeral_low - 10000)))
    [[ " ${taken_ports[*]} " == *" $port "* ]] && continue
    if ! port_in_use "$port"; then
      taken_ports+=("$port")
      echo "$port"
      return
    fi
  done
  die "no free port found"
}

wait_http() { # url seconds pid
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    alive "$3" || return 1
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null && return 0
    sleep 0.3
  done
  return 1
}

record() { echo "$1" >> "$state_file"; }

pids_in_state() { [ -f "$state_file" ] && sed -n 's/^pid \([^ ]*\) \([0-9]*\).*/\2/p' "$state_file"; }

stop_fleet() {
  [ -f "$state_file" ] || { log "no fleet running (no $state_file)"; return 0; }
  local pids=() pid
  # nginx first, then the replicas (they drain), Redis last.
  mapfile -t pids < <(tac "$state_file" | sed -n 's/^pid \([^ ]*\) \([0-9]*\).*/\2/p')
  for pid in "${pids[@]}"; do
    alive "$pid" && kill -TERM "$pid" 2>/dev/null || true
  done
  local deadline=$((SECONDS + 40))
  for pid in "${pids[@]}"; do
    while alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if alive "$pid"; then
      log "PID $pid did not stop in time; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -f "$state_file"
  echo "stopped PIDs: ${pids[*]}"
}

start_fleet() {
  local replicas="${1:-2}"
  [[ "$replicas" =~ ^[1-9][0-9]?$ ]] || die "replica count must be 1-99, got '$replicas'"
  if [ -f "$state_file" ]; then
    local pid
    for pid in $(pids_in_state); do
      alive "$pid" && die "a fleet is already running from $state_file; run: $0 stop"
    done
    rm -f "$state_file"
  fi

  ensure_package redis-server redis-server
  ensure_package nginx nginx-light
  command -v curl >/dev/null || die "curl is needed"
  command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is needed"

  mkdir -p "$state_dir/logs" "$state_dir/nginx"
  local app="$state_dir/app"
  log "publishing the gateway to $app"
  dotnet publish "$repo/src/LlmRouter.Gateway/LlmRouter.Gateway.csproj" -c Release -o "$app" -p:UseAppHost=false --disable-build-servers --nologo -v quiet \
    > "$state_dir/logs/publish.log" 2>&1 || { tail -20 "$state_dir/logs/publish.log" >&2; die "publish failed"; }

  : > "$state_file"
  # A failed start leaves nothing behind.
  trap 'log "start failed; stopping what was started"; stop_fleet >/dev/null' ERR

  local redis_port
  redis_port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize no \
    --dir "$state_dir" --pidfile "$state_dir/redis.pid" > "$state_dir/logs/redis.log" 2>&1 &
  local redis_pid=$!
  record "pid redis $redis_pid 127.0.0.1:$redis_port"
  local ok=0
  for _ in $(seq 1 50); do
    if redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG; then ok=1; break; fi
    alive "$redis_pid" || break
    sleep 0.2
  done
  [ $ok -eq 1 ] || { tail -5 "$state_dir/logs/redis.log" >&2; false; }

  local servers="" i port pid url
  local -a extra=()
  read -r -a extra <<< "${LLMROUTER_FLEET_ARGS:-}"
  for i in $(seq 1 "$replicas"); do
    port=$(free_port)
    (
      cd "$app"
      export ASPNETCORE_ENVIRONMENT=Production
      export LlmRouter__InstanceName="replica-$i"
      export LlmRouter__Redis__Configuration="127.0.0.1:$redis_port"
      exec dotnet "$app/LlmRouter.Gateway.dll" --urls "http://127.0.0.1:$port" "${extra[@]}"
    ) > "$state_dir/logs/replica-$i.log" 2>&1 &
    pid=$!
    record "pid replica-$i $pid http://127.0.0.1:$port"
    servers+="    server 127.0.0.1:$port max_fails=3 fail_timeout=5s;"$'\n'
  done
  for i in $(seq 1 "$replicas"); do
    read -r pid url < <(sed -n "s/^pid replica-$i \([0-9]*\) \(.*\)/\1 \2/p" "$state_file")
    wait_http "$url/readyz" 60 "$pid" || { tail -20 "$state_dir/logs/replica-$i.log" >&2; false; }
  done

  local lb_port="${LLMROUTER_FLEET_PORT:-$(free_port)}"
  local n="$state_dir/nginx"
  mkdir -p "$n/tmp"
  cat > "$n/nginx.conf" <<EOF
# Written by deploy/local/fleet.sh; its own pid, log and temp files, never the system nginx's.
worker_processes 1;
pid $n/nginx.pid;
error_log $n/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $n/tmp/body;
  proxy_temp_path $n/tmp/proxy;
  fastcgi_temp_path $n/tmp/fastcgi;
  uwsgi_temp_path $n/tmp/uwsgi;
  scgi_temp_path $n/tmp/scgi;
  upstream llmrouter {
$servers    keepalive 32;
  }
  server {
    listen 127.0.0.1:$lb_port;
    client_max_body_size 8m;
    location / {
      proxy_pass http://llmrouter;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 300s;
    }
  }
}
EOF
  nginx -t -q -e "$n/error.log" -p "$n" -c "$n/nginx.conf" 2>> "$n/error.log" || { cat "$n/error.log" >&2; false; }
  nginx -e "$n/error.log" -p "$n" -c "$n/nginx.conf" -g 'daemon off;' > "$state_dir/logs/nginx.log" 2>&1 &
  pid=$!
  record "pid nginx $pid http://127.0.0.1:$lb_port"
  wait_http "http://127.0.0.1:$lb_port/healthz" 20 "$pid" || { cat "$n/error.log" >&2; false; }
  trap - ERR
  record "url http://127.0.0.1:$lb_port"

  echo "LlmRouter fleet: http://127.0.0.1:$lb_port  ($replicas replicas, Redis 127.0.0.1:$redis_port)"
  sed -n 's/^pid \([^ ]*\) \([0-9]*\) \(.*\)/  \1\tPID \2\t\3/p' "$state_file"
  echo "state: $state_file   logs: $state_dir/logs   stop: $0 stop"
}

status_fleet() {
  [ -f "$state_file" ] || { echo "no fleet running"; return 0; }
  local name pid where
  while read -r kind name pid where; do
    [ "$kind" = pid ] || continue
    if alive "$pid"; then echo "$name PID $pid $where running"; else echo "$name PID $pid $where gone"; fi
  done < "$state_file"
}

case "${1:-}" in
  start) start_fleet "${2:-2}" ;;
  stop) stop_fleet ;;
  status) status_fleet ;;
  *) echo "usage: $0 start [N] | status | stop" >&2; exit 2 ;;
esac
