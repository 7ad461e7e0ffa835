#!/usr/bin/env bash
# hitcounter serve on DynamoDB Local: hits/s and p99 at 1 and 32 connections, the server's CPU
# per hit (the cost of being a DynamoDB client: signing, HTTP, JSON), and hits per TCP
# connection to DynamoDB (it must show that connections are kept and reused).
#
#   bench/dynamodb_bench.sh [--no-build]
#
# DynamoDB Local comes from tests/node_modules (`npm ci` in tests/), Java 17 from Debian.
# Baseline in the same run: the same wrk load on `hitcounter serve` with the SQLite store.
# Environment: DURATION=10 (seconds per measurement), ROUTES=1000.
set -euo pipefail

DURATION=${DURATION:-10}
ROUTES=${ROUTES:-1000}
export ROUTES
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_needs wrk curl java
bench_build "$@"
start_dynamodb_local
ENDPOINT=$DDB_ENDPOINT
"$BIN" create-table --store dynamodb:bench --endpoint-url "$ENDPOINT" >/dev/null

# start_server STORE ARGS... -> sets SERVER_PID and SERVER_PORT
start_server() {
  SERVER_PORT=$(free_port)
  "$BIN" serve --listen "127.0.0.1:$SERVER_PORT" --store "$@" >"$TMP/server.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_http "http://127.0.0.1:$SERVER_PORT/_health"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure NAME CONNECTIONS: one wrk run; prints a result row
measure() {
  local name=$1 connections=$2 before after out hits rps p99 cpu_us conns
  before=$(cpu_ticks "$SERVER_PID")
  out=$(wrk -t1 -c"$connections" -d"${DURATION}s" --latency -s "$ROOT/bench/routes.lua" \
    "http://127.0.0.1:$SERVER_PORT/")
  after=$(cpu_ticks "$SERVER_PID")
  hits=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {printf "%d", $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else {sub(/s/,"",v); v*=1000}; printf "%.2f", v}' <<<"$out")
  cpu_us=$(awk -v t=$((after - before)) -v h="$hits" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t / hz * 1e6 / h}')
  conns=$(ss -Htn state established "( dport = :$DDB_PORT )" 2>/dev/null | wc -l)
  printf "%-22s %5d %10s %8s %14s %12s\n" "$name" "$connections" "$rps" "$p99" "$cpu_us" "$conns"
}

printf "%-22s %5s %10s %8s %14s %12s\n" store conns hits/s p99ms "cpu us/hit" "ddb conns"
start_server dynamodb:bench --endpoint-url "$ENDPOINT"
wrk -t1 -c8 -d2s -s "$ROOT/bench/routes.lua" "http://127.0.0.1:$SERVER_PORT/" >/dev/null  # warm-up
measure dynamodb-local 1
measure dynamodb-local 32
total=$(curl -s "http://127.0.0.1:$SERVER_PORT/_stats?limit=1000" | python3 -c \
  'import json,sys; print(sum(r["count"] for r in json.load(sys.stdin)["routes"]))')
conns=$(ss -Htn state established "( dport = :$DDB_PORT )" | wc -l)
kill "$SERVER_PID"
start_server "sqlite:$TMP/bench.db"
measure "sqlite (baseline)" 1
measure "sqlite (baseline)" 32
echo
echo "hits counted in DynamoDB Local: $total over $conns kept connections" \
  "($((total / (conns > 0 ? conns : 1))) hits per connection)"
