#!/bin/sh
# The three submodules MicroPython's RPI_PICO_W board needs (lib/cyw43-driver, lib/lwip,
# lib/btstack), laid into an existing MicroPython source tree SRC:
#   fetch_picow_libs.sh SRC [TARBALL]
# From the pinned tarball when there is one (../shared/vendor: the commits v1.28.0 pins,
# trimmed), else from the public repositories at those commits. Additive: only those three
# directories are written; SRC/.picow-libs marks them done.
set -eu
src=$1 tarball=${2:-}
test -f "$src/.complete" || { echo "fetch_picow_libs: $src is not a finished source tree" >&2; exit 1; }
rm -f "$src/.picow-libs"
if [ -n "$tarball" ] && [ -f "$tarball" ]; then
  echo "targets: cyw43-driver, lwIP, btstack from $tarball"
  rm -rf "$src/lib/cyw43-driver" "$src/lib/lwip" "$src/lib/btstack"
  tar -xJf "$tarball" -C "$src" --strip-components=1 \
    micropython-1.28.0/lib/cyw43-driver micropython-1.28.0/lib/lwip micropython-1.28.0/lib/btstack
elif [ -d "$src/.git" ]; then
  echo "targets: cyw43-driver, lwIP, btstack as MicroPython's submodules (no vendor tarball)"
  git -C "$src" submodule update -q --init --depth 1 lib/cyw43-driver lib/lwip lib/btstack
else
  # A tree from the main tarball (no .git): each repository at the commit v1.28.0 pins.
  echo "targets: cyw43-driver, lwIP, btstack from their repositories (no vendor tarball)"
  for spec in cyw43-driver=https://github.com/georgerobotics/cyw43-driver=055d6427 \
              lwip=https://github.com/lwip-tcpip/lwip=77dcd25a \
              btstack=https://github.com/bluekitchen/btstack=77e752ab; do
    name=${spec%%=*} rest=${spec#*=}; url=${rest%=*} rev=${rest##*=}
    rm -rf "$src/lib/$name" "$src/lib/$name.part"
    git clone -q "$url" "$src/lib/$name.part"
    git -C "$src/lib/$name.part" -c advice.detachedHead=false checkout -q "$rev"
    mv "$src/lib/$name.part" "$src/lib/$name"
  done
fi
for d in cyw43-driver/src lwip/src btstack/src; do
  test -d "$src/lib/$d" || { echo "fetch_picow_libs: $src/lib/$d is missing" >&2; exit 1; }
done
touch "$src/.picow-libs"
