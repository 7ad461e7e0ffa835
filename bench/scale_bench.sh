#!/usr/bin/env bash
# Scale benchmark: hitcounter serve (SQLite, durable) on a store of SCALE_ROUTES routes against
# the same server on a store of BASE_ROUTES routes, in the same run: start-up, memory per route,
# throughput, listings.
#
#   bench/scale_bench.sh [--no-build]
#
# Two servers, each on its own database: "base" holds BASE_ROUTES routes and is driven over
# them; "scale" holds SCALE_ROUTES routes (written straight into the file with the sqlite3
# shell before it starts, as a long-lived counter would have them) and is driven over all of
# them, so its hits touch records all over memory and the table. Measured:
#   - start-up: from exec to the first hit answered 200 (every record is loaded into memory
#     before the server listens);
#   - memory: RSS of each server after the load; (scale - base) / (SCALE_ROUTES - BASE_ROUTES)
#     is the memory one route costs (its record in memory; SQLite's page caches are bounded);
#   - throughput: wrk -t1 -cCONNECTIONS with bench/routes.lua, the two alternating for ROUNDS
#     rounds; medians;
#   - on the scale server, the first page of /_stats (limit 100) in each order, QUERIES times.
# Pass lines (informational; the exit status does not depend on them):
#   start-up to the first hit <= 2 s; memory per route <= 160 bytes; scale req/s >= 0.5 x base
#   req/s; first page of /_stats?sort=count <= 100 ms.
#
# Environment: DURATION=10 ROUNDS=3 CONNECTIONS=64 BASE_ROUTES=1000 SCALE_ROUTES=1000000
#   QUERIES=20 PIN=1 (servers on core 1, wrk on core 0; 0: no pinning)
# Needs (Debian packages): wrk, sqlite3, curl, util-linux (taskset); cmake to build.
set -euo pipefail

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
BASE_ROUTES=${BASE_ROUTES:-1000}
SCALE_ROUTES=${SCALE_ROUTES:-1000000}
QUERIES=${QUERIES:-20}
PIN=${PIN:-1}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_needs wrk sqlite3 curl
bench_build "$@"
bench_pin

# seed DB ROUTES: the schema (from hitcounter itself), then /r/1../r/ROUTES with one hit each.
seed() {
  local db=$1 routes=$2 port
  port=$(free_port)
  "$BIN" serve --listen "127.0.0.1:$port" --store "sqlite:$db" >/dev/null 2>&1 &
  local pid=$!
  wait_http "http://127.0.0.1:$port/_health" || { echo "seed server did not start" >&2; exit 1; }
  kill -TERM "$pid" && wait "$pid" || true
  sqlite3 "$db" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $routes)
INSERT INTO counters (route, count, first_seen, last_access)
  SELECT '/r/' || i, 1, 1795701907123, 1795701907123 + i FROM n;
COMMIT;
SQL
}

# start NAME DB -> NAME_PID, NAME_PORT, NAME_START_MS (exec to the first hit answered 200)
start() {
  local name=$1 db=$2 port t0 code=000 i
  port=$(free_port)
  t0=$(date +%s%N)
  "${SERVER_CORE[@]}" "$BIN" serve --listen "127.0.0.1:$port" --store "sqlite:$db" \
    --max-routes 0 >"$TMP/$name.log" 2>&1 &
  PIDS+=($!)
  printf -v "${name}_PID" %s "$!"
  printf -v "${name}_PORT" %s "$port"
  for ((i = 0; i < 3000 && code != 200; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/r/1" 2>/dev/null) || true
    [[ $code == 200 ]] || sleep 0.002
  done
  [[ $code == 200 ]] || { echo "$name server did not answer a hit" >&2; exit 1; }
  printf -v "${name}_START_MS" %s "$((($(date +%s%N) - t0) / 1000000))"
}

# measure PORT ROUTES -> "req/s p99_ms"
measure() {
  local out
  out=$(ROUTES=$2 "${CLIENT_CORE[@]}" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -s "$ROOT/bench/routes.lua" "http://127.0.0.1:$1/")
  awk '/Requests\/sec/ {rps=$2}
       $1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else {sub(/s/,"",v); v*=1000}; p99=v}
       END {printf "%d %.2f\n", rps, p99}' <<<"$out"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "seeding: base $BASE_ROUTES routes, scale $SCALE_ROUTES routes"
seconds=$(date +%s)
seed "$TMP/base.db" "$BASE_ROUTES"
seed "$TMP/scale.db" "$SCALE_ROUTES"
echo "  seeded in $(($(date +%s) - seconds)) s; scale.db is $(du -m "$TMP/scale.db" | cut -f1) MB"
start base "$TMP/base.db"
start scale "$TMP/scale.db"
echo "start-up to the first hit: base $base_START_MS ms, scale $scale_START_MS ms"
echo "scale server RSS at start: $(awk '/VmRSS/ {print $2, $3}' "/proc/$scale_PID/status")"

: >"$TMP/base.rows"
: >"$TMP/scale.rows"
for round in $(seq "$ROUNDS"); do
  read -r rps p99 < <(measure "$base_PORT" "$BASE_ROUTES")
  echo "$rps $p99" >>"$TMP/base.rows"
  echo "round $round base : $rps req/s, p99 $p99 ms"
  read -r rps p99 < <(measure "$scale_PORT" "$SCALE_ROUTES")
  echo "$rps $p99" >>"$TMP/scale.rows"
  echo "round $round scale: $rps req/s, p99 $p99 ms"
done
base_rps=$(cut -d' ' -f1 "$TMP/base.rows" | median)
base_p99=$(cut -d' ' -f2 "$TMP/base.rows" | median)
scale_rps=$(cut -d' ' -f1 "$TMP/scale.rows" | median)
scale_p99=$(cut -d' ' -f2 "$TMP/scale.rows" | median)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$scale_PID/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$scale_PID/status")
base_rss=$(awk '/VmRSS/ {print $2}' "/proc/$base_PID/status")

echo
printf '%-34s %12s %10s\n' "store" "req/s" "p99 ms"
printf '%-34s %12s %10s\n' "base ($BASE_ROUTES routes)" "$base_rps" "$base_p99"
printf '%-34s %12s %10s\n' "scale ($SCALE_ROUTES routes)" "$scale_rps" "$scale_p99"
awk -v s="$scale_rps" -v b="$base_rps" 'BEGIN {r = s / b; printf "ratio scale/base: %.2fx (target >= 0.5x: %s)\n", r, (r >= 0.5 ? "PASS" : "MISS")}'
echo "scale server RSS after the load: $((rss / 1024)) MB (peak $((hwm / 1024)) MB);" \
  "base: $((base_rss / 1024)) MB"
awk -v s="$rss" -v b="$base_rss" -v n="$((SCALE_ROUTES - BASE_ROUTES))" 'BEGIN {
  per = (s - b) * 1024 / n
  printf "memory per route: %.0f bytes (target <= 160: %s)\n", per, (per <= 160 ? "PASS" : "MISS") }'
awk -v t="$scale_START_MS" 'BEGIN {
  printf "start-up to the first hit at scale: %d ms (target <= 2000: %s)\n", t, (t <= 2000 ? "PASS" : "MISS") }'

echo
printf '%-34s %12s %10s\n' "first page of /_stats (limit 100)" "median ms" "max ms"
for sort in count route lastAccess; do
  for _ in $(seq "$QUERIES"); do
    curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$scale_PORT/_stats?sort=$sort&limit=100"
  done | awk '{print $1 * 1000}' | sort -n >"$TMP/times"
  printf '%-34s %12.1f %10.1f\n' "sort=$sort" "$(median <"$TMP/times")" "$(tail -1 "$TMP/times")"
  if [[ $sort == count ]]; then
    awk -v m="$(tail -1 "$TMP/times")" 'BEGIN {printf "  sort=count max <= 100 ms: %s\n", (m <= 100 ? "PASS" : "MISS")}'
  fi
done
