# shellcheck shell=bash source-path=SCRIPTDIR
# Run DynamoDB Local (in memory) for tests. Source it, then:
#   start_dynamodb_local [PORT]   PORT defaults to a free one; returns once it answers
#   trap stop_dynamodb_local EXIT
#   dynamodb_local_api ENDPOINT OPERATION JSON [curl options]   one DynamoDB API call, the
#                                 answer on stdout
# Exports DYNAMODB_LOCAL_PID, DYNAMODB_LOCAL_PORT, DYNAMODB_LOCAL_ENDPOINT
# (http://127.0.0.1:PORT) and DYNAMODB_LOCAL_LOG. One instance per shell.
# Knobs: DYNAMODB_LOCAL_START_TIMEOUT (seconds, default 60),
#        DYNAMODB_LOCAL_JAVA_OPTS (extra JVM flags, default none).

# shellcheck source=tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"

# True when something accepts TCP connections on 127.0.0.1:$1.
_ddb_port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# One call of DynamoDB's JSON API on DynamoDB Local, e.g.
#   dynamodb_local_api "$DYNAMODB_LOCAL_ENDPOINT" Scan '{"TableName": "t"}'
# prints the answer; fails (curl -f) on an HTTP error. Further arguments go to curl (the default
# time limit is --max-time 10). DynamoDB Local wants an Authorization header shaped like SigV4
# but checks no signature, so a fixed fake one does.
dynamodb_local_api() {
    local endpoint="$1" operation="$2" body="$3"
    shift 3
    curl -fsS --max-time 10 -X POST "$endpoint" \
        -H "X-Amz-Target: DynamoDB_20120810.$operation" \
        -H 'Content-Type: application/x-amz-json-1.0' \
        -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x' \
        -d "$body" "$@"
}

# True once DynamoDB Local answers an API call (the port can open a moment before
# the service is ready).
_ddb_answers() {
    command -v curl >/dev/null 2>&1 || return 0
    dynamodb_local_api "http://127.0.0.1:$1" ListTables '{}' --max-time 2 >/dev/null 2>&1
}

_ddb_fail() {
    printf '[dynamodb-local] ERROR: %s\n' "$1" >&2
    if [[ -f ${DYNAMODB_LOCAL_LOG:-} ]]; then
        printf '[dynamodb-local] last lines of %s:\n' "$DYNAMODB_LOCAL_LOG" >&2
        tail -n 30 "$DYNAMODB_LOCAL_LOG" >&2 || true
    fi
    stop_dynamodb_local
    return 1
}

start_dynamodb_local() {
    local port="${1:-}"
    if [[ -n ${DYNAMODB_LOCAL_PID:-} ]] && kill -0 "$DYNAMODB_LOCAL_PID" 2>/dev/null; then
        printf '[dynamodb-local] ERROR: already running (pid %s)\n' "$DYNAMODB_LOCAL_PID" >&2
        return 1
    fi
    [[ -n ${DYNAMODB_LOCAL_JAR:-} && -f ${DYNAMODB_LOCAL_JAR:-} ]] || ensure_dynamodb_local
    [[ -n $port ]] || port="$(free_port)"
    if _ddb_port_open "$port"; then
        printf '[dynamodb-local] ERROR: port %s is already in use\n' "$port" >&2
        return 1
    fi

    mkdir -p "$TOOLS_DIR/logs"
    export DYNAMODB_LOCAL_LOG="$TOOLS_DIR/logs/dynamodb-local-$port.log"
    local -a java_opts=()
    read -r -a java_opts <<<"${DYNAMODB_LOCAL_JAVA_OPTS:-}"
    # exec: $! is then java itself, not a wrapper shell, so killing it leaves nothing.
    # No stdin/stdout of ours is inherited, so pipes to the caller still close.
    (
        cd "${DYNAMODB_LOCAL_JAR%/*}" || exit 1
        exec java "${java_opts[@]}" -Djava.library.path="$DYNAMODB_LOCAL_LIB_DIR" \
            -jar "$DYNAMODB_LOCAL_JAR" -inMemory -sharedDb -port "$port"
    ) </dev/null >"$DYNAMODB_LOCAL_LOG" 2>&1 &
    export DYNAMODB_LOCAL_PID=$!
    export DYNAMODB_LOCAL_PORT="$port"
    export DYNAMODB_LOCAL_ENDPOINT="http://127.0.0.1:$port"

    # Watchdog: if this shell dies without running its EXIT trap (SIGKILL, a CI
    # timeout), take java down too instead of leaving an orphan.
    local owner=$BASHPID java_pid=$DYNAMODB_LOCAL_PID
    (
        while kill -0 "$owner" 2>/dev/null && kill -0 "$java_pid" 2>/dev/null; do
            sleep 1
        done
        kill "$java_pid" 2>/dev/null
    ) </dev/null >/dev/null 2>&1 &
    DYNAMODB_LOCAL_WATCHDOG_PID=$!

    local deadline=$((SECONDS + ${DYNAMODB_LOCAL_START_TIMEOUT:-60}))
    until _ddb_port_open "$port" && _ddb_answers "$port"; do
        kill -0 "$DYNAMODB_LOCAL_PID" 2>/dev/null ||
            { _ddb_fail "java exited during startup"; return 1; }
        ((SECONDS < deadline)) ||
            { _ddb_fail "no answer on port $port within ${DYNAMODB_LOCAL_START_TIMEOUT:-60}s"; return 1; }
        sleep 0.1
    done
    # Still ours? (Another process could have grabbed the port meanwhile.)
    kill -0 "$DYNAMODB_LOCAL_PID" 2>/dev/null || { _ddb_fail "java exited during startup"; return 1; }
    printf '[dynamodb-local] ready at %s (pid %s, log %s)\n' \
        "$DYNAMODB_LOCAL_ENDPOINT" "$DYNAMODB_LOCAL_PID" "$DYNAMODB_LOCAL_LOG" >&2
}

# Safe to call twice, with nothing running, and from an EXIT trap: it never fails,
# so it can't replace the script's exit status.
stop_dynamodb_local() {
    local pid="${DYNAMODB_LOCAL_PID:-}" i
    if [[ -n ${DYNAMODB_LOCAL_WATCHDOG_PID:-} ]]; then
        kill "$DYNAMODB_LOCAL_WATCHDOG_PID" 2>/dev/null || true
        wait "$DYNAMODB_LOCAL_WATCHDOG_PID" 2>/dev/null || true
    fi
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        # JVM shutdown takes well under a second; SIGKILL after 10 s.
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    # Reap it if it is our child (no zombie, no "Terminated" message later).
    [[ -n $pid ]] && { wait "$pid" 2>/dev/null || true; }
    unset DYNAMODB_LOCAL_PID DYNAMODB_LOCAL_WATCHDOG_PID
    return 0
}
