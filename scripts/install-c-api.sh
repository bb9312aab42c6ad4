#!/usr/bin/env bash
# Installs HMMKit's C API: PREFIX/include/hmmkit/hmm.h and PREFIX/lib/libhmmkit.so (a link to
# libHMMKitC.so, the library SwiftPM builds). Then a driver builds with
#   cc prog.c -IPREFIX/include -LPREFIX/lib -lhmmkit -Wl,-rpath,PREFIX/lib
# docs/c-api.md describes the API.
set -euo pipefail
usage() {
  cat >&2 <<'USAGE'
usage: scripts/install-c-api.sh --prefix DIR [--release] [--from BUILD_DIR]
  --prefix DIR      install into DIR/include and DIR/lib (created if missing)
  --release         build and install the release library (default: debug)
  --from BUILD_DIR  install the libHMMKitC.so already built in BUILD_DIR, without running swift build
USAGE
  exit 2
}
prefix=""
configuration=debug
from=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; prefix="$2"; shift 2 ;;
    --release) configuration=release; shift ;;
    --from) [ $# -ge 2 ] || usage; from="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "error: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$prefix" ] || { echo "error: --prefix DIR is required" >&2; usage; }
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "$from" ]; then
  (cd "$root" && swift build -c "$configuration" --product HMMKitC)
  from="$(cd "$root" && swift build -c "$configuration" --show-bin-path)"
fi
[ -f "$from/libHMMKitC.so" ] || { echo "error: $from/libHMMKitC.so does not exist; run swift build first" >&2; exit 1; }
mkdir -p "$prefix/include/hmmkit" "$prefix/lib"
install -m 644 "$root/Sources/CHMMKit/include/hmmkit/hmm.h" "$prefix/include/hmmkit/hmm.h"
install -m 755 "$from/libHMMKitC.so" "$prefix/lib/libHMMKitC.so"
ln -sf libHMMKitC.so "$prefix/lib/libhmmkit.so"
prefix="$(cd "$prefix" && pwd)"
echo "installed $prefix/include/hmmkit/hmm.h and $prefix/lib/libhmmkit.so"
echo "build a driver with: cc prog.c -I$prefix/include -L$prefix/lib -lhmmkit -Wl,-rpath,$prefix/lib"
