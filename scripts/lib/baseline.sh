# shellcheck shell=bash
# Another revision's release functions, built apart from the working tree's, for scripts/bench's
# baseline (BENCH_BASELINE). Source scripts/lib/tools.sh and this, then:
#   build_baseline REV ROOT SEED BINARY...
# checks REV out, detached, in the git worktree ROOT/src (git worktree add --detach) and builds
# each function BINARY as its own package, `cargo build --release --locked -p PACKAGE --bin BINARY`
# (PACKAGE: the one of REV's workspace that has the binary), one cargo run each, with
# CARGO_TARGET_DIR=ROOT/target, so neither build clobbers the other's artifacts. That is how a
# deploy builds them now (in each function's folder, template.yaml's CodeUri). A revision that
# deployed from the root (CodeUri: ., default-members = the functions and their crates) gets the
# same features or fewer this way: -p selects the function alone, and its default-members added
# only the other two functions, which ask for the same. (One from before default-members deployed
# with every member's features: built here, its functions are smaller than it deployed them.)
# Only the functions are built: the revision's own scripts and harness are not used. Sets
# BASELINE_COMMIT (the full id), BASELINE_LABEL (the short id) and BASELINE_BIN_DIR
# (ROOT/target/release).
# The worktree and its target are kept and reused by the next call (cargo then rebuilds only what
# the new revision changed); when ROOT/target does not exist yet, it starts as a copy of the
# dependencies in SEED (the working tree's target/release: deps, build, .fingerprint), so the first
# build compiles the workspace's own crates only ("" to start empty). A registration whose folder
# is gone (the target dir was cleaned) is taken over (git worktree add --force). To remove both:
#   git worktree remove --force ROOT/src && rm -rf ROOT

build_baseline() {
    local rev="$1" root="$2" seed="$3"
    shift 3
    local commit worktree target metadata binary package
    [[ $# -gt 0 ]] || { printf '[baseline] ERROR: no function to build\n' >&2; return 1; }
    commit="$(git rev-parse --verify --quiet "$rev^{commit}")" || {
        printf '[baseline] ERROR: %s is not a commit\n' "$rev" >&2
        return 1
    }
    mkdir -p "$root"
    root="$(cd "$root" && pwd -P)"
    worktree="$root/src"
    target="$root/target"

    if [[ -e $worktree/.git ]] && git worktree list --porcelain | grep -qxF "worktree $worktree"; then
        printf '[baseline] %s: reusing the worktree %s\n' "$rev" "$worktree" >&2
        # Only the files that differ get a new mtime, so cargo's fingerprints stay valid for the rest.
        git -C "$worktree" checkout --quiet --detach --force "$commit"
        git -C "$worktree" clean --quiet -fd
    else
        rm -rf "$worktree"
        printf '[baseline] %s: git worktree add --detach %s\n' "$rev" "$worktree" >&2
        # --force: the path may still be registered from a worktree whose folder was deleted.
        git worktree add --quiet --force --detach "$worktree" "$commit"
    fi

    if [[ ! -d $target/release && -n $seed && -d $seed ]]; then
        printf '[baseline] seeding %s from %s (dependencies only get reused)\n' "$target" "$seed" >&2
        mkdir -p "$target/release"
        local part
        for part in deps build .fingerprint; do
            if [[ -d $seed/$part ]]; then
                cp -a "$seed/$part" "$target/release/"
            fi
        done
    fi

    metadata="$(cd "$worktree" && cargo metadata --format-version 1 --no-deps)"
    for binary in "$@"; do
        package="$("$TOOLS_PYTHON" "$TOOLS_LIB_DIR/bin-package.py" "$binary" <<<"$metadata")"
        printf '[baseline] %s = %s: cargo build --release --locked -p %s --bin %s (CARGO_TARGET_DIR=%s)\n' \
            "$rev" "$commit" "$package" "$binary" "$target" >&2
        (cd "$worktree" && CARGO_TARGET_DIR="$target" cargo build --release --locked -p "$package" --bin "$binary")
    done

    BASELINE_COMMIT="$commit"
    BASELINE_LABEL="$(git rev-parse --short "$commit")"
    BASELINE_BIN_DIR="$target/release"
    export BASELINE_COMMIT BASELINE_LABEL BASELINE_BIN_DIR
}
