# shellcheck shell=bash
# Instructions per event (BENCH_INSTRUCTIONS=1 scripts/bench): each function's release binary runs
# under valgrind's callgrind through lambda-bench, once with 1 measured event and once with 1 + N,
# and the difference of the two totals over N is what one event costs, init and warm-up cancelled
# out. Unlike CPU time it does not move with the machine's load, the CPU's clock or the order of
# the runs, so a change of a few percent between two builds is visible in one run; it does not see
# cache misses or syscalls' time, so it goes beside CPU per event, not instead of it. Source it, then:
#   count_instructions LAMBDA_BENCH WORK EVENTS DDB_PID FUNCTIONS LABEL=BIN_DIR...
# FUNCTIONS is comma-separated (no null function); each LABEL=BIN_DIR is a build (the current one,
# a baseline). Prints one row per function and build, and the change against the first build.

count_instructions() {
    local lambda_bench="$1" work="$2" events="$3" ddb_pid="$4" functions="$5"
    shift 5
    local builds=("$@") build label dir fn run wrappers=() events_of_run
    rm -rf "$work" && mkdir -p "$work"
    for build in "${builds[@]}"; do
        label="${build%%=*}"
        dir="${build#*=}"
        mkdir -p "$work/$label"
        for fn in ${functions//,/ }; do
            # Not `exec`: lambda-bench ends a function with SIGKILL, which would lose callgrind's
            # counts; valgrind, left running, sees the Runtime API close, exits and writes them.
            cat >"$work/$label/$fn" <<EOF
#!/bin/sh
valgrind --tool=callgrind --callgrind-out-file="$work/$label/$fn.\$RUN.out" "$dir/$fn" 2>>"$work/$label/$fn.valgrind.log" &
wait
EOF
            chmod +x "$work/$label/$fn"
        done
        wrappers+=("$work/$label")
    done
    for run in short long; do
        events_of_run=1
        [[ $run == long ]] && events_of_run=$((1 + events))
        local bin_args=(--bin-dir "${wrappers[0]}")
        if [[ ${#wrappers[@]} -gt 1 ]]; then
            bin_args+=(--baseline-bin-dir "${wrappers[1]}" --baseline-label "${builds[1]%%=*}")
        fi
        printf '[instructions] %s run: %d events per function under callgrind\n' "$run" "$events_of_run" >&2
        "$lambda_bench" --events "$events_of_run" --warmup 10 --ddb-warmup 0 --env "RUN=$run" \
            --functions "$functions" "${bin_args[@]}" --log-dir "$work/logs" \
            --ddb-pid "$ddb_pid" >/dev/null
        # The functions' valgrind processes write their counts once the Runtime API is gone.
        while pgrep -f "callgrind-out-file=$work/" >/dev/null; do sleep 1; done
    done
    local first_label="${builds[0]%%=*}" short long per_event first changes=""
    printf '\n| function | build | instructions per event |\n|---|---|---|\n'
    for fn in ${functions//,/ }; do
        first=""
        for build in "${builds[@]}"; do
            label="${build%%=*}"
            short="$(sed -n 's/^summary: //p' "$work/$label/$fn.short.out")"
            long="$(sed -n 's/^summary: //p' "$work/$label/$fn.long.out")"
            per_event=$(((long - short) / events))
            printf '| %s | %s | %d |\n' "$fn" "$label" "$per_event"
            if [[ $label == "$first_label" ]]; then
                first="$per_event"
            else
                changes+="$(awk -v fn="$fn" -v label="$label" -v cur="$first" -v other="$per_event" \
                    'BEGIN { printf "Δ %s: instructions per event %+.1f%% against %s (%d → %d)", fn, (cur - other) * 100 / other, label, other, cur }')"$'\n'
            fi
        done
    done
    printf '\n%s' "$changes"
}
