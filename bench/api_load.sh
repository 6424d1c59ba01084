#!/usr/bin/env bash
# API load benchmark: seeds HOSTS hosts and JOBS jobs into a fresh database,
# starts the release server on 127.0.0.1, logs in, creates an API token and
# drives GET /api/v1/hosts and GET /api/v1/jobs with wrk, printing
# requests/s and latency percentiles. Loopback only.
# Usage: bench/api_load.sh [HOSTS=10000] [JOBS=1000000] [SECONDS=20] [CONNECTIONS=16]
# Environment: TLS=1 serves HTTPS with the server's self-signed certificate
# (--tls-self-signed; curl trusts exactly that certificate, wrk does not check
# it). CLOSE=1 adds "Connection: close" so every request pays a new connection
# (and with TLS=1 a full handshake). DB=FILE reuses a seeded database (copied,
# so runs compare on the same data) instead of seeding a new one.
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-10000}
jobs=${2:-1000000}
duration=${3:-20}
connections=${4:-16}
build=build/release
command -v wrk >/dev/null || { echo "api_load: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
for exe in "$build/bench/seed_store" "$build/server/app/restic-manager-server"; do
  [[ -x $exe ]] || { echo "api_load: $exe missing: run 'make release' first" >&2; exit 1; }
done

work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); commit $(git rev-parse --short HEAD)"
if [[ -n ${DB:-} ]]; then
  cp "$DB" "$work/restic-manager.db"
else
  "$build/bench/seed_store" "$work/restic-manager.db" "$hosts" "$jobs"
fi
scheme=http
tls_flags=()
[[ ${TLS:-0} == 1 ]] && { scheme=https; tls_flags=(--tls-self-signed); }
close_header=()
[[ ${CLOSE:-0} == 1 ]] && close_header=(-H 'Connection: close')
echo "# $scheme$([[ ${CLOSE:-0} == 1 ]] && echo ', a new connection per request')"

port=$((20000 + RANDOM % 20000))
password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
RESTIC_MANAGER_ADMIN_PASSWORD=$password "$build/server/app/restic-manager-server" \
  --listen "127.0.0.1:$port" --data-dir "$work" --log-level warn "${tls_flags[@]}" >"$work/server.log" 2>&1 &
server_pid=$!
base="$scheme://127.0.0.1:$port"
curl_tls=()
if [[ $scheme == https ]]; then
  for _ in $(seq 100); do [[ -s $work/tls-self-signed.crt ]] && break; sleep 0.1; done
  curl_tls=(--cacert "$work/tls-self-signed.crt")
fi
curl() { command curl "${curl_tls[@]}" "$@"; }
for _ in $(seq 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

login=$(curl -fsS -c "$work/cookies" -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$password\"}" "$base/api/v1/auth/login")
csrf=$(printf '%s' "$login" | sed -E 's/.*"csrf_token":"([^"]+)".*/\1/')
token=$(curl -fsS -b "$work/cookies" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  -d '{"name":"bench"}' "$base/api/v1/tokens" | sed -E 's/.*"token":"([^"]+)".*/\1/')

for path in "/api/v1/hosts?limit=50" "/api/v1/jobs?limit=50" "/api/v1/jobs?limit=50&status=failed" \
            "/api/v1/jobs?limit=50&host_id=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/hosts?limit=1" | sed -E 's/.*"id":"([^"]+)".*/\1/')"; do
  echo "## GET $path ($connections connections, ${duration}s)"
  wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Authorization: Bearer $token" "${close_header[@]}" "$base$path" |
    grep -E 'Requests/sec|Latency  |50%|90%|99%|Non-2xx|requests in'
done
