#!/usr/bin/env bash
# The main job: build the installer ISO with the example answer embedded, install it unattended
# into a QEMU VM (SeaBIOS, TCG unless VT-x/AMD-V is available, virtio disk), boot the installed
# disk, and print where everything is. OPENVE_KEEP_VM=1 leaves the node running afterwards.
# On the node it logs in to the manager (forwarded to 127.0.0.1:OPENVE_MANAGER_PORT) with the
# example's root password and creates and starts a container and a tiny VM through its API.
# Output goes to build/ (gitignored; dist/ is rebuilt and wiped by the dev launcher and tests).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/sbin:/usr/sbin:/sbin:$PATH"
bash scripts/deps.sh

ANSWER=examples/answer.toml
ISO=$PWD/build/openve.iso
VM=$PWD/build/vm
PORT=${OPENVE_SSH_PORT:-10022}
[[ "$PORT" =~ ^[0-9]+$ ]] || { echo "main: OPENVE_SSH_PORT must be a port number" >&2; exit 2; }
MPORT=${OPENVE_MANAGER_PORT:-18006}
[[ "$MPORT" =~ ^[0-9]+$ ]] || { echo "main: OPENVE_MANAGER_PORT must be a port number" >&2; exit 2; }
mkdir -p "$VM"
start=$(date +%s)

# The ISO this prints is one a person may write to a stick: no measurement flags (openve.bench-*
# formats a disk before the answer is read). Extraction is measured inside the install itself, on
# the disk the confirmed plan wipes anyway ("Copied the system ... in S s").
node bin/openve-install.js build-iso --out "$ISO" --answer "$ANSWER" --on-first-boot examples/first-boot.sh >/dev/null
bash iso/scripts/check-clean-iso.sh "$ISO"
built=$(date +%s)

accel=(-accel tcg,thread=multi)
grep -qwE 'vmx|svm' /proc/cpuinfo && [ -w /dev/kvm ] && accel=(-accel kvm -cpu host)
DISK=$VM/disk0.qcow2
rm -f "$VM"/serial-*.log
QEMU=(qemu-system-x86_64 "${accel[@]}" -smp 2 -m 2048 -display none -monitor none
  -nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$PORT-:22,hostfwd=tcp:127.0.0.1:$MPORT-:8006"
  -drive "file=$DISK,if=virtio,format=qcow2,cache=unsafe")

# A guest whose kernel dies under multi-threaded TCG is killed and booted once more
# (scripts/lib/qemu-watch.sh); its console is kept as serial-*.crashed.log, which also says it happened.
. scripts/lib/qemu-watch.sh
# the guests run daemonized: an interrupted main job takes them down with it
stop_guests() {
  local p
  for p in "$VM/install.pid" "$VM/node.pid"; do
    [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true
  done
}
trap 'stop_guests; exit 130' INT
trap 'stop_guests; exit 143' TERM

# install_once: a blank disk, the ISO as a CD, unattended; 0 when the guest powered off by itself,
# 2 when its kernel died, 1 after 40 minutes
install_once() {
  rm -f "$DISK" "$VM/serial-install.log" "$VM/install.pid"
  qemu-img create -q -f qcow2 "$DISK" 32G
  # The installer reboots when done; -no-reboot turns that into QEMU exiting.
  "${QEMU[@]}" -serial "file:$VM/serial-install.log" -drive "file=$ISO,media=cdrom,readonly=on" \
    -boot order=dc -no-reboot -daemonize -pidfile "$VM/install.pid"
  qemu_watch "$VM/install.pid" "$VM/serial-install.log" 2400
}

echo "main: installing unattended in QEMU (serial console: $VM/serial-install.log)" >&2
rc=0; install_once || rc=$?
if [ "$rc" = 2 ]; then
  echo "main: the install boot's kernel died under multi-threaded TCG ($(qemu_crash_line "$VM/serial-install.log")); installing once more" >&2
  qemu_keep_crashed "$VM/serial-install.log"
  install_once || true
fi
installed=$(date +%s)
if ! grep -q 'OPENVE-INSTALL: OK' "$VM/serial-install.log"; then
  echo "main: the install did not finish; last lines of $VM/serial-install.log:" >&2
  tail -n 30 "$VM/serial-install.log" >&2
  exit 1
fi

boot_node() {
  rm -f "$VM/serial-node.log" "$VM/node.pid"
  "${QEMU[@]}" -serial "file:$VM/serial-node.log" -boot order=c -daemonize -pidfile "$VM/node.pid"
}
# node_died: 0 when the node's kernel died (then killed; booted once more the first time)
node_died() {
  local line
  line=$(qemu_crash_line "$VM/serial-node.log")
  [ -n "$line" ] || return 1
  qemu_kill "$(cat "$VM/node.pid")" # gone before the next boot opens its disk
  if [ -f "$VM/serial-node.crashed.log" ]; then
    echo "main: the node's kernel died again ($line)" >&2
    return 0
  fi
  echo "main: the node's kernel died under multi-threaded TCG ($line); booting it once more" >&2
  qemu_keep_crashed "$VM/serial-node.log"
  boot_node
}
# The node manager: up when it answers 401 to a request without credentials.
URL=https://127.0.0.1:$MPORT
# wait_up: SSH, then the manager; 3 when the node died on the way (and was booted again)
wait_up() {
  booted=""; managed=""
  for _ in $(seq 1 200); do
    if banner=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT && head -n 1 <&3" 2>/dev/null) && [[ "$banner" == SSH-* ]]; then
      booted=$(date +%s); break
    fi
    if node_died; then return 3; fi
    sleep 3
  done
  [ -n "$booted" ] || return 1
  for _ in $(seq 1 120); do
    code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 "$URL/api/v1/nodes" || true)
    if [ "$code" = 401 ]; then managed=$(date +%s); return 0; fi
    if node_died; then return 3; fi
    sleep 2
  done
  return 1
}

echo "main: booting the installed node (serial console: $VM/serial-node.log)" >&2
boot_node
# 3 only after the first death (the node was booted again): wait for that boot
rc=0; wait_up || rc=$?
if [ "$rc" = 3 ]; then wait_up || true; fi
guests_ok=""
if [ -n "$managed" ]; then
  echo "main: creating a container and a VM through the manager's API" >&2
  if bash scripts/main-guests.sh "$URL" "$ANSWER" >"$VM/guests.txt"; then guests_ok=1; fi
  created=$(date +%s)
fi

size=$(du -m "$ISO" | cut -f1)
echo
echo "ISO:            $ISO ($size MiB, built in $((built - start)) s)"
grep -E 'OPENVE-INSTALL' "$VM/serial-install.log" | tr -d '\r' | sed 's/^/install:        /'
grep -oE 'Copied the system[^"]*' "$VM/serial-install.log" | head -n 1 | sed 's/^/extraction:     /' || true
echo "VM disk image:  $DISK"
echo "install log:    $VM/serial-install.log (serial console of the install boot, $((installed - built)) s)"
echo "node console:   $VM/serial-node.log"
crashed=$(find "$VM" -maxdepth 1 -name 'serial-*.crashed.log' | wc -l)
[ "$crashed" = 0 ] || echo "retried:        $crashed boot(s) whose guest kernel died under multi-threaded TCG (*.crashed.log)"
if [ -n "$booted" ]; then
  echo "node:           10.0.2.15/24 inside QEMU user networking, up $((booted - installed)) s after install; total $((booted - start)) s"
  echo "ssh:            ssh -p $PORT root@127.0.0.1   (root password from $ANSWER)"
  if [ -n "$managed" ]; then
    fp=$(openssl s_client -connect "127.0.0.1:$MPORT" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)
    echo "manager:        $URL   (node port 8006, answering $((managed - booted)) s after SSH; self-signed, SHA-256 $fp)"
    grep -aoE 'openve-manager serving .*' "$VM/serial-node.log" | tr -d '\r' | head -n 1 | sed 's/^/manager start:  /' || true
    echo "login:          user root, password = root-password in $ANSWER (API tokens: openve login)"
    if [ -n "$guests_ok" ]; then
      echo "guests:         created and started through the API in $((created - managed)) s:"
    else
      echo "guests:         creating them through the API failed (the error is above); so far:" >&2
    fi
    sed 's/^/                /' "$VM/guests.txt"
    echo "total:          $((created - start)) s"
  else
    echo "manager:        did not answer on $URL; see $VM/serial-node.log" >&2
  fi
else
  echo "node:           did not answer SSH on 127.0.0.1:$PORT; see $VM/serial-node.log" >&2
fi
if [ "${OPENVE_KEEP_VM:-0}" = 1 ]; then
  echo "node VM:        running, pid $(cat "$VM/node.pid") (stop: kill $(cat "$VM/node.pid"))"
else
  kill "$(cat "$VM/node.pid")" 2>/dev/null || true
  echo "node VM:        stopped (OPENVE_KEEP_VM=1 keeps it running)"
fi
[ -n "$booted" ] && [ -n "$managed" ] && [ -n "$guests_ok" ]
