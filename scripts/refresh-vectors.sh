#!/usr/bin/env bash
# Refreshes the project's copy of the conformance vectors from the steering repository's
# shared/ tree (../shared beside a checkout). The tests read only tests/vectors/: a fresh clone
# needs nothing outside itself. Run this when the recorded vectors change, review the diff, commit.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
for pair in "conformance:reference" "conformance-interop:interop"; do
  source_dir="$shared/${pair%%:*}"
  target_dir="tests/vectors/${pair##*:}"
  [ -d "$source_dir" ] || { echo "no $source_dir: nothing to refresh from" >&2; exit 1; }
  mkdir -p "$target_dir"
  rm -f "$target_dir"/*.jsonl
  cp "$source_dir"/*.jsonl "$target_dir"/
  cp "$source_dir"/README.md "$target_dir"/README.md
  chmod u+w "$target_dir"/*
done
git status --short tests/vectors
