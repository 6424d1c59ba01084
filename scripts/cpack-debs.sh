#!/usr/bin/env bash
# Packs the binaries already built in BUILD_DIR into Debian packages in
# OUT_DIR: restic-manager-agent and restic-manager-cli first, then
# restic-manager-server, which carries the agent package it offers to new
# hosts (GET /downloads/...). No compiling: scripts/build-packages.sh builds
# the release preset first; the package tests pack the tree they test.
# Usage: scripts/cpack-debs.sh BUILD_DIR OUT_DIR
set -euo pipefail

build=$(cd "$1" && pwd)
out=$2

# CPack leaves packages of earlier runs (and older versions) beside new ones.
rm -rf "$build/packages" "$build/packaging/offered"
mkdir -p "$build/packaging/offered"
pack() {
  (cd "$build" && RMGR_CPACK_COMPONENTS="$1" cpack -G DEB --config CPackConfig.cmake >"$build/packaging/cpack.log" 2>&1) || {
    cat "$build/packaging/cpack.log" >&2
    return 1
  }
}
pack "agent;cli"
cp "$build"/packages/restic-manager-agent_*.deb "$build/packaging/offered/"
pack server

rm -rf "$out"
mkdir -p "$out"
cp "$build"/packages/*.deb "$out/"
