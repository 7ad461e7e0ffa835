#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time, as a test: exits non-zero on any crash, leak,
# sanitizer report or input slower than the per-input timeout (libFuzzer's own exit status).
# Usage: run_fuzzer.sh FUZZER SEED_DIR WORK_DIR SECONDS
#   SEED_DIR is read only (the repository's corpus); new inputs go to WORK_DIR/corpus and any
#   crashing input to WORK_DIR/artifacts, both kept for the next run and for a look.
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus" "$work/artifacts"
# A fixed seed makes a run repeat the last one on this machine (up to how many inputs fit in
# the time), so the test command passes or fails the same way each time; FUZZ_SEED=0 lets
# libFuzzer pick one, for exploring beyond what CI runs.
seed=${FUZZ_SEED:-1}
# libFuzzer writes new inputs to the first corpus directory only.
exec "$fuzzer" -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds"
