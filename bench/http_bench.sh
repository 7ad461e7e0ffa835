#!/usr/bin/env bash
# HTTP throughput benchmark: hitcounter vs. two baselines on this machine.
#
#   bench/http_bench.sh [--no-build]          # from any directory
#   DURATION=3 ROUNDS=1 bench/http_bench.sh --no-build
#
# Targets (each on a free 127.0.0.1 port, in a temp dir removed on exit):
#   nginx             1 worker, `return 200` with a small JSON body, access_log off
#   hitcounter        build/release/src/cli/hitcounter serve --store sqlite:TMP/bench.db
#                     (durable: fsyncs every batch); skipped with "hitcounter: not built"
#                     when the binary does not exist
#   redis-incr-fsync  redis-server --appendonly yes --appendfsync always, redis-benchmark INCR
#                     over ROUTES keys (-r)
# nginx and hitcounter get the same load: wrk -t1 -cCONNECTIONS --latency -s bench/routes.lua
# (GET /r/1 .. /r/ROUTES, round robin). The targets alternate in ROUNDS rounds
# (nginx, hitcounter, redis, nginx, ...) and the MEDIAN of each target's rounds is reported.
# With taskset, servers run on core 1 and the load generator on core 0.
#
# Pass lines (informational; the exit status does not depend on them):
#   hitcounter req/s >= 0.7 x nginx, >= 1.0 x redis INCR (appendfsync always), p99 <= 5 ms.
# Exit status: 0 when everything ran, 1 when something failed to run (a server did not
# start, wrk/redis-benchmark failed or printed nothing parsable, the build failed), 2 on
# bad usage or a missing tool.
#
# Options:
#   --no-build      do not run `cmake --preset release && cmake --build --preset release`
#   -h, --help      print this header
# Environment:
#   DURATION=10     seconds per measurement (each target, each round)
#   ROUNDS=3        rounds; the median over rounds is reported
#   ROUTES=1000     distinct paths /r/1../r/N (wrk), distinct keys (redis-benchmark -r)
#   CONNECTIONS=64  concurrent connections (wrk -c, redis-benchmark -c)
#   WARMUP=1        seconds of unmeasured load per target before round 1 (0: none)
#   HITCOUNTER=...  binary to measure (default build/release/src/cli/hitcounter)
#   PIN=1           1: servers on core 1, load generator on core 0; 0: no pinning (hitcounter's
#                   I/O thread and writer thread may then use both cores, as may wrk)
#
# Needs (Debian packages): wrk (wrk), nginx (nginx-light), redis-server (redis-server),
# redis-benchmark (redis-tools), taskset (util-linux), curl (curl), timeout (coreutils);
# cmake to build.
set -euo pipefail

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
ROUTES=${ROUTES:-1000}
CONNECTIONS=${CONNECTIONS:-64}
WARMUP=${WARMUP:-1}
export ROUTES  # read by bench/routes.lua

usage() { sed -n '2,/^set -euo pipefail/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }

build=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done

for v in DURATION ROUNDS ROUTES CONNECTIONS; do
  if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
    echo "$v must be a positive integer (got '${!v}')" >&2; exit 2
  fi
done
if ! [[ $WARMUP =~ ^[0-9]+$ ]]; then
  echo "WARMUP must be a non-negative integer (got '$WARMUP')" >&2; exit 2
fi

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
cd "$REPO_ROOT"
LUA_SCRIPT="$BENCH_DIR/routes.lua"
HITCOUNTER_BIN=${HITCOUNTER:-$REPO_ROOT/build/release/src/cli/hitcounter}

# ---------------------------------------------------------------- tools
missing=0
need() {  # need COMMAND DEBIAN_PACKAGE
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "missing: $1 (apt-get install -y $2)" >&2
    missing=1
  fi
}
need wrk wrk
need nginx nginx-light
need redis-server redis-server
need redis-benchmark redis-tools
need taskset util-linux
need curl curl
need timeout coreutils
if ((build)); then need cmake cmake; fi
((missing)) && exit 2
[[ -f $LUA_SCRIPT ]] || { echo "missing $LUA_SCRIPT" >&2; exit 2; }

failed=0
fail() { echo "ERROR: $*" >&2; failed=1; }

# Pinning: servers on core 1, load generators on core 0 (needs >= 2 CPUs).
if [[ ${PIN:-1} == 0 ]]; then
  PIN_SERVER=()
  PIN_LOAD=()
  pinning="none (PIN=0: the scheduler places servers and load generator on both cores)"
elif (($(nproc) >= 2)) && taskset -c 0 true 2>/dev/null && taskset -c 1 true 2>/dev/null; then
  PIN_SERVER=(taskset -c 1)
  PIN_LOAD=(taskset -c 0)
  pinning="server core 1, load generator core 0"
else
  PIN_SERVER=()
  PIN_LOAD=()
  pinning="none (taskset unusable or < 2 CPUs)"
fi

# ---------------------------------------------------------------- build
if ((build)); then
  echo "== building hitcounter (release)"
  if ! { cmake --preset release && cmake --build --preset release --target hitcounter; }; then
    fail "release build failed; hitcounter will not be measured (a stale binary is not used)"
    HITCOUNTER_BIN=""
  fi
fi

# ---------------------------------------------------------------- temp dir, cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/http_bench.XXXXXX")
PIDS=()          # servers
LOADGEN_PID=""   # the wrk / redis-benchmark run in progress
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$? pid i
  trap - EXIT INT TERM
  for pid in $LOADGEN_PID "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $LOADGEN_PID "${PIDS[@]}"; do
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers
used_ports=" "
free_port() {  # prints a free 127.0.0.1 TCP port not handed out before in this run
  local p i
  for ((i = 0; i < 200; i++)); do
    if command -v python3 >/dev/null 2>&1; then
      p=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null) || p=""
    fi
    [[ -n ${p:-} ]] || p=$((20000 + RANDOM % 30000))
    [[ $used_ports == *" $p "* ]] && continue
    # Something already answers there? Try again.
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi
    used_ports+="$p "
    echo "$p"
    return 0
  done
  return 1
}

# wait_ready NAME PID PORT KIND(tcp|http) LOG: bounded wait until the server answers.
wait_ready() {
  local name=$1 pid=$2 port=$3 kind=$4 log=$5 i code
  for ((i = 0; i < 100; i++)); do  # 100 x 0.1 s = 10 s
    if ! kill -0 "$pid" 2>/dev/null; then
      fail "$name exited during start-up; last lines of $log:"
      tail -n 20 "$log" >&2 || true
      return 1
    fi
    if [[ $kind == http ]]; then
      code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$port/r/1" 2>/dev/null) || true
      [[ ${code:-000} != 000 ]] && return 0
    elif (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  fail "$name did not answer on 127.0.0.1:$port within 10 s; last lines of $log:"
  tail -n 20 "$log" >&2 || true
  return 1
}

to_ms() {  # "386.00us" | "1.23ms" | "1.02s" | "1.00m" -> milliseconds
  awk -v v="$1" 'BEGIN {
    if (match(v, /^[0-9.]+/)) { n = substr(v, 1, RLENGTH); u = substr(v, RLENGTH + 1) } else exit 1
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
    if (f < 0) exit 1
    printf "%.3f", n * f }'
}

median() {  # median of the arguments (numbers)
  printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
    if (NR == 0) exit 1
    if (NR % 2) printf "%.3f", a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ---------------------------------------------------------------- machine idle?
cpu_busy_pct() {  # CPU busy % over 1 s (all CPUs), from /proc/stat
  local a b
  a=$(head -n 1 /proc/stat); sleep 1; b=$(head -n 1 /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {
    n = split(a, x); split(b, y); t = 0
    for (i = 2; i <= n; i++) t += y[i] - x[i]
    idle = (y[5] - x[5]) + (y[6] - x[6])
    printf "%.0f", (t > 0) ? 100 * (1 - idle / t) : 0 }'
}
busy_before=$(cpu_busy_pct 2>/dev/null || echo "?")

# ---------------------------------------------------------------- start servers
declare -A PORT=()
TARGETS=()

# nginx
PORT[nginx]=$(free_port)
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process on;
error_log $TMP/nginx/error.log warn;
pid $TMP/nginx/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 65s;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    server {
        listen 127.0.0.1:${PORT[nginx]};
        location / {
            default_type application/json;
            return 200 '{"route":"/x","count":1,"firstSeen":"2026-11-26T14:00:00.000Z","lastAccess":"2026-11-26T14:05:07.123Z"}';
        }
    }
}
EOF
"${PIN_SERVER[@]}" nginx -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" \
  >"$TMP/nginx/stdout.log" 2>&1 &
PIDS+=($!)
declare -A SERVER_PID=([nginx]=$!)
if wait_ready nginx "$!" "${PORT[nginx]}" http "$TMP/nginx/error.log"; then TARGETS+=(nginx); fi

# hitcounter
if [[ -n $HITCOUNTER_BIN && -x $HITCOUNTER_BIN ]]; then
  PORT[hitcounter]=$(free_port)
  "${PIN_SERVER[@]}" "$HITCOUNTER_BIN" serve --listen "127.0.0.1:${PORT[hitcounter]}" \
    --store "sqlite:$TMP/bench.db" >"$TMP/hitcounter.log" 2>&1 &
  PIDS+=($!)
  SERVER_PID[hitcounter]=$!
  if wait_ready hitcounter "$!" "${PORT[hitcounter]}" http "$TMP/hitcounter.log"; then
    TARGETS+=(hitcounter)
  fi
else
  echo "hitcounter: not built (${HITCOUNTER_BIN:-build failed}); skipped"
fi

# redis
PORT[redis]=$(free_port)
mkdir -p "$TMP/redis"
"${PIN_SERVER[@]}" redis-server --port "${PORT[redis]}" --bind 127.0.0.1 --appendonly yes \
  --appendfsync always --dir "$TMP/redis" --save '' --daemonize no \
  >"$TMP/redis/redis.log" 2>&1 &
PIDS+=($!)
SERVER_PID[redis]=$!
if wait_ready redis "$!" "${PORT[redis]}" tcp "$TMP/redis/redis.log"; then TARGETS+=(redis); fi

# ---------------------------------------------------------------- measurement
declare -A RPS=() P99=() ERRS=()   # space-separated per-round values

# run_load OUTFILE LIMIT_SECONDS COMMAND...: run a load generator on the load core, output to
# OUTFILE. It runs in the background and the script waits for it with `wait`, so Ctrl-C
# reaches the INT trap at once (bash would ignore Ctrl-C during a foreground wrk, because
# wrk catches SIGINT and exits normally). `timeout` ends a run whose server hangs or dies
# (redis-benchmark reconnects forever).
run_load() {
  local outfile=$1 limit=$2 rc=0
  shift 2
  timeout -k 5 "$limit" "${PIN_LOAD[@]}" "$@" >"$outfile" 2>&1 &
  LOADGEN_PID=$!
  wait "$LOADGEN_PID" || rc=$?
  LOADGEN_PID=""
  if ((rc == 124 || rc == 137)); then echo "(killed after ${limit}s)" >>"$outfile"; fi
  return "$rc"
}

# run_wrk NAME SECONDS [record]: one wrk run; with "record", appends rps/p99/errors.
run_wrk() {
  local name=$1 secs=$2 record=${3:-} out rps p99raw p99 non2xx sockerr errs rc=0
  run_load "$TMP/load.out" $((secs + 30)) wrk -t1 -c"$CONNECTIONS" \
    -d"${secs}s" --latency -s "$LUA_SCRIPT" "http://127.0.0.1:${PORT[$name]}/" || rc=$?
  out=$(<"$TMP/load.out")
  if ((rc != 0)); then fail "wrk against $name failed (exit $rc):"; echo "$out" >&2; return 1; fi
  [[ -n $record ]] || return 0
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p99raw=$(awk '$1 == "99%" { print $2; exit }' <<<"$out")
  if [[ -z $rps || -z $p99raw ]] || ! p99=$(to_ms "$p99raw"); then
    fail "could not parse wrk output for $name:"; echo "$out" >&2; return 1
  fi
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
  sockerr=$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' <<<"$out")
  errs=$(( ${non2xx:-0} + ${sockerr:-0} ))
  RPS[$name]+="$rps "
  P99[$name]+="$p99 "
  ERRS[$name]+="$errs "
}

REDIS_N=$((90000 * DURATION))  # first guess; every run re-sizes it from its own rate
REDIS_N_USED=""
# run_redis N [record]: one redis-benchmark run; with "record", appends rps/p99.
run_redis() {
  local n=$1 record=${2:-} out line rps p99 rc=0
  # Allow for a run 5x slower than the clamp's floor (20k req/s) before giving up.
  run_load "$TMP/load.out" $((n / 4000 + 30)) redis-benchmark -h 127.0.0.1 -p "${PORT[redis]}" \
    -t incr -c "$CONNECTIONS" -n "$n" -r "$ROUTES" --csv || rc=$?
  out=$(<"$TMP/load.out")
  if ((rc != 0)); then fail "redis-benchmark failed (exit $rc):"; echo "$out" >&2; return 1; fi
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  line=$(grep '^"INCR"' <<<"$out" | tr -d '"') || true
  rps=$(cut -d, -f2 <<<"$line")
  p99=$(cut -d, -f7 <<<"$line")
  if [[ -z $rps || -z $p99 ]]; then
    fail "could not parse redis-benchmark output:"; echo "$out" >&2; return 1
  fi
  # Size the next run from this one's rate so it lasts about DURATION seconds; clamp to
  # 20k..200k req/s so one slow or fast outlier cannot make a run absurdly short or long.
  REDIS_N=$(awk -v r="$rps" -v d="$DURATION" 'BEGIN {
    if (r < 20000) r = 20000; if (r > 200000) r = 200000; print int(r * d) }')
  [[ -n $record ]] || return 0
  REDIS_N_USED+="$n "
  RPS[redis]+="$rps "
  P99[redis]+="$p99 "
  ERRS[redis]+="0 "
}

alive() {  # alive NAME: is the server still running? Reports its death once.
  local name=$1
  kill -0 "${SERVER_PID[$name]}" 2>/dev/null && return 0
  if [[ -z ${DEAD[$name]:-} ]]; then
    DEAD[$name]=1
    fail "$name (pid ${SERVER_PID[$name]}) is no longer running; its remaining runs are skipped"
  fi
  return 1
}
declare -A DEAD=()

measure() {  # measure NAME [record]
  alive "$1" || return 0
  case $1 in
    redis) run_redis "$REDIS_N" "${2:-}" || true ;;
    *) run_wrk "$1" "$DURATION" "${2:-}" || true ;;
  esac
}

if ((${#TARGETS[@]} > 0)); then
  echo "== warm-up: wrk ${WARMUP}s per HTTP target; redis-benchmark -n 50000 (also sizes -n)"
  for t in "${TARGETS[@]}"; do
    alive "$t" || continue
    case $t in
      redis) run_redis 50000 || true ;;
      *) if ((WARMUP > 0)); then run_wrk "$t" "$WARMUP" || true; fi ;;
    esac
  done
  for ((r = 1; r <= ROUNDS; r++)); do
    echo "== round $r/$ROUNDS: ${TARGETS[*]} (${DURATION}s each)"
    for t in "${TARGETS[@]}"; do measure "$t" record; done
  done
fi

busy_after=$(cpu_busy_pct 2>/dev/null || echo "?")  # our servers idle now

# ---------------------------------------------------------------- report
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
nginx_ver=$(nginx -v 2>&1 | sed 's/^nginx version: //')
redis_ver=$(redis-server --version | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^v=/) print substr($i, 3) }')
wrk_ver=$(wrk -v 2>&1 | awk 'NR == 1 { print $2 }') || true

echo
echo "== machine"
echo "nproc:    $(nproc)"
echo "cpu:      ${cpu_model:-unknown}"
echo "kernel:   $(uname -srm)"
echo "nginx:    $nginx_ver;  redis: $redis_ver;  wrk: $wrk_ver"
echo "pinning:  $pinning"
echo "load:     connections=$CONNECTIONS routes=$ROUTES duration=${DURATION}s rounds=$ROUNDS" \
     "redis -n=${REDIS_N_USED% }"
echo "idle?:    CPU busy ${busy_before}% in the second before the servers started," \
     "${busy_after}% in the second after the last run; loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
for b in "$busy_before" "$busy_after"; do
  if [[ $b =~ ^[0-9]+$ ]] && ((b > 10)); then
    echo "WARNING:  other processes were using the CPU around the run: figures are unreliable"
    break
  fi
done
echo
declare -A MED_RPS=() MED_P99=()
printf '%-18s %12s %10s %7s  %s\n' target "req/s(med)" "p99ms(med)" errors "req/s per round"
for t in nginx hitcounter redis; do
  label=$t
  [[ $t == redis ]] && label=redis-incr-fsync
  if [[ -z ${RPS[$t]:-} ]]; then
    printf '%-18s %12s %10s %7s  %s\n' "$label" - - - "not measured"
    continue
  fi
  read -r -a rps_a <<<"${RPS[$t]}"
  read -r -a p99_a <<<"${P99[$t]}"
  read -r -a err_a <<<"${ERRS[$t]}"
  MED_RPS[$t]=$(median "${rps_a[@]}")
  MED_P99[$t]=$(median "${p99_a[@]}")
  errs=$(printf '%s\n' "${err_a[@]}" | awk '{ s += $1 } END { print s + 0 }')
  printf '%-18s %12.0f %10.3f %7s  %s\n' "$label" "${MED_RPS[$t]}" "${MED_P99[$t]}" "$errs" \
    "$(printf '%.0f ' "${rps_a[@]}")"
  if ((errs > 0)); then
    echo "WARNING: $label had $errs non-2xx/3xx responses or socket errors (all rounds)" >&2
  fi
done

echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
check() {  # check LABEL VALUE OP LIMIT
  if awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN { exit !((op == ">=") ? v >= l : v <= l) }'; then
    echo "PASS  $1: $2 $3 $4"
  else
    echo "FAIL  $1: $2 (target $3 $4)"
  fi
}
if [[ -n ${MED_RPS[hitcounter]:-} ]]; then
  if [[ -n ${MED_RPS[nginx]:-} ]]; then
    r=$(ratio "${MED_RPS[hitcounter]}" "${MED_RPS[nginx]}")
    echo "hitcounter/nginx:            $r"
    check "hitcounter/nginx req/s" "$r" ">=" 0.7
  else
    echo "SKIP  hitcounter/nginx: nginx not measured"
  fi
  if [[ -n ${MED_RPS[redis]:-} ]]; then
    r=$(ratio "${MED_RPS[hitcounter]}" "${MED_RPS[redis]}")
    echo "hitcounter/redis-incr-fsync: $r"
    check "hitcounter/redis-incr-fsync req/s" "$r" ">=" 1.0
  else
    echo "SKIP  hitcounter/redis-incr-fsync: redis not measured"
  fi
  check "hitcounter p99 ms" "${MED_P99[hitcounter]}" "<=" 5
else
  echo "SKIP  hitcounter/nginx >= 0.7, hitcounter/redis-incr-fsync >= 1.0, p99 <= 5 ms:" \
       "hitcounter not measured"
fi

if ((failed)); then
  echo "some steps failed to run (see ERROR lines above)" >&2
  exit 1
fi
exit 0
