#!/bin/sh
# The MicroPython source tree the target interpreters are built from, into DEST:
#   fetch_micropython.sh DEST VERSION [TARBALL]
# From the pinned tarball when there is one (this workplace's ../shared/vendor: the tag with
# the submodules the unix, qemu and rp2 ports need), else a git clone of the tag and those
# submodules. Either way DEST/.complete marks a finished tree.
set -eu
dest=$1 version=$2 tarball=${3:-}
rm -rf "$dest" "$dest.part"
mkdir -p "$dest.part"
if [ -n "$tarball" ] && [ -f "$tarball" ]; then
  echo "targets: MicroPython v$version from $tarball"
  tar -xJf "$tarball" -C "$dest.part" --strip-components=1
else
  echo "targets: MicroPython v$version from github.com/micropython/micropython (no vendor tarball)"
  git clone -q --depth 1 -b "v$version" https://github.com/micropython/micropython "$dest.part"
  git -C "$dest.part" submodule update -q --init --depth 1 \
    lib/pico-sdk lib/tinyusb lib/mbedtls lib/micropython-lib
fi
touch "$dest.part/.complete"
mv "$dest.part" "$dest"
