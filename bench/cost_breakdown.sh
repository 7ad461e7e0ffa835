#!/usr/bin/env bash
# Where a durable hit's time goes: the HTTP benchmark run three times on one binary, each time with
# one more part of the store's work switched on, so the differences price each part.
#
#   bench/cost_breakdown.sh                   # DURATION, ROUNDS, ... as for bench/http_bench.sh
#
# Variants (HITCOUNTER_COST, read by the store only in the build this script makes):
#   nostore   hits counted in memory on the writer thread: HTTP, the core, the hand-offs
#   nosync    SQLite as shipped, but commits without fsync (synchronous = OFF)
#   full      as shipped: SQLite, group commit, fsync
# Each variant is one run of bench/http_bench.sh --no-build, which also measures nginx (and Redis)
# in the same invocation; the table gives each variant's median req/s, its ratio to that nginx,
# and the time per hit (1 / req/s: the server is CPU-bound on its one core).
#
# The switches are not in the shipped code: the committed HEAD is exported to a temporary
# directory, bench/cost_breakdown.patch is applied to it and its release `hitcounter` is built
# there (`git apply` fails loudly if the store changed under the patch: refresh it then).
#
# Needs what bench/http_bench.sh needs, plus git, cmake and ninja.
# Exit status: 0 when every run worked, 1 otherwise.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== building HEAD with bench/cost_breakdown.patch in $WORK"
git -C "$REPO_ROOT" archive HEAD | tar -x -C "$WORK"
(cd "$WORK" && git apply "$BENCH_DIR/cost_breakdown.patch")
cmake -S "$WORK" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$WORK/build" --target hitcounter >/dev/null
binary="$WORK/build/src/cli/hitcounter"

declare -A rps nginx
for variant in nostore nosync full; do
  echo "== $variant"
  out=$(HITCOUNTER_COST=$variant HITCOUNTER="$binary" "$BENCH_DIR/http_bench.sh" --no-build)
  echo "$out" | grep -E '^(nginx|hitcounter|redis-incr-fsync) +[0-9]'
  rps[$variant]=$(echo "$out" | awk '$1 == "hitcounter" && $2 ~ /^[0-9]+$/ {print $2}')
  nginx[$variant]=$(echo "$out" | awk '$1 == "nginx" && $2 ~ /^[0-9]+$/ {print $2}')
  if [[ -z ${rps[$variant]} || -z ${nginx[$variant]} ]]; then
    echo "$out" >&2
    echo "no figures for $variant" >&2
    exit 1
  fi
done

echo
printf '%-10s %10s %9s %12s\n' variant req/s /nginx "us per hit"
for variant in nostore nosync full; do
  awk -v v="$variant" -v r="${rps[$variant]}" -v n="${nginx[$variant]}" \
    'BEGIN { printf "%-10s %10d %9.3f %12.1f\n", v, r, r / n, 1e6 / r }'
done
awk -v n="${nginx[full]}" -v a="${rps[nostore]}" -v b="${rps[nosync]}" -v c="${rps[full]}" 'BEGIN {
  printf "\nper hit: nginx whole request %.1f us; hitcounter without a store %.1f us,\n", 1e6 / n, 1e6 / a
  printf "SQLite +%.1f us, fsync +%.1f us\n", 1e6 / b - 1e6 / a, 1e6 / c - 1e6 / b
}'
