#!/usr/bin/env bash
# package.lintian: lintian on every package; errors fail, warnings are shown.
# Exit 77 (skip) without lintian.
# Usage: lintian.sh DEB_DIR   (RMGR_TEST_PACKAGES overrides DEB_DIR)
set -euo pipefail

debs=${RMGR_TEST_PACKAGES:-$1}
if ! command -v lintian >/dev/null; then
  echo "SKIP: lintian not found (apt-get install lintian, or scripts/install-deps.sh)"
  exit 77
fi
shopt -s nullglob
packages=("$debs"/*.deb)
if [[ ${#packages[@]} -ne 3 ]]; then
  echo "expected 3 packages in $debs, found ${#packages[@]}" >&2
  exit 1
fi
# --fail-on error: warnings are reported, not fatal (the list is in the output).
lintian --fail-on error --tag-display-limit 0 "${packages[@]}"
echo "lintian: no errors in ${packages[*]##*/}"
