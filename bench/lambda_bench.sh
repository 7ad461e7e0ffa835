#!/usr/bin/env bash
# Lambda cold start and per-invocation cost of hitcounter's bootstrap (the built zip) next to a
# Node.js 20 handler doing the same UpdateItem with @aws-sdk/client-dynamodb (bench/lambda_node,
# pinned in its package-lock.json), both through the same Runtime API emulator and the same
# DynamoDB Local. Prints the figures and the Node/C++ ratios. Results: docs/LAMBDA.md.
#
# Usage: bench/lambda_bench.sh [--runs N] [--invocations M] [--warmup W]  (defaults: 20, 1000, 2000)
# Builds the release preset's bench target first; needs `npm ci` in tests/ (DynamoDB Local).
set -euo pipefail
cd "$(dirname "$0")/.."

(cd tests && [[ -d node_modules ]] || npm ci --no-audit --no-fund --loglevel=error)
(cd bench/lambda_node && npm ci --no-audit --no-fund --loglevel=error)
build=${HITCOUNTER_BUILD_DIR:-build/release}
[[ -f "$build/build.ninja" ]] || cmake --preset release >/dev/null
cmake --build "$build" --target hc_lambda_bench hitcounter-lambda-zip >/dev/null
echo "zip: $(stat -c %s "$build/hitcounter-lambda.zip") bytes; node $(node --version)"
"$build/tests/lambda/hc_lambda_bench" --node "$PWD/bench/lambda_node" "$@"
