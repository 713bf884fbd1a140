"""Prints the median cold-start figures of scripts/bench's BENCH_COLD_STARTS runs as a Markdown
table, per function and warm-up setting.

    python3 scripts/lib/cold-starts.py DIR

DIR holds one lambda-bench --json file per spawn, named <warm-up>-<n>.json (false-1.json, ...).
"""

import json
import pathlib
import statistics
import sys

runs = {}
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    warm_up = path.name.split("-")[0]
    for row in json.loads(path.read_text())["results"]:
        runs.setdefault((row["function"], warm_up), []).append(row)

print("\n| function | warm-up | spawns | init ms | init CPU ms | 1st event ms |")
print("|---|---|---|---|---|---|")
for (function, warm_up), rows in sorted(runs.items()):

    def median(key):
        return statistics.median(row[key] for row in rows)

    print(
        f"| {function} | {warm_up} | {len(rows)} | {median('init_ms'):.1f} | "
        f"{median('init_cpu_ms'):.1f} | {median('first_event_ms'):.2f} |"
    )
