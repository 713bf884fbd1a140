"""Prints the workspace package that builds the binary NAME, from `cargo metadata` on stdin:

    cargo metadata --no-deps --format-version 1 | python3 scripts/lib/bin-package.py create-table

so a script can `cargo run -p "$(...)" --bin NAME` whatever the package is called. Exits 1, with a
message, if no package (or more than one) has a binary of that name.
"""

import json
import sys

name = sys.argv[1]
metadata = json.load(sys.stdin)
members = set(metadata.get("workspace_members") or [])
packages = [
    package["name"]
    for package in metadata["packages"]
    if package["id"] in members
    and any(target["name"] == name and "bin" in target["kind"] for target in package["targets"])
]
if len(packages) != 1:
    found = ", ".join(packages) or "none"
    sys.exit(f"bin-package: expected one workspace package with a binary {name!r}, found {found}")
print(packages[0])
