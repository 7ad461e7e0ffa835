#!/usr/bin/env bash
# HTTP throughput benchmark: hitcounter vs. two baselines on this machine, over three route
# distributions, and under many connections.
#
#   bench/http_bench.sh [--no-build]          # from any directory
#   DURATION=3 ROUNDS=1 DISTRIBUTIONS=one bench/http_bench.sh --no-build
#
# Targets (each on a free 127.0.0.1 port, in a temp dir removed on exit):
#   nginx             1 worker, `return 200` with a small JSON body, access_log off
#   hitcounter        HITCOUNTER serve --store sqlite:TMP/DIST.db, durable as shipped (every
#                     answer follows the fsync of its batch); a fresh file per distribution
#   redis-incr-fsync  redis-server --appendonly yes --appendfsync always; redis-benchmark INCR
#                     over as many keys (-r) as the distribution has routes
# Distributions (DISTRIBUTIONS, space-separated):
#   one               every request on /r/1                        (bench/routes.lua ROUTES=1)
#   uniform1k         /r/1 .. /r/1000 round robin                  (bench/routes.lua)
#   zipf100k          /r/1 .. /r/100000, Zipf s=1.1: a hot head and a long tail (bench/zipf.lua)
# nginx and hitcounter get the same load: wrk -t1 -cCONNECTIONS --latency. Within a
# distribution the targets alternate in ROUNDS rounds (nginx, hitcounter, redis, nginx, ...) and
# the MEDIAN of each target's rounds is reported. Then hitcounter alone at WIDE_CONNECTIONS
# connections (uniform1k, one round): errors and p99. With taskset, servers run on core 1 and
# the load generator on core 0.
#
# Pass lines (informational; the exit status does not depend on them), per distribution:
#   hitcounter req/s >= 1.0 x redis INCR (appendfsync always), >= 0.60 x nginx, p99 <= 2 ms;
#   at WIDE_CONNECTIONS: no error and p99 <= 20 ms.
# Exit status: 0 when everything ran, 1 when something failed to run, 2 on bad usage or a missing
# tool.
#
# Environment:
#   DURATION=10 ROUNDS=3 CONNECTIONS=64 WIDE_CONNECTIONS=512 WARMUP=1 (seconds per target and
#   distribution before round 1) DISTRIBUTIONS="one uniform1k zipf100k"
#   HITCOUNTER=...  binary to measure (default build/release/src/cli/hitcounter)
#   PIN=1           1: servers on core 1, load generator on core 0; 0: no pinning
#
# Needs (Debian packages, scripts/install-deps --bench): wrk, nginx-light, redis-server,
# redis-tools, util-linux (taskset), curl, coreutils (timeout); cmake to build.
set -euo pipefail

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
WIDE_CONNECTIONS=${WIDE_CONNECTIONS:-512}
WARMUP=${WARMUP:-1}
DISTRIBUTIONS=${DISTRIBUTIONS:-one uniform1k zipf100k}

usage() { sed -n '2,/^set -euo pipefail/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }
build=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done
for v in DURATION ROUNDS CONNECTIONS WIDE_CONNECTIONS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a positive integer" >&2; exit 2; }
done
[[ $WARMUP =~ ^[0-9]+$ ]] || { echo "WARMUP must be a non-negative integer" >&2; exit 2; }

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
HITCOUNTER_BIN=${HITCOUNTER:-$REPO_ROOT/build/release/src/cli/hitcounter}

missing=0
for tool in wrk:wrk nginx:nginx-light redis-server:redis-server redis-benchmark:redis-tools \
            taskset:util-linux curl:curl timeout:coreutils; do
  command -v "${tool%%:*}" >/dev/null || { echo "missing: ${tool%%:*} (${tool#*:})" >&2; missing=1; }
done
((missing)) && exit 2

failed=0
fail() { echo "ERROR: $*" >&2; failed=1; }

if [[ ${PIN:-1} != 0 ]] && (($(nproc) >= 2)) && taskset -c 1 true 2>/dev/null; then
  PIN_SERVER=(taskset -c 1) PIN_LOAD=(taskset -c 0) pinning="server core 1, load generator core 0"
else
  PIN_SERVER=() PIN_LOAD=() pinning="none"
fi

if ((build)); then
  echo "== building hitcounter (release)"
  (cd "$REPO_ROOT" && cmake --preset release >/dev/null &&
    cmake --build --preset release --target hitcounter >/dev/null) || { fail "build failed"; exit 1; }
fi
[[ -x $HITCOUNTER_BIN ]] || { echo "hitcounter not built: $HITCOUNTER_BIN" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/http_bench.XXXXXX")
PIDS=() LOADGEN_PID=""
cleanup() {
  local rc=$? pid i
  trap - EXIT INT TERM
  for pid in $LOADGEN_PID "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $LOADGEN_PID "${PIDS[@]}"; do
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
wait_ready() {  # wait_ready PID PORT tcp|http
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$1" 2>/dev/null || return 1
    if [[ $3 == http ]]; then
      [[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$2/_health") != 000 ]] && return 0
    elif (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}
to_ms() {  # "386.00us" | "1.23ms" | "1.02s" -> milliseconds
  awk -v v="$1" 'BEGIN { match(v, /^[0-9.]+/); n = substr(v, 1, RLENGTH); u = substr(v, RLENGTH + 1)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
    if (f < 0) exit 1; printf "%.3f", n * f }'
}
median() {
  printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
    if (NR % 2) printf "%.3f", a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
cpu_busy_pct() {
  local a b
  a=$(head -n 1 /proc/stat); sleep 1; b=$(head -n 1 /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { n = split(a, x); split(b, y); t = 0
    for (i = 2; i <= n; i++) t += y[i] - x[i]
    printf "%.0f", (t > 0) ? 100 * (1 - ((y[5] - x[5]) + (y[6] - x[6])) / t) : 0 }'
}
busy_before=$(cpu_busy_pct)

# ---------------------------------------------------------------- baselines (shared)
NGINX_PORT=$(free_port)
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
error_log $TMP/nginx/error.log warn;
pid $TMP/nginx/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
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
wait_ready $! "$NGINX_PORT" tcp || { fail "nginx did not start"; exit 1; }

REDIS_PORT=$(free_port)
mkdir -p "$TMP/redis"
"${PIN_SERVER[@]}" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --appendonly yes \
  --appendfsync always --dir "$TMP/redis" --save '' --daemonize no >"$TMP/redis/log" 2>&1 &
PIDS+=($!)
wait_ready $! "$REDIS_PORT" tcp || { fail "redis did not start"; exit 1; }

# ---------------------------------------------------------------- load
run_load() {  # run_load OUTFILE LIMIT COMMAND...: in the background, so Ctrl-C reaches the trap
  local out=$1 limit=$2 rc=0
  shift 2
  timeout -k 5 "$limit" "${PIN_LOAD[@]}" "$@" >"$out" 2>&1 &
  LOADGEN_PID=$!
  wait "$LOADGEN_PID" || rc=$?
  LOADGEN_PID=""
  return "$rc"
}

# wrk_run PORT CONNECTIONS SECONDS -> sets W_RPS W_P99 W_ERRS
wrk_run() {
  local out
  run_load "$TMP/load.out" $(($3 + 30)) wrk -t1 -c"$2" -d"${3}s" --latency -s "$SCRIPT" \
    "http://127.0.0.1:$1/" || { fail "wrk failed: $(tail -n 3 "$TMP/load.out")"; return 1; }
  out=$(<"$TMP/load.out")
  W_RPS=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  W_P99=$(to_ms "$(awk '$1 == "99%" { print $2; exit }' <<<"$out")")
  W_ERRS=$(awk '/Non-2xx or 3xx responses:/ { e += $NF }
    /Socket errors:/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 } END { print e + 0 }' <<<"$out")
}

# redis_run N -> sets W_RPS W_P99
REDIS_N=$((60000 * DURATION))
redis_run() {
  local line
  run_load "$TMP/load.out" $(($1 / 4000 + 30)) redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" \
    -t incr -c "$CONNECTIONS" -n "$1" -r "$KEYS" --csv || { fail "redis-benchmark failed"; return 1; }
  line=$(grep '^"INCR"' "$TMP/load.out" | tr -d '"')
  W_RPS=$(cut -d, -f2 <<<"$line") W_P99=$(cut -d, -f7 <<<"$line") W_ERRS=0
  # The next run lasts about DURATION seconds at this rate.
  REDIS_N=$(awk -v r="$W_RPS" -v d="$DURATION" 'BEGIN { if (r < 20000) r = 20000; print int(r * d) }')
}

start_hitcounter() {  # start_hitcounter NAME -> HC_PORT, HC_PID
  HC_PORT=$(free_port)
  "${PIN_SERVER[@]}" "$HITCOUNTER_BIN" serve --listen "127.0.0.1:$HC_PORT" \
    --store "sqlite:$TMP/$1.db" --max-connections 4096 >"$TMP/$1.log" 2>&1 &
  HC_PID=$!
  PIDS+=("$HC_PID")
  wait_ready "$HC_PID" "$HC_PORT" http || { fail "hitcounter did not start: $(tail -n 3 "$TMP/$1.log")"; return 1; }
}

declare -A RESULT=()  # RESULT[dist,target] = "rps p99 errors"
for dist in $DISTRIBUTIONS; do
  case $dist in
    one) SCRIPT=$BENCH_DIR/routes.lua; export ROUTES=1; KEYS=1 ;;
    uniform1k) SCRIPT=$BENCH_DIR/routes.lua; export ROUTES=1000; KEYS=1000 ;;
    zipf100k) SCRIPT=$BENCH_DIR/zipf.lua; export ROUTES=100000; KEYS=100000 ;;
    *) echo "unknown distribution: $dist" >&2; exit 2 ;;
  esac
  start_hitcounter "$dist" || continue
  echo "== $dist: warm-up ${WARMUP}s, then $ROUNDS rounds of ${DURATION}s per target"
  if ((WARMUP > 0)); then
    wrk_run "$NGINX_PORT" "$CONNECTIONS" "$WARMUP" || true
    wrk_run "$HC_PORT" "$CONNECTIONS" "$WARMUP" || true
  fi
  redis_run 50000 || true
  declare -A rps=() p99=() errs=()
  for ((r = 1; r <= ROUNDS; r++)); do
    wrk_run "$NGINX_PORT" "$CONNECTIONS" "$DURATION" &&
      { rps[nginx]+="$W_RPS " p99[nginx]+="$W_P99 " errs[nginx]+="$W_ERRS "; }
    wrk_run "$HC_PORT" "$CONNECTIONS" "$DURATION" &&
      { rps[hitcounter]+="$W_RPS " p99[hitcounter]+="$W_P99 " errs[hitcounter]+="$W_ERRS "; }
    redis_run "$REDIS_N" && { rps[redis]+="$W_RPS " p99[redis]+="$W_P99 " errs[redis]+="0 "; }
  done
  for t in nginx hitcounter redis; do
    [[ -n ${rps[$t]:-} ]] || continue
    # shellcheck disable=SC2086
    RESULT[$dist,$t]="$(median ${rps[$t]}) $(median ${p99[$t]}) $(echo ${errs[$t]} | tr ' ' '\n' | awk '{ s += $1 } END { print s + 0 }')"
    echo "   $t: req/s per round ${rps[$t]}"
  done
  kill "$HC_PID" 2>/dev/null; wait "$HC_PID" 2>/dev/null || true
done

# ---------------------------------------------------------------- many connections
WIDE=""
if [[ " $DISTRIBUTIONS " == *" uniform1k "* ]]; then
  SCRIPT=$BENCH_DIR/routes.lua; export ROUTES=1000
  ulimit -n "$((WIDE_CONNECTIONS * 2 + 64))" 2>/dev/null || true
  if start_hitcounter wide; then
    echo "== uniform1k at $WIDE_CONNECTIONS connections, ${DURATION}s"
    wrk_run "$HC_PORT" "$WIDE_CONNECTIONS" "$DURATION" && WIDE="$W_RPS $W_P99 $W_ERRS"
    kill "$HC_PID" 2>/dev/null; wait "$HC_PID" 2>/dev/null || true
  fi
fi
busy_after=$(cpu_busy_pct)

# ---------------------------------------------------------------- report
echo
echo "== machine: $(nproc) cores, $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
     "$(uname -sr); nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), redis" \
     "$(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')"
echo "   pinning: $pinning; load: wrk -t1 -c$CONNECTIONS, ${DURATION}s x $ROUNDS rounds, medians"
echo "   idle?: CPU busy ${busy_before}% before, ${busy_after}% after; loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
for b in "$busy_before" "$busy_after"; do
  ((b > 10)) && { echo "WARNING: other processes were using the CPU: figures are unreliable"; break; }
done
echo
printf '%-10s %10s %10s %10s %9s %10s %8s %8s\n' distribution nginx hitcounter redis \
  "hc p99ms" "hc errors" "/nginx" "/redis"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
check() {  # check LABEL VALUE OP LIMIT
  if awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN { exit !((op == ">=") ? v >= l : v <= l) }'; then
    CHECKS+="PASS  $1: $2 $3 $4"$'\n'
  else
    CHECKS+="FAIL  $1: $2 (target $3 $4)"$'\n'
  fi
}
CHECKS=""
for dist in $DISTRIBUTIONS; do
  read -r n_rps _ _ <<<"${RESULT[$dist,nginx]:-0 0 0}"
  read -r h_rps h_p99 h_err <<<"${RESULT[$dist,hitcounter]:-0 0 0}"
  read -r r_rps _ _ <<<"${RESULT[$dist,redis]:-0 0 0}"
  if [[ $n_rps == 0 || $h_rps == 0 || $r_rps == 0 ]]; then
    echo "$dist: not measured"; failed=1; continue
  fi
  printf '%-10s %10.0f %10.0f %10.0f %9.2f %10s %8s %8s\n' "$dist" "$n_rps" "$h_rps" "$r_rps" \
    "$h_p99" "$h_err" "$(ratio "$h_rps" "$n_rps")" "$(ratio "$h_rps" "$r_rps")"
  check "$dist hitcounter/redis" "$(ratio "$h_rps" "$r_rps")" ">=" 1.0
  check "$dist hitcounter/nginx" "$(ratio "$h_rps" "$n_rps")" ">=" 0.60
  check "$dist hitcounter p99 ms" "$h_p99" "<=" 2
done
if [[ -n $WIDE ]]; then
  read -r w_rps w_p99 w_err <<<"$WIDE"
  printf '%-10s %10s %10.0f %10s %9.2f %10s\n' "c$WIDE_CONNECTIONS" - "$w_rps" - "$w_p99" "$w_err"
  check "$WIDE_CONNECTIONS connections errors" "$w_err" "<=" 0
  check "$WIDE_CONNECTIONS connections p99 ms" "$w_p99" "<=" 20
fi
echo
printf '%s' "$CHECKS"
((failed)) && { echo "some steps failed to run (see ERROR lines above)" >&2; exit 1; }
exit 0
