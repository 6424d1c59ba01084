#!/usr/bin/env bash
# Installs the Debian packages restic-manager needs to build, test and run
# (Debian 12 bookworm or 13 trixie), then the web UI's npm packages. Safe to
# run again: it installs only what is missing, and does nothing (quickly)
# when nothing is.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Boost.URL first shipped in 1.81. Debian 13's default Boost (1.83) has it
# under the generic names; Debian 12's default is 1.74, so there the 1.81
# packages are named by version (no generic name carries 1.81).
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
if [[ "$codename" == bookworm ]]; then
  boost=(libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev)
else
  boost=(libboost-dev libboost-json-dev libboost-url-dev)
fi
# Debian 13 moved the old zone names (US/Eastern, Asia/Calcutta, ...) out of
# tzdata into tzdata-legacy; schedules written for Go's robfig/cron use them.
# Debian 12 keeps them in tzdata and has no such package.
tz=(tzdata)
[[ "$codename" == bookworm ]] || tz+=(tzdata-legacy)

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-dev
  "${boost[@]}"
  libsqlite3-dev sqlite3 libsodium-dev libssl-dev libqrencode-dev libspdlog-dev libfmt-dev
  libcli11-dev libtomlplusplus-dev libcurl4-openssl-dev
  libhowardhinnant-date-dev "${tz[@]}"
  libgtest-dev libgmock-dev libbenchmark-dev
  restic curl wrk
  # promtool for the metrics tests (Debian ships it only inside prometheus;
  # on a systemd machine the package also starts a Prometheus on :9090 —
  # `systemctl disable --now prometheus` if that is not wanted).
  prometheus
  iproute2
  python3-aiosmtpd openssl
  chromium
  # Debian packages (make package) and their tests: dpkg-shlibdeps,
  # systemd-analyze verify, lintian, and a clean root for the install test.
  dpkg-dev fakeroot systemd lintian debootstrap
)
# The web UI builds with node and npm; use whichever is on PATH (nvm, a
# NodeSource package, ...) and fall back to Debian's.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The web UI's packages, at the versions package-lock.json pins, when
# web/node_modules is missing or older than the lock file. Not `npm ci`: the
# registry this project installs from lacks rollup's builds for other
# platforms, so the lock file cannot list them and `npm ci` refuses it;
# `npm install --no-save` installs exactly the locked tree and never rewrites
# the lock file.
web="$repo/web"
if [[ -f "$web/package-lock.json" ]]; then
  if [[ ! -d "$web/node_modules" || "$web/package-lock.json" -nt "$web/node_modules" ]]; then
    echo "install-deps: npm install (locked versions) in web/" >&2
    (cd "$web" && npm install --no-save --no-audit --no-fund)
    touch "$web/node_modules"
  fi
fi
