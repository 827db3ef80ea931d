# Sourced by scripts/main.sh: watching a daemonized QEMU guest for the kernel death that
# multi-threaded TCG causes now and then (QEMU's cross-vCPU text patching race: "Oops: int3", then
# a panic; docs/design.md "MTTCG int3 panic"). test/e2e/lib/crash.ts does the same for the tests.
# It is the host's emulator, not the system under test: the caller boots such a guest once more.

QEMU_CRASH='Oops: int3|Kernel panic - not syncing'

# qemu_crash_line LOG: the first crash line of a serial log; empty when there is none
qemu_crash_line() {
  [ -f "$1" ] || return 0
  grep -aoE "($QEMU_CRASH).*" "$1" | head -n 1 | tr -d '\r' || true
}

# qemu_running PID: the process exists and is not a zombie waiting for whoever adopted it
qemu_running() {
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || true
  [ -n "$state" ] && [ "$state" != Z ]
}

# qemu_watch PIDFILE SERIAL SECONDS: waits for the daemonized QEMU named by PIDFILE to exit.
# 0 when it exited by itself, 2 when its guest's kernel died, 1 after SECONDS; in both of the
# latter QEMU is killed.
qemu_watch() {
  local pid waited=0
  pid=$(cat "$1")
  while qemu_running "$pid"; do
    if [ -n "$(qemu_crash_line "$2")" ]; then
      kill -9 "$pid" 2>/dev/null || true
      return 2
    fi
    if [ "$waited" -ge "$3" ]; then
      kill -9 "$pid" 2>/dev/null || true
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}
