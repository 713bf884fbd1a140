# shellcheck shell=bash
# A BASH_ENV file that takes from a modern bash what macOS's bash 3.2 does not have, so that a run
# on Linux fails where a run on a Mac would:
#   BASH_ENV=scripts/lib/bash32.sh scripts/deploy --dry-run
# Every bash that the script starts reads it too. It removes the builtins added in bash 4
# (mapfile/readarray, the completion builtin compopt) and the variables added in bash 4 and 5
# (BASHPID, EPOCHSECONDS, EPOCHREALTIME, BASH_ARGV0), which are then unset, so `set -u` stops a
# script that reads them. Syntax cannot be taken away this way (associative arrays, ${x,,},
# ;& in case, |&, &>>, negative subscripts, ${x@Q}, empty arrays under set -u): scripts/lint-scripts
# looks for those in the source.
enable -n mapfile readarray compopt 2>/dev/null
unset BASHPID EPOCHSECONDS EPOCHREALTIME BASH_ARGV0
