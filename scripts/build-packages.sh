#!/usr/bin/env bash
# Builds the Debian packages from the release preset into build/packages/
# (restic-manager-server, restic-manager-agent, restic-manager-cli).
# Usage: scripts/build-packages.sh [PRESET]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
preset=${1:-release}
cd "$repo"

export CCACHE_BASEDIR="$repo" CCACHE_NOHASHDIR=true
cmake --preset "$preset" >/dev/null
cmake --build "build/$preset" --target restic-manager-server restic-manager-agent restic-manager
scripts/cpack-debs.sh "build/$preset" build/packages
ls -1 build/packages
