#!/usr/bin/env bash
# Runs the usertests case runner (its path is the first argument) with the remaining arguments.
# Every per-case target shares the one runner binary instead of linking its own copy.
set -euo pipefail
runner=$1
shift
exec "$runner" "$@"
