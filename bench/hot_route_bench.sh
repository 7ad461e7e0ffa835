#!/usr/bin/env bash
# A hot route through several `hitcounter serve` processes on one DynamoDB Local table, with
# hits coalesced (one UpdateItem per route in flight per process) and without (the test-only
# switch HITCOUNTER_TEST_COALESCE_HITS=0), side by side.
#
#   bench/hot_route_bench.sh [--no-build]
#
# wrk (CONNECTIONS connections, 2 threads) -> nginx (upstream, keep-alive) -> SERVERS x
# `hitcounter serve --store dynamodb:TABLE` -> nginx again as a counting proxy (its access log
# records each DynamoDB call's X-Amz-Target and body) -> DynamoDB Local. Every COLD_EVERY-th
# request goes to one of COLD cold routes, the others to /hot (bench/hot_route.lua).
#
# Prints per mode: hits/s, p50 and p99, UpdateItem calls per hit on /hot and overall, and checks that
# every acknowledged hit was counted exactly once: on each route, the counts its 200 answers
# carried are distinct, and the stored count equals the number of 200s (or, when some hits
# failed, lies between that and that plus the failures, which may have been counted).
# Exits 1 when a check fails.
#
# Needs wrk and nginx (Debian packages), Java 17, DynamoDB Local from tests/node_modules
# (`npm ci` in tests/), a release build. Environment: DURATION=10, CONNECTIONS=64, SERVERS=4,
# COLD=1000, COLD_EVERY=5, WARMUP=5 (seconds of unmeasured load first); RATE_LIMIT (e.g. 1000000/1m) adds a third run with that limit.
set -euo pipefail

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-64}
SERVERS=${SERVERS:-4}
export COLD=${COLD:-1000} COLD_EVERY=${COLD_EVERY:-5}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_needs wrk curl java
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || { echo "needs nginx" >&2; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
bench_build "$@"
start_dynamodb_local

# nginx: the counting proxy in front of DynamoDB Local, and the front door for the servers.
COUNT_PORT=$(free_port)
FRONT_PORT=$(free_port)
SERVER_PORTS=()
for ((i = 0; i < SERVERS; i++)); do SERVER_PORTS+=("$(free_port)"); done
mkdir -p "$TMP/nginx"
{
  echo "worker_processes 1; daemon off; pid $TMP/nginx/nginx.pid; error_log $TMP/nginx/error.log;"
  echo "events { worker_connections 4096; }"
  echo "http {"
  for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $TMP/nginx/$t;"; done
  echo "  access_log off;"
  echo "  log_format calls escape=none '\$http_x_amz_target \$request_body';"
  echo "  upstream dynamodb { server 127.0.0.1:$DDB_PORT; keepalive 128; }"
  echo "  server {"
  echo "    listen 127.0.0.1:$COUNT_PORT;"
  echo "    client_body_buffer_size 1m; client_max_body_size 1m;"
  echo "    access_log $TMP/nginx/dynamodb-calls.log calls;"
  echo "    location / { proxy_pass http://dynamodb; proxy_http_version 1.1;"
  echo "                 proxy_set_header Connection \"\"; }"
  echo "  }"
  echo "  upstream hitcounter {"
  for port in "${SERVER_PORTS[@]}"; do echo "    server 127.0.0.1:$port;"; done
  echo "    keepalive 128;"
  echo "  }"
  echo "  server {"
  echo "    listen 127.0.0.1:$FRONT_PORT;"
  echo "    location / { proxy_pass http://hitcounter; proxy_http_version 1.1;"
  echo "                 proxy_set_header Connection \"\"; }"
  echo "  }"
  echo "}"
} >"$TMP/nginx/nginx.conf"
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" 2>"$TMP/nginx/start.log" &
PIDS+=($!)
wait_http "http://127.0.0.1:$COUNT_PORT" || { cat "$TMP/nginx/start.log" >&2; exit 1; }
ENDPOINT=http://127.0.0.1:$COUNT_PORT

# run MODE COALESCE [SERVE-ARGS...]: one measurement on a fresh table; prints a result row,
# sets FAILED.
FAILED=0
run() {
  local mode=$1 coalesce=$2 table=hot-$1 server_pids=() out
  shift 2
  "$BIN" create-table --store "dynamodb:$table" --endpoint-url "$ENDPOINT" >/dev/null
  for port in "${SERVER_PORTS[@]}"; do
    HITCOUNTER_TEST_COALESCE_HITS=$coalesce "$BIN" serve --listen "127.0.0.1:$port" \
      --store "dynamodb:$table" --endpoint-url "$ENDPOINT" "$@" \
      >"$TMP/server-$mode-$port.log" 2>&1 &
    server_pids+=($!)
    PIDS+=($!)
  done
  for port in "${SERVER_PORTS[@]}"; do wait_http "http://127.0.0.1:$port/_health"; done
  mkdir -p "$TMP/$mode"
  out=$(OUT="$TMP/$mode" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -s "$ROOT/bench/hot_route.lua" "http://127.0.0.1:$FRONT_PORT/")
  sleep 1  # answers still in flight when wrk stopped reach the table
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  "$BIN" stats --store "dynamodb:$table" --endpoint-url "$ENDPOINT" --csv --limit 100000 \
    >"$TMP/$mode/stored.csv"
  grep -F "\"TableName\":\"$table\"" "$TMP/nginx/dynamodb-calls.log" |
    grep -F ".UpdateItem " >"$TMP/$mode/updates.log" || true
  python3 - "$TMP/$mode" "$mode" "$DURATION" "$out" "$CONNECTIONS" <<'EOF' || FAILED=1
import csv, glob, re, sys
from collections import defaultdict
folder, mode, duration, wrk = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
connections = int(sys.argv[5])
acked = defaultdict(list)
failures = 0
for name in glob.glob(folder + "/acks-*.txt"):
    for line in open(name):
        status, route, count = line.split()
        if status == "200":
            acked[route].append(int(count))
        else:
            failures += 1
stored = {row["route"]: int(row["count"]) for row in csv.DictReader(open(folder + "/stored.csv"))}
# Hits counted but never acknowledged: the failures (which may have been counted) and the
# requests in flight when wrk stopped (at most one per connection), nothing else.
unanswered_allowance = failures + connections
problems = []
unacknowledged = 0
for route in set(acked) | set(stored):
    counts = acked.get(route, [])
    have = stored.get(route, 0)
    if len(set(counts)) != len(counts):
        problems.append(f"{route}: two answers carried the same count")
    if have < len(counts):
        problems.append(f"{route}: stored {have} < acknowledged {len(counts)}")
    if counts and (max(counts) > have or min(counts) < 1):
        problems.append(f"{route}: an answer carried a count outside 1..{have}")
    unacknowledged += max(0, have - len(counts))
if unacknowledged > unanswered_allowance:
    problems.append(f"{unacknowledged} hits stored but not acknowledged: more than "
                    f"{failures} failures + {connections} in flight at the end")
hot_updates = all_updates = 0
for line in open(folder + "/updates.log"):
    all_updates += 1
    # The route's item and its rate-limit window's.
    if '"route":{"S":"/hot"}' in line or '"route":{"S":"rate-window:/hot"}' in line:
        hot_updates += 1
hits = sum(len(c) for c in acked.values())
hot_hits = len(acked.get("/hot", []))
def percentile_ms(p):
    found = re.search(r"^\s*" + p + r"%\s+([\d.]+)(us|ms|s)\s*$", wrk, re.M)
    return float(found.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[found.group(2)] if found else -1
print(f"{mode:<13} {hits / duration:>8.0f} {percentile_ms('50'):>9.1f} {percentile_ms('99'):>9.1f} "
      f"{hot_hits:>9} "
      f"{hot_updates / max(hot_hits, 1):>12.3f} {all_updates / max(hits, 1):>12.3f} "
      f"{failures:>7} {unacknowledged:>7}  {'exact' if not problems else 'WRONG'}")
for p in problems[:10]:
    print("   ", p)
sys.exit(1 if problems else 0)
EOF
}

echo "$SERVERS servers behind nginx, one DynamoDB Local table, $CONNECTIONS connections, ${DURATION}s;" \
  "1 request in $COLD_EVERY to one of $COLD cold routes, the rest to /hot"
printf '%-13s %8s %9s %9s %9s %12s %12s %7s %7s  %s\n' mode hits/s p50-ms p99-ms hot-hits \
  "upd/hit-hot" "upd/hit-all" failed unacked counts
# DynamoDB Local (a JVM) answers its first seconds of calls far slower: warm it up first, so that
# the first measured mode does not pay for it.
DURATION=$WARMUP run warm-up 0 >/dev/null
run coalesced 1
run one-per-hit 0
# Rate-limited hits do not ride (each claims its own place in the window): with a limit no
# hit reaches, a limited hot route costs a claim and a count per hit.
[[ -z ${RATE_LIMIT:-} ]] || run limited 1 --rate-limit "$RATE_LIMIT"
exit "$FAILED"
