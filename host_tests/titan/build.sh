#!/bin/sh
# Builds the IoT-Testware CoAP suite (vendor/) with our CoAP_Types and encoder/decoder
# into $1 (default build/iottestware) with Debian's eclipse-titan: ttcn3_makefilegen,
# then make. Prints the executable's path. Copies, not links: build/ may be another
# checkout's.
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-build/iottestware}
mkdir -p "$out"
out=$(cd "$out" && pwd)
for f in "$here"/CoAP_Types.ttcn "$here"/CoAP_Codec_Test.ttcn "$here"/CoAP_EncDec.cc "$here"/vendor/iottestware.coap/*.ttcn \
    "$here"/vendor/IPL4asp/IPL4asp_* "$here"/vendor/Socket-API/*.ttcn; do
  cp -p "$f" "$out/"  # -p: make rebuilds only what changed
done
cd "$out"
if [ ! -f Makefile ]; then
  # -s: single mode (no main controller); -e: the executable's name
  ttcn3_makefilegen -s -e iottestware ./*.ttcn ./*.cc ./*.hh >/dev/null 2>&1
fi
make -s compile >/dev/null 2>make.err || { cat make.err >&2; exit 1; }
make -s -j2 >/dev/null 2>make.err || { cat make.err >&2; exit 1; }
echo "$out/iottestware"
