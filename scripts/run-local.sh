#!/usr/bin/env bash
# The demo behind `make run`: restic-manager-server from the release build,
# plus a local agent enrolled against it, a local restic repository, a source
# group (this checkout's own sources) and a backup schedule every five
# minutes — so a newcomer watches real backups happen.
#
# Everything lives under DATA_DIR (default ./.run): server/ (database, key),
# agent/ (agent state, outbox, restic cache), repo/ (the restic repository),
# cli/ (the operator CLI's login), admin-password, logs. Running it again
# reuses all of it; delete DATA_DIR to start over.
# Usage: scripts/run-local.sh [DATA_DIR] [LISTEN]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
data_dir=$(realpath -m "${1:-$root/.run}")
listen=${2:-127.0.0.1:8080}
url="http://$listen"
bin=$root/build/release
server_exe=$bin/server/app/restic-manager-server
agent_exe=$bin/agent/app/restic-manager-agent
cli_exe=$bin/cli/restic-manager

mkdir -p "$data_dir/server" "$data_dir/cli"
chmod 700 "$data_dir"
export XDG_CONFIG_HOME=$data_dir/cli
cli() { "$cli_exe" --server "$url" "$@"; }
# The first "key": "value" string in the CLI's --json output.
json_field() { grep -o "\"$1\": *\"[^\"]*\"" | head -n 1 | sed 's/.*: *"\(.*\)"/\1/'; }

# The first admin's password: made once, kept 0600 for the operator to read.
if [ ! -s "$data_dir/admin-password" ]; then
  (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$data_dir/admin-password")
fi

server_pid= agent_pid=
stop() {
  trap - INT TERM EXIT
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  echo "restic-manager: stopped (data kept in $data_dir)" >&2
}
trap stop INT TERM EXIT

"$server_exe" --listen "$listen" --data-dir "$data_dir/server" \
  --admin-password-file "$data_dir/admin-password" >>"$data_dir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { tail -n 20 "$data_dir/server.log" >&2; exit 1; }
  sleep 0.1
done

if [ ! -f "$data_dir/agent/agent.json" ]; then
  echo "restic-manager: first start: enrolling a local agent and creating a demo schedule" >&2
  cli login --username admin --password-stdin <"$data_dir/admin-password" >/dev/null
  token=$(cli enroll create --name local-demo)
  "$agent_exe" enroll --server "$url" --token "$token" --state-dir "$data_dir/agent" >/dev/null
fi

"$agent_exe" run --state-dir "$data_dir/agent" >>"$data_dir/agent.log" 2>&1 &
agent_pid=$!

if [ ! -f "$data_dir/demo-ready" ]; then
  host=$(cli --json host list | json_field id)
  (umask 077 && head -c 24 /dev/urandom | base64 > "$data_dir/repo-password")
  repo=$(cli --json repo add --name local-demo --url "$data_dir/repo" --password-stdin \
    <"$data_dir/repo-password" | json_field id)
  group=$(cli --json group add --host "$host" --name restic-manager-sources \
    --path "$root/common" --path "$root/server" --path "$root/agent" --path "$root/cli" --path "$root/docs" \
    --exclude '*.o' | json_field id)
  init=$(cli --json job run --host "$host" --kind init --repo "$repo" | json_field id)
  for _ in $(seq 1 120); do
    status=$(cli --json job show "$init" | json_field status)
    case $status in succeeded) break ;; failed|cancelled|interrupted|lost)
      echo "restic-manager: repository init $status; see $data_dir/agent.log" >&2; exit 1 ;; esac
    sleep 0.5
  done
  schedule=$(cli --json schedule add --host "$host" --name every-5-minutes --kind backup \
    --cron '*/5 * * * *' --repo "$repo" --group "$group" | json_field id)
  cli --json schedule add --host "$host" --name hourly-retention --kind forget --cron '7 * * * *' \
    --repo "$repo" --keep-last 12 --keep-daily 7 --prune >/dev/null
  cli job run --schedule "$schedule" >/dev/null  # a first backup now, not in five minutes
  touch "$data_dir/demo-ready"
fi

cat >&2 <<EOF

restic-manager is running at $url  (Ctrl-C stops server and agent)
  open $url in a browser and sign in as admin / $(cat "$data_dir/admin-password")
  (also in $data_dir/admin-password); the dashboard shows the demo backup live
  operator CLI, already logged in:
    export XDG_CONFIG_HOME=$data_dir/cli
    $cli_exe host list
    $cli_exe job list
    $cli_exe job logs --follow <job id>
    $cli_exe snapshot list --repo <repository id>
  a backup of this checkout's sources runs every five minutes; logs: $data_dir/{server,agent}.log

EOF
wait "$server_pid"
