#!/bin/bash
# payload-size.sh PAYLOAD OUT: writes the uncompressed size in bytes of a zstd payload (all its
# frames: the cached base and the openve layer) to OUT. The installer reports extraction progress
# against it (tar checkpoints). Arguments are paths passed as argv; nothing is interpolated.
set -euo pipefail
payload=$1 out=$2
bytes=$(zstd -q -dc -- "$payload" | wc -c)
[[ "$bytes" =~ ^[0-9]+$ ]] && [ "$bytes" -gt 0 ] || { echo "payload-size.sh: no data in $payload" >&2; exit 1; }
printf '%s\n' "$bytes" >"$out"
