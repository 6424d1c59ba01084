#!/usr/bin/env bash
# Builds the Debian packages from the release preset into build/packages/:
# restic-manager-agent and restic-manager-cli first, then
# restic-manager-server, which carries the agent package it offers to new
# hosts (GET /downloads/...). Usage: scripts/build-packages.sh [PRESET]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=${1:-release}
build="$repo/build/$preset"
out="$repo/build/packages"
cd "$repo"

export CCACHE_BASEDIR="$repo" CCACHE_NOHASHDIR=true
cmake --preset "$preset" >/dev/null
cmake --build "$build" --target restic-manager-server restic-manager-agent restic-manager

# CPack leaves packages of earlier runs (and older versions) beside new ones.
rm -rf "$build/packages" "$build/packaging/offered"
mkdir -p "$build/packaging/offered"

(cd "$build" && RMGR_CPACK_COMPONENTS="agent;cli" cpack -G DEB --config CPackConfig.cmake >/dev/null)
cp "$build"/packages/restic-manager-agent_*.deb "$build/packaging/offered/"
(cd "$build" && RMGR_CPACK_COMPONENTS="server" cpack -G DEB --config CPackConfig.cmake >/dev/null)

rm -rf "$out"
mkdir -p "$out"
cp "$build"/packages/*.deb "$out/"
ls -1 "$out"
