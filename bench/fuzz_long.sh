#!/usr/bin/env bash
# The long libFuzzer runs of bench/RESULTS.md: builds the `fuzz` preset, then
# runs each harness it registers (build/fuzz/fuzzers/*.env, written by
# cmake/Fuzzing.cmake) for SECONDS, one after another at nice 19, starting
# from the committed corpus. New inputs and crash artifacts go to a scratch
# directory (printed), never into the source tree. For each run it prints the
# command, executions, exec/s, the final cov/ft and the number of crashes.
#
# Usage: bench/fuzz_long.sh [--merge] [SECONDS [NAME...]]
#   --merge  afterwards, minimise the committed corpus plus what the run found
#            back into the committed corpus (-merge=1 on edges only, which
#            keeps each corpus at a few hundred small files); not for a
#            corpus of hand-written seeds (FIXED_CORPUS in cmake/Fuzzing.cmake)
#   SECONDS  per harness (default 600)
#   NAME     only these harnesses, e.g. cron http_request (default: all)
# Exit status: 1 when any run found a crash, leak, timeout or OOM.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
merge_found=false
if [[ ${1:-} == --merge ]]; then
  merge_found=true
  shift
fi
seconds=${1:-600}
(($# > 0)) && shift

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz >/dev/null
scratch=$(mktemp -d "${TMPDIR:-/tmp}/rmgr-fuzz.XXXXXX")

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "commit:  $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo ' + local changes')"
echo "scratch: $scratch"

status=0
for env in build/fuzz/fuzzers/*.env; do
  name=$(basename "$env" .env)
  if (($# > 0)) && ! printf '%s\n' "$@" | grep -qx "$name"; then
    continue
  fi
  fuzzer='' flags='' corpus='' mergeable=false
  # shellcheck source=/dev/null
  . "$env"
  dir=$scratch/$name
  mkdir -p "$dir/found"
  # shellcheck disable=SC2206 # flags is a word list
  cmd=(nice -n 19 "$fuzzer" -max_total_time="$seconds" $flags -artifact_prefix="$dir/" "$dir/found" "$corpus")
  rc=0
  "${cmd[@]}" >"$dir/log" 2>&1 || rc=$?
  # The last status line, e.g. "#12529<TAB>DONE   cov: 2431 ft: 9876 corp: ...".
  stats=$(grep -a -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$dir/log" | tail -1 || true)
  crashes=$(find "$dir" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  if ((rc != 0 || crashes != 0)); then
    status=1
  fi
  echo
  echo "== $name"
  echo "command:    ${cmd[*]//$root\//}"
  echo "executions: $(grep -a 'stat::number_of_executed_units' "$dir/log" | awk '{print $2}')"
  echo "exec/s:     $(grep -a 'stat::average_exec_per_sec' "$dir/log" | awk '{print $2}')"
  echo "coverage:   $(sed -E 's/.*(cov: [0-9]+ ft: [0-9]+).*/\1/' <<<"$stats")"
  echo "peak RSS:   $(grep -a 'stat::peak_rss_mb' "$dir/log" | awk '{print $2}') MiB"
  echo "crashes:    $crashes (exit status $rc)"
  if $merge_found && $mergeable && ((rc == 0 && crashes == 0)); then
    mkdir -p "$dir/merged"
    # shellcheck disable=SC2086 # flags is a word list
    nice -n 19 "$fuzzer" -merge=1 -use_counters=0 $flags "$dir/merged" "$corpus" "$dir/found" >"$dir/merge.log" 2>&1
    find "$corpus" -type f -delete
    cp "$dir/merged"/* "$corpus"/
    echo "corpus:     $(find "$corpus" -type f | wc -l) files, $(du -s --apparent-size -k "$corpus" | cut -f1) KiB (merged)"
  fi
done
exit "$status"
