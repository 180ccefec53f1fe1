#!/usr/bin/env bash
# The first `make review` on a fresh clone, as a newcomer runs it: clone this repository (at
# REV, default HEAD) into a temporary directory, run `make review` there with uv's download
# cache as it is (warm after any earlier `uv sync`: "after uv sync downloads"), and print
# the wall clock and the CPU time of make and everything it ran, split into setup (uv sync,
# including any bytecode compilation) and the review itself.
#   benchmarks/first_review.sh [REV]     e.g. 925db2e (before issue 9) and HEAD
set -euo pipefail
rev="${1:-HEAD}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d /tmp/first-review-XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
git clone --quiet "$repo" "$scratch/clone"
cd "$scratch/clone"
git checkout --quiet -B main "$(git -C "$repo" rev-parse "$rev")"
export MCP_FLEET_REVIEW_AS_OF="${MCP_FLEET_REVIEW_AS_OF:-2026-11-26}"
measure() {  # label, then the command; prints "label: wall s, CPU s (user+sys of all children)"
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %U+%S s CPU" -o "$scratch/time" "$@" >"$scratch/out" 2>&1 ||
    { cat "$scratch/out" >&2; echo "$label failed" >&2; exit 1; }
  cat "$scratch/time"
  grep -h "Bytecode compiled" "$scratch/out" || true
}
echo "first make review at $(git rev-parse --short HEAD), load average $(cut -d' ' -f1-3 /proc/loadavg)"
measure "make setup (uv sync)" make setup
measure "make review (first)" make review
measure "make review (second)" make review
