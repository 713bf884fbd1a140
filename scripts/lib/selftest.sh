#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Smoke test of the tool scripts themselves (not of the product): installs the
# tools, checks they run, starts DynamoDB Local, lists tables, stops it.
#   bash scripts/lib/selftest.sh          # base tools only
#   bash scripts/lib/selftest.sh --sam    # also aws-sam-cli and cfn-lint
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tools.sh
source "$here/tools.sh"
# shellcheck source=dynamodb-local.sh
source "$here/dynamodb-local.sh"

ensure_tools
if [[ ${1:-} == --sam ]]; then
    ensure_sam_tools
    sam --version
    cfn-lint --version
fi

cargo lambda --version
cargo lambda build --help >/dev/null
printf 'zig %s\n' "$(zig version)"
printf 'python -m ziglang: %s\n' "$(python -m ziglang version)"
printf 'DYNAMODB_LOCAL_JAR=%s\n' "$DYNAMODB_LOCAL_JAR"

trap stop_dynamodb_local EXIT
start=$EPOCHREALTIME
start_dynamodb_local "$(free_port)"
awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "DynamoDB Local up in %.1fs\n", b - a }'
answer="$(dynamodb_local_api "$DYNAMODB_LOCAL_ENDPOINT" ListTables '{}')"
printf 'ListTables: %s\n' "$answer"
[[ $answer == *'"TableNames"'* ]]
pid=$DYNAMODB_LOCAL_PID
stop_dynamodb_local
if kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: java $pid still running" >&2
    exit 1
fi
echo "selftest: OK"
