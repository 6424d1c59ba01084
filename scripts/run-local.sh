#!/usr/bin/env bash
# Starts restic-manager-server from the release build with a data dir under
# the checkout. Later stages add the local agent and a demo schedule here.
# Usage: scripts/run-local.sh DATA_DIR LISTEN
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir=${1:-$PWD/.run}
listen=${2:-127.0.0.1:8080}
mkdir -p "$data_dir/server"
echo "restic-manager: data in $data_dir, press Ctrl-C to stop" >&2
exec build/release/server/restic-manager-server --listen "$listen" --data-dir "$data_dir/server"
