#!/usr/bin/env bash
# Runs every benchmark of the release build and prints its figures.
# Usage: bench/run.sh [benchmark-filter-regex]   (after `make release`;
# `make bench` does both). Record results in bench/RESULTS.md with the
# machine they ran on.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/release
filter=${1:-.}
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "# commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
shopt -s nullglob
ran=0
for exe in "$build"/bench/*_benchmark; do
  [[ -x "$exe" ]] || continue
  echo "## $(basename "$exe")"
  "$exe" --benchmark_filter="$filter" --benchmark_min_time=0.5 --benchmark_counters_tabular=true
  ran=$((ran + 1))
done
if [[ $ran -eq 0 ]]; then
  echo "no benchmarks found under $build/bench: run 'make release' first" >&2
  exit 1
fi
