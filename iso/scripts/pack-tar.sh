#!/bin/bash
# pack-tar.sh TREE OUT LEVEL [noeof]: GNU tar of TREE (numeric owners, ACLs, all xattrs, sorted),
# zstd-compressed with LEVEL. With 'noeof' the end-of-archive blocks are left off, so that small
# archives can be appended later by concatenating zstd frames (the payload's openve layer).
# Arguments are paths and a number passed as argv; nothing is interpolated into a command string.
set -euo pipefail
tree=$1 out=$2 level=$3 mode=${4:-}
[[ "$level" =~ ^[0-9]+$ ]] || { echo "pack-tar.sh: bad level '$level'" >&2; exit 2; }
# -b1: 512-byte records, so the end-of-archive marker is exactly the last 1024 bytes.
if [ "$mode" = noeof ]; then
  tar -C "$tree" --create --numeric-owner --xattrs --xattrs-include='*' --acls --sort=name -b1 -f - . \
    | head -c -1024 | zstd -q -T0 "-$level" -o "$out" -f
else
  tar -C "$tree" --create --numeric-owner --xattrs --xattrs-include='*' --acls --sort=name -b1 -f - . \
    | zstd -q -T0 "-$level" -o "$out" -f
fi
