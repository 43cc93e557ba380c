#!/usr/bin/env bash
# Build a minimal Debian bookworm root file system in DIR, shaped like Debian's official
# "bookworm-slim" container image, for `docker import` (see ../../../../../shared/TESTBED.md:
# nothing can be pulled here, so base images are built from Debian's packages).
#
#   build-rootfs.sh DIR [MIRROR]
set -euo pipefail
dir=$1
mirror=${2:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)

debootstrap --variant=minbase bookworm "$dir" "$mirror" >&2

# Our apt/dpkg settings and sources (with security updates) replace debootstrap's sources.list.
rm -f "$dir/etc/apt/sources.list"
cp -a "$here/rootfs/." "$dir/"

# What debootstrap installed before the dpkg excludes existed: drop the same paths now.
find "$dir/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$dir/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$dir/usr/share/man/"* "$dir/usr/share/info/"* "$dir/usr/share/groff/"* \
  "$dir/usr/share/lintian/"* "$dir/usr/share/linda/"*
find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +

# No caches, logs or machine identity in an image.
rm -rf "$dir/var/lib/apt/lists/"* "$dir/var/cache/apt/"*.bin "$dir/var/cache/apt/archives/"*.deb \
  "$dir/var/log/"*.log "$dir/var/log/apt/"* "$dir/tmp/"* "$dir/var/tmp/"*
: >"$dir/etc/machine-id"
printf 'localhost\n' >"$dir/etc/hostname"
