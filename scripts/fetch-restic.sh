#!/usr/bin/env bash
# Fetches a restic release from Debian's own archive into the build tree,
# without touching the machine's apt configuration: a private apt (its own
# sources list, state and cache under the destination) downloads the .deb
# and dpkg-deb unpacks it there. Debian 13's restic (0.18) is a static
# binary, so it runs on Debian 12 as well.
#
#   scripts/fetch-restic.sh DEST [SUITE]     (SUITE defaults to trixie)
#
# Prints the path of the unpacked binary. Does nothing (quickly) when it is
# already there. Talks only to deb.debian.org, the archive the machine's own
# packages come from.
set -euo pipefail

dest=$(realpath -m "${1:?usage: fetch-restic.sh DEST [SUITE]}")
suite=${2:-trixie}
binary="$dest/root/usr/bin/restic"
if [[ -x "$binary" ]]; then
  echo "$binary"
  exit 0
fi

mkdir -p "$dest/apt/lists/partial" "$dest/apt/archives/partial" \
  "$dest/apt/etc/sources.list.d" "$dest/apt/etc/preferences.d" "$dest/root"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$dest/apt/sources.list" <<SOURCES
deb [signed-by=$keyring] http://deb.debian.org/debian $suite main
SOURCES
: >"$dest/apt/status"
apt_opts=(
  -o "Dir::Etc::SourceList=$dest/apt/sources.list"
  -o "Dir::Etc::SourceParts=$dest/apt/etc/sources.list.d"
  -o "Dir::Etc::Preferences=$dest/apt/etc/preferences"
  -o "Dir::Etc::PreferencesParts=$dest/apt/etc/preferences.d"
  -o "Dir::State=$dest/apt"
  -o "Dir::State::Lists=$dest/apt/lists"
  -o "Dir::State::status=$dest/apt/status"
  -o "Dir::Cache=$dest/apt"
  -o "Dir::Cache::Archives=$dest/apt/archives"
  -o "APT::Architecture=$(dpkg --print-architecture)"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
  -q
)
echo "fetch-restic: apt update ($suite, private configuration in $dest/apt)" >&2
apt-get "${apt_opts[@]}" update >&2
(cd "$dest/apt/archives" && apt-get "${apt_opts[@]}" download restic >&2)
deb=$(ls -t "$dest"/apt/archives/restic_*.deb | head -n 1)
dpkg-deb -x "$deb" "$dest/root"
"$binary" version >&2
echo "$binary"
