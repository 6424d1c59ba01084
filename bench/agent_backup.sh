#!/usr/bin/env bash
# The agent's overhead on a real backup, and its idle memory.
#
# Makes a data set of mixed files (SIZE_MB in all: half many small files,
# half a few large ones), then backs it up alternately with bare
# `restic backup` and through the product (server + agent from the release
# build, a run-now backup job), each into a fresh repository, ROUNDS times.
# Prints each run, the medians and their ratio (agent / bare; goal <= 1.01),
# and the agent's resident memory after it sat idle for 10 s (goal < 10 MiB).
#
# Usage: bench/agent_backup.sh [SIZE_MB=2048] [ROUNDS=2]   (after `make release`)
# Uses 127.0.0.1 only, a temp dir it removes, and stops what it started by pid.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
size_mb=${1:-2048}
rounds=${2:-2}
bin=$root/build/release
for exe in server/app/restic-manager-server agent/app/restic-manager-agent cli/restic-manager; do
  [ -x "$bin/$exe" ] || { echo "missing $bin/$exe: run 'make release' first" >&2; exit 1; }
done
command -v restic >/dev/null || { echo "restic is not installed" >&2; exit 1; }

work=$(mktemp -d /tmp/rmgr-bench-agent.XXXXXX)
server_pid= agent_pid=
cleanup() {
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "# commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown); restic $(restic version | awk '{print $2}')"

# ---- data set: half small files (4-64 KiB), half large files (64 MiB), incompressible
data=$work/data
mkdir -p "$data/small" "$data/large"
small_budget=$((size_mb * 1024 * 1024 / 2))
written=0 i=0
while [ "$written" -lt "$small_budget" ]; do
  dir=$data/small/d$((i / 500))
  mkdir -p "$dir"
  size=$(( (RANDOM % 61 + 4) * 1024 ))
  head -c "$size" /dev/urandom >"$dir/f$i"
  written=$((written + size)); i=$((i + 1))
done
large_count=$(( (size_mb / 2 + 63) / 64 ))
for j in $(seq 1 "$large_count"); do head -c $((64 * 1024 * 1024)) /dev/urandom >"$data/large/l$j"; done
echo "# data set: $(du -sm "$data" | cut -f1) MiB in $(find "$data" -type f | wc -l) files"

# ---- server + agent
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18931)
url=http://127.0.0.1:$port
export XDG_CONFIG_HOME=$work/cli
(umask 077 && echo "bench-admin-password-$$" >"$work/admin-password")
"$bin/server/app/restic-manager-server" --listen "127.0.0.1:$port" --data-dir "$work/server" \
  --admin-password-file "$work/admin-password" --log-level warn >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fsS "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
cli() { "$bin/cli/restic-manager" --server "$url" "$@"; }
field() { grep -o "\"$1\": *\"[^\"]*\"" | head -n 1 | sed 's/.*: *"\(.*\)"/\1/'; }
cli login --password-stdin <"$work/admin-password" >/dev/null
token=$(cli enroll create --name bench)
"$bin/agent/app/restic-manager-agent" enroll --server "$url" --token "$token" --state-dir "$work/agent" >/dev/null
"$bin/agent/app/restic-manager-agent" --log-level warn run --state-dir "$work/agent" >"$work/agent.log" 2>&1 &
agent_pid=$!
host=$(cli --json host list | field id)
group=$(cli --json group add --host "$host" --name data --path "$data" | field id)
(umask 077 && echo "bench-repo-password" >"$work/repo-password")

wait_job() {  # prints the job's JSON once it finished
  local id=$1 out
  while :; do
    out=$(cli --json job show "$id")
    case $(echo "$out" | field status) in
      succeeded) echo "$out"; return 0 ;;
      queued|dispatched|running) sleep 0.2 ;;
      *) echo "job $id ended: $out" >&2; return 1 ;;
    esac
  done
}
ms_between() {  # RFC 3339 (ms) → milliseconds between two stamps
  python3 -c 'import sys,datetime as d; f=lambda s: d.datetime.fromisoformat(s.replace("Z","+00:00")); print(int((f(sys.argv[2])-f(sys.argv[1])).total_seconds()*1000))' "$1" "$2"
}

rss() { awk '/VmRSS/ {printf "%.1f MiB", $2 / 1024}' "/proc/$agent_pid/status"; }
sleep 10
idle_rss=$(rss)

bare=() agent=()
for round in $(seq 1 "$rounds"); do
  # bare restic, the way an operator would run it from cron
  repo=$work/bare-$round
  RESTIC_PASSWORD_FILE=$work/repo-password restic -r "$repo" init -q
  start=$(date +%s%N)
  RESTIC_PASSWORD_FILE=$work/repo-password RESTIC_CACHE_DIR=$work/bare-cache restic -r "$repo" backup -q "$data"
  bare+=($(( ($(date +%s%N) - start) / 1000000 )))
  rm -rf "$repo"

  # through the product: run-now job, timed from creation to finish by the server's own stamps
  repo_id=$(cli --json repo add --name "agent-$round" --url "$work/agent-$round" --password-stdin \
    <"$work/repo-password" | field id)
  wait_job "$(cli --json job run --host "$host" --kind init --repo "$repo_id" | field id)" >/dev/null
  job=$(wait_job "$(cli --json job run --host "$host" --kind backup --repo "$repo_id" --group "$group" | field id)")
  agent+=($(ms_between "$(echo "$job" | field created_at)" "$(echo "$job" | field finished_at)"))
  rm -rf "$work/agent-$round"
  echo "round $round: bare restic ${bare[-1]} ms, through agent ${agent[-1]} ms"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mb=$(median "${bare[@]}") ma=$(median "${agent[@]}")
echo "median: bare ${mb} ms, agent ${ma} ms, ratio $(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.3f", a / b}')"

sleep 10
echo "agent idle RSS: ${idle_rss} connected and idle before any job; $(rss) idle after the backups" \
  "(peak $(awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$agent_pid/status"))"
