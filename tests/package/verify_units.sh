#!/usr/bin/env bash
# package.systemd_verify: `systemd-analyze verify` on every unit the packages
# ship, inside a root made of the packages' own files, so ExecStart= must name
# the binaries the packages really install. Exit 77 (skip) without systemd-analyze.
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
for deb in "${packages[@]}"; do dpkg-deb -x "$deb" "$root"; done
# What a Debian host gives every unit and the packages depend on but do not
# ship: kill(1) for ExecReload=, and /usr merged into / as on Debian 12.
mkdir -p "$root/usr/bin"
cp /bin/kill "$root/usr/bin/kill"
ln -s usr/bin "$root/bin"

units=("$root"/lib/systemd/system/*.service)
if [[ ${#units[@]} -ne 2 ]]; then
  echo "expected the server's and the agent's unit, found: ${units[*]}" >&2
  exit 1
fi
status=0
for unit in "${units[@]}"; do
  name=$(basename "$unit")
  # verify prints nothing for a good unit; any message is a finding.
  out=$(systemd-analyze verify --root="$root" "/lib/systemd/system/$name" 2>&1) || status=1
  if [[ -n "$out" ]]; then
    echo "$name:" >&2
    echo "$out" >&2
    status=1
  else
    echo "$name: verified"
  fi
done
exit $status
