#!/usr/bin/env bash
# package.systemd_verify: `systemd-analyze verify` on every unit the packages
# ship, inside a root made of the packages' own files, so ExecStart= must name
# the binaries the packages really install; then `systemd-analyze security`
# holds each unit's exposure under a ceiling. Exit 77 (skip) without systemd-analyze.
# Usage: verify_units.sh DEB_DIR   (RMGR_TEST_PACKAGES overrides DEB_DIR)
set -euo pipefail

debs=${RMGR_TEST_PACKAGES:-$1}
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze not found (apt-get install systemd, or scripts/install-deps.sh)"
  exit 77
fi
shopt -s nullglob
packages=("$debs"/*.deb)
if [[ ${#packages[@]} -eq 0 ]]; then
  echo "no .deb in $debs" >&2
  exit 1
fi

root=$(mktemp -d /tmp/rmgr-units-XXXXXX)
trap 'rm -rf "$root"' EXIT
# What a Debian host gives every unit but the packages do not ship: systemd's
# own units (the targets and slices of the default dependencies), kill(1) for
# ExecReload=, and /bin as merged /usr (Debian 12). Then the packages' files.
# systemd 257 (Debian 13) reads units only below /usr/lib, older ones /lib too.
mkdir -p "$root/lib/systemd/system" "$root/usr/lib/systemd/system" "$root/usr/bin"
cp -a /lib/systemd/system/. "$root/lib/systemd/system/"
cp -a /lib/systemd/system/. "$root/usr/lib/systemd/system/"
rm -f "$root"/lib/systemd/system/restic-manager-* "$root"/usr/lib/systemd/system/restic-manager-*
cp /bin/kill "$root/usr/bin/kill"
ln -s usr/bin "$root/bin"
for deb in "${packages[@]}"; do dpkg-deb -x "$deb" "$root"; done

# Debian 12's packages put units in /lib/systemd/system, Debian 13's in /usr/lib/systemd/system.
units=("$root"/lib/systemd/system/restic-manager-*.service "$root"/usr/lib/systemd/system/restic-manager-*.service)
if [[ ${#units[@]} -ne 2 ]]; then
  echo "expected the server's and the agent's unit, found: ${units[*]}" >&2
  exit 1
fi
status=0
for unit in "${units[@]}"; do
  name=$(basename "$unit")
  # verify prints nothing for a good unit; any message is a finding.
  out=$(systemd-analyze verify --root="$root" "/${unit#"$root"/}" 2>&1) || status=1
  if [[ -n "$out" ]]; then
    echo "$name:" >&2
    echo "$out" >&2
    status=1
  else
    echo "$name: verified"
  fi
done

# The hardening must not erode: systemd's exposure score (0 best, 10 worst)
# stays at most 2.5 for the server (1.6 now) and 5.0 for the agent (4.5 now:
# root with the capabilities restore needs). --threshold is in tenths.
declare -A ceiling=([restic-manager-server.service]=25 [restic-manager-agent.service]=50)
for unit in "${units[@]}"; do
  name=$(basename "$unit")
  score=$(systemd-analyze security --offline=true --root="$root" "/${unit#"$root"/}" 2>&1 | tail -1)
  if systemd-analyze security --offline=true --root="$root" --threshold="${ceiling[$name]}" \
    "/${unit#"$root"/}" >/dev/null 2>&1; then
    echo "$score"
  else
    echo "$name: exposure above $((ceiling[$name] / 10)).$((ceiling[$name] % 10)): $score" >&2
    status=1
  fi
done
exit $status
