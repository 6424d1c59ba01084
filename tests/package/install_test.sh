#!/usr/bin/env bash
# package.install_in_debootstrap: the packages on a clean Debian.
#
# Makes a minimal Debian root with debootstrap (the build machine's release,
# from deb.debian.org), installs restic-manager-server and -cli with apt,
# starts the server as its unit would (as the restic-manager user, with
# /etc/restic-manager/server.toml) on 127.0.0.1 with its self-signed
# certificate, then does what the web UI's "Add host" command does: downloads
# the agent package from the server with curl pinning its public key,
# installs it with apt (which pulls in restic), enrolls with the token and the
# certificate's fingerprint, and starts the agent as its unit would. One
# repository init and one backup then run through the real restic.
# systemd is not PID 1 in the root: the ExecStart= commands run directly.
#
# Exit 77 (skip) when the machine cannot: not root, no debootstrap, no
# network to deb.debian.org.
# Usage: install_test.sh DEB_DIR [CACHE_DIR]   (RMGR_TEST_PACKAGES overrides DEB_DIR)
set -euo pipefail

debs=$(cd "${RMGR_TEST_PACKAGES:-$1}" && pwd)
cache=${2:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
api="$here/api.py"
mirror=http://deb.debian.org/debian
started=$(date +%s)

skip() {
  echo "SKIP: $*"
  exit 77
}
[[ $(id -u) -eq 0 ]] || skip "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || skip "debootstrap not found (apt-get install debootstrap, or scripts/install-deps.sh)"
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[[ -n "$codename" ]] || skip "no VERSION_CODENAME in /etc/os-release"
curl -fsS -m 20 -o /dev/null "$mirror/dists/$codename/Release" || skip "no network to $mirror"

work=$(mktemp -d /var/tmp/rmgr-debootstrap-XXXXXX)
root="$work/root"
pids=()
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for mnt in "$root/proc" "$root/dev/pts" "$root/dev"; do
    if mountpoint -q "$mnt"; then umount "$mnt" || umount -l "$mnt" || true; fi
  done
  # Never delete through a mount that is still there.
  if ! grep -q " $work/" /proc/mounts; then rm -rf "$work"; else echo "left $work: still mounted" >&2; fi
  exit $rc
}
trap cleanup EXIT
step() { echo "[$(($(date +%s) - started)) s] $*"; }
in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

step "debootstrap --variant=minbase $codename"
cache_args=()
if [[ -n "$cache" ]]; then
  mkdir -p "$cache"
  cache_args=(--cache-dir="$(cd "$cache" && pwd)")
fi
debootstrap --variant=minbase "${cache_args[@]}" "$codename" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -30 "$work/debootstrap.log" >&2
  exit 1
}
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/tmp/debs"
cp "$debs"/restic-manager-server_*.deb "$debs"/restic-manager-cli_*.deb "$root/tmp/debs/"

step "apt-get install the server and CLI packages (and curl, for the install command)"
in_root apt-get update -q >"$work/apt.log" 2>&1
server_deb=$(cd "$root/tmp/debs" && echo restic-manager-server_*.deb)
cli_deb=$(cd "$root/tmp/debs" && echo restic-manager-cli_*.deb)
in_root apt-get install -y -q --no-install-recommends \
  "/tmp/debs/$server_deb" "/tmp/debs/$cli_deb" curl ca-certificates \
  >>"$work/apt.log" 2>&1 || {
  tail -40 "$work/apt.log" >&2
  exit 1
}

step "what postinst made"
getent() { in_root getent "$@"; }
getent passwd restic-manager >/dev/null || { echo "no restic-manager user" >&2; exit 1; }
[[ $(in_root stat -c '%U %a' /var/lib/restic-manager) == "restic-manager 750" ]] || {
  echo "/var/lib/restic-manager: $(in_root stat -c '%U %a' /var/lib/restic-manager)" >&2
  exit 1
}
in_root test -f /etc/restic-manager/server.toml
in_root sh -c 'ls /usr/share/restic-manager/packages/restic-manager-agent_*.deb' >/dev/null
in_root dpkg-query -W -f='${Conffiles}\n' restic-manager-server | grep -q /etc/restic-manager/server.toml

step "start the server as its unit does, on 127.0.0.1 with TLS"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password="package-test-$(date +%s%N)"
# The unit's ExecStart=, as User=restic-manager; only the address differs (loopback, a free port).
chroot --userspec=restic-manager:restic-manager "$root" /usr/bin/env -i PATH=/usr/bin:/bin \
  RESTIC_MANAGER_ADMIN_PASSWORD="$password" \
  /usr/bin/restic-manager-server --config /etc/restic-manager/server.toml \
  --listen "127.0.0.1:$port" --tls-self-signed >"$work/server.log" 2>&1 &
pids+=($!)
base="https://127.0.0.1:$port"
cafile="$root/var/lib/restic-manager/tls-self-signed.crt"
for _ in $(seq 1 100); do
  [[ -f "$cafile" ]] && curl -fsS --cacert "$cafile" "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS --cacert "$cafile" "$base/healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }

token=$("$api" login "$base" "$cafile" "$password")
call() { "$api" call "$base" "$cafile" "$token" "$@"; }
field() { "$api" get "$1" "$2"; }
tls=$(call GET /server/tls)
fingerprint=$(field "$tls" fingerprint)
spki_pin=$(field "$tls" spki_pin)
downloads=$(call GET /downloads)
url=$(field "$downloads" items.0.url)
host=$(call POST /hosts '{"name":"package-host"}')
host_id=$(field "$host" id)
enrollment=$(call POST /enrollment-tokens "{\"name\":\"package-host\",\"host_id\":\"$host_id\"}")
enroll_token=$(field "$enrollment" token)

step "the web UI's install command, without systemctl: download pinned, apt-get install, enroll"
# The same shape as web/src/lib/enroll.ts installCommand().
in_root sh -c "cd \"\$(mktemp -d)\" && curl -fsSL -k --pinnedpubkey '$spki_pin' -o ./restic-manager-agent.deb '$base$url' \
  && apt-get install -y -q ./restic-manager-agent.deb \
  && restic-manager-agent enroll --server '$base' --token '$enroll_token' --fingerprint '$fingerprint'" \
  >"$work/install.log" 2>&1 || {
  tail -40 "$work/install.log" >&2
  exit 1
}
# A wrong pin is refused before anything is downloaded.
if in_root curl -fsS -k --pinnedpubkey "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" -o /dev/null "$base$url" 2>/dev/null; then
  echo "curl accepted a wrong public key pin" >&2
  exit 1
fi
in_root test -f /var/lib/restic-manager-agent/agent.json
[[ $(in_root stat -c '%U %a' /var/lib/restic-manager-agent) == "root 700" ]]
in_root restic version

step "start the agent as its unit does"
# The unit's ExecStart= with agent.env's (empty) AGENT_OPTIONS.
in_root sh -c '. /etc/restic-manager/agent.env && exec /usr/bin/restic-manager-agent run --state-dir /var/lib/restic-manager-agent $AGENT_OPTIONS' \
  >"$work/agent.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  [[ $(field "$(call GET "/hosts/$host_id")" connected) == true ]] && break
  sleep 0.3
done
[[ $(field "$(call GET "/hosts/$host_id")" connected) == true ]] || {
  cat "$work/agent.log" "$work/server.log" >&2
  exit 1
}

step "restic init and one backup through the agent"
repo=$(call POST /repositories '{"name":"package-repo","url":"/var/lib/restic-manager-agent/repo","password":"package-repo-password"}')
repo_id=$(field "$repo" id)
group=$(call POST /source-groups "{\"host_id\":\"$host_id\",\"name\":\"etc\",\"paths\":[\"/etc\"]}")
group_id=$(field "$group" id)
run_job() {
  local job id status
  job=$(call POST /jobs "$1")
  id=$(field "$job" id)
  for _ in $(seq 1 300); do
    job=$(call GET "/jobs/$id")
    status=$(field "$job" status)
    case "$status" in
      succeeded) echo "$job"; return 0 ;;
      failed | lost | cancelled | interrupted)
        echo "job $id $status: $job" >&2
        cat "$work/agent.log" >&2
        return 1
        ;;
    esac
    sleep 0.5
  done
  echo "job $id still $status" >&2
  return 1
}
run_job "{\"host_id\":\"$host_id\",\"kind\":\"init\",\"repository_id\":\"$repo_id\"}" >/dev/null
backup=$(run_job "{\"host_id\":\"$host_id\",\"kind\":\"backup\",\"repository_id\":\"$repo_id\",\"source_group_id\":\"$group_id\"}")
snapshot=$(field "$backup" snapshot_id)
[[ -n "$snapshot" && "$snapshot" != None && "$snapshot" != null ]] || { echo "no snapshot: $backup" >&2; exit 1; }
in_root env RESTIC_PASSWORD=package-repo-password restic -r /var/lib/restic-manager-agent/repo snapshots --json \
  | grep -q "$snapshot"

step "apt-get purge removes the data, the state and the user"
kill "${pids[@]}"
wait "${pids[@]}" 2>/dev/null || true
pids=()
in_root apt-get purge -y -q restic-manager-server restic-manager-agent restic-manager-cli >>"$work/apt.log" 2>&1
for gone in /var/lib/restic-manager /var/lib/restic-manager-agent /etc/restic-manager; do
  if in_root test -e "$gone"; then echo "purge left $gone" >&2; exit 1; fi
done
if getent passwd restic-manager >/dev/null; then echo "purge left the restic-manager user" >&2; exit 1; fi

step "passed: snapshot $snapshot"
