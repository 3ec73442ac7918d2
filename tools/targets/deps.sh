#!/bin/sh
# Debian packages `make targets` builds and runs with, installed with apt-get when missing:
#   i386 unix port      clang gcc-multilib (and libc6-dev-i386 through it)
#   qemu ARM boards     gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
#   rp2 port, picotool  libstdc++-arm-none-eabi-newlib cmake g++
#   qemu RV32 board     gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc
set -eu
want="clang gcc-multilib gcc-arm-none-eabi libnewlib-arm-none-eabi \
libstdc++-arm-none-eabi-newlib cmake g++ qemu-system-arm \
gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc"
missing=""
for p in $want; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "targets: installing$missing"
SUDO=$(test "$(id -u)" = 0 || echo sudo)
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
