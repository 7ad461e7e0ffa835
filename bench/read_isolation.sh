#!/usr/bin/env bash
# Read isolation benchmark: do reads and a locked file hold up hits?
#
#   bench/read_isolation.sh [--no-build]
#
# One hitcounter serve (SQLite, durable, release build) on a file seeded with ROUTES routes
# (written with the sqlite3 shell before it starts). Hits: wrk -t1 -cHIT_CONNECTIONS on one
# route for DURATION s, three times, each beside a different second client looping back to back
# on one connection (wrk -t1 -c1):
#   alone     no second client
#   options   OPTIONS /x: touches no store; prices the second client's own CPU and syscalls
#   stats     GET /_stats?prefix=/&sort=lastAccess&limit=1: the slowest listing (every route
#             read and sorted)
# The three alternate for ROUNDS rounds; medians. Then a held write lock: another connection
# (the sqlite3 shell) holds BEGIN IMMEDIATE for LOCK_SECONDS while OPTIONS /x and
# /_stats?route=/r/1 are timed QUERIES times each, and one hit waits behind the lock.
# Pass lines (informational; the exit status does not depend on them):
#   hits beside stats lose at most 20% more throughput than beside options;
#   hits' p99 beside stats <= max(10 ms, 1.5 x p99 beside options);
#   with the write lock held, OPTIONS and /_stats answer within 50 ms.
#
# Environment: ROUTES=200000 DURATION=10 ROUNDS=3 HIT_CONNECTIONS=8 LOCK_SECONDS=3 QUERIES=20
#   PIN=1 (server on core 1, load generators on core 0)
# Needs (Debian packages): wrk, sqlite3, curl, util-linux (taskset); cmake to build.
set -euo pipefail

ROUTES=${ROUTES:-200000}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
HIT_CONNECTIONS=${HIT_CONNECTIONS:-8}
LOCK_SECONDS=${LOCK_SECONDS:-3}
QUERIES=${QUERIES:-20}
PIN=${PIN:-1}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_needs wrk sqlite3 curl
bench_build "$@"
bench_pin
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
to_ms() {
  awk -v v="$1" 'BEGIN { match(v, /^[0-9.]+/); n = substr(v, 1, RLENGTH); u = substr(v, RLENGTH + 1)
    printf "%.3f", n * ((u == "us") ? 0.001 : (u == "ms") ? 1 : 1000) }'
}

# The schema from hitcounter itself, then the routes.
db=$TMP/reads.db
port=$(free_port)
"$BIN" serve --listen "127.0.0.1:$port" --store "sqlite:$db" >/dev/null 2>&1 &
pid=$!
wait_http "http://127.0.0.1:$port/_health" || { echo "seed server did not start" >&2; exit 1; }
kill -TERM "$pid" && wait "$pid" || true
sqlite3 "$db" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROUTES)
INSERT INTO counters (route, count, first_seen, last_access)
  SELECT '/r/' || i, 1, 1795701907123, 1795701907123 + i FROM n;
COMMIT;
SQL

port=$(free_port)
"${SERVER_CORE[@]}" "$BIN" serve --listen "127.0.0.1:$port" --store "sqlite:$db" --max-routes 0 \
  >"$TMP/server.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$port/_health" || { echo "server did not start" >&2; exit 1; }
URL=http://127.0.0.1:$port

cat >"$TMP/options.lua" <<'EOF'
wrk.method = "OPTIONS"
wrk.path = "/x"
EOF
stats_path='/_stats?prefix=/&sort=lastAccess&limit=1'
echo "the looped listing takes $(curl -s -o /dev/null -w '%{time_total}' "$URL$stats_path") s alone"

# run MODE -> "hits_rps hits_p99_ms loop_rps"
run() {
  local mode=$1 loop_pid=""
  case $mode in
    options) "${CLIENT_CORE[@]}" wrk -t1 -c1 -d"$((DURATION + 1))s" -s "$TMP/options.lua" "$URL/" \
               >"$TMP/loop.out" 2>&1 & loop_pid=$! ;;
    stats) "${CLIENT_CORE[@]}" wrk -t1 -c1 -d"$((DURATION + 1))s" "$URL$stats_path" \
             >"$TMP/loop.out" 2>&1 & loop_pid=$! ;;
    alone) : >"$TMP/loop.out" ;;
  esac
  sleep 0.5
  "${CLIENT_CORE[@]}" wrk -t1 -c"$HIT_CONNECTIONS" -d"${DURATION}s" --latency "$URL/hot" \
    >"$TMP/hits.out" 2>&1
  [[ -z $loop_pid ]] || wait "$loop_pid" || true
  local rps p99 loop
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$TMP/hits.out")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2; exit}' "$TMP/hits.out")")
  loop=$(awk '/^Requests\/sec:/ {print $2}' "$TMP/loop.out")
  echo "$rps $p99 ${loop:-0}"
}

declare -A RPS=() P99=() LOOP=()
for ((r = 1; r <= ROUNDS; r++)); do
  for mode in alone options stats; do
    read -r rps p99 loop < <(run "$mode")
    RPS[$mode]+="$rps " P99[$mode]+="$p99 " LOOP[$mode]+="$loop "
    echo "round $r $mode: hits $rps req/s, p99 $p99 ms; second client $loop req/s"
  done
done

# The held write lock: the shell holds it while the server is asked.
mkfifo "$TMP/shell.in"
sqlite3 "$db" <"$TMP/shell.in" >/dev/null 2>&1 &
shell=$!
exec 3>"$TMP/shell.in"
echo "BEGIN IMMEDIATE; UPDATE counters SET count = count WHERE route = '/r/1';" >&3
sleep 0.5
curl -s -o "$TMP/blocked.out" -w '%{http_code} %{time_total}\n' "$URL/blocked" >"$TMP/blocked.time" &
blocked=$!
: >"$TMP/options.times"
: >"$TMP/stats.times"
for _ in $(seq "$QUERIES"); do
  curl -s -o /dev/null -w '%{time_total}\n' -X OPTIONS "$URL/x" >>"$TMP/options.times"
  curl -s -o /dev/null -w '%{time_total}\n' "$URL/_stats?route=/r/1" >>"$TMP/stats.times"
  sleep "$(awk -v s="$LOCK_SECONDS" -v q="$QUERIES" 'BEGIN {print s / q}')"
done
echo "COMMIT;" >&3
exec 3>&-
wait "$shell" || true
wait "$blocked" || true

echo
echo "== machine: $(nproc) cores, $(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo);" \
     "$ROUTES routes; hits wrk -t1 -c$HIT_CONNECTIONS ${DURATION}s x $ROUNDS rounds, medians"
printf '%-8s %12s %10s %16s\n' beside "hits req/s" "p99 ms" "2nd client req/s"
for mode in alone options stats; do
  # shellcheck disable=SC2086
  printf '%-8s %12.0f %10.2f %16.0f\n' "$mode" "$(printf '%s\n' ${RPS[$mode]} | median)" \
    "$(printf '%s\n' ${P99[$mode]} | median)" "$(printf '%s\n' ${LOOP[$mode]} | median)"
done
# shellcheck disable=SC2086
{
  alone=$(printf '%s\n' ${RPS[alone]} | median)
  options=$(printf '%s\n' ${RPS[options]} | median)
  stats=$(printf '%s\n' ${RPS[stats]} | median)
  p99_options=$(printf '%s\n' ${P99[options]} | median)
  p99_stats=$(printf '%s\n' ${P99[stats]} | median)
}
awk -v a="$alone" -v o="$options" -v s="$stats" -v po="$p99_options" -v ps="$p99_stats" 'BEGIN {
  lo = 1 - o / a; ls = 1 - s / a; extra = ls - lo
  printf "hits lose %.1f%% beside options, %.1f%% beside stats: %.1f points more (target <= 20: %s)\n",
    100 * lo, 100 * ls, 100 * extra, (extra <= 0.20 ? "PASS" : "MISS")
  bound = (1.5 * po > 10) ? 1.5 * po : 10
  printf "hits p99 beside stats %.2f ms (target <= %.2f ms: %s)\n", ps, bound, (ps <= bound ? "PASS" : "MISS") }'
for what in options stats; do
  awk '{print $1 * 1000}' "$TMP/$what.times" | sort -g >"$TMP/$what.ms"
  awk -v w="$what" -v m="$(tail -1 "$TMP/$what.ms")" -v d="$(median <"$TMP/$what.ms")" 'BEGIN {
    printf "write lock held: %s median %.1f ms, max %.1f ms (target <= 50: %s)\n", w, d, m, (m <= 50 ? "PASS" : "MISS") }'
done
echo "the hit sent while the lock was held: $(cat "$TMP/blocked.time") (status, seconds)"
