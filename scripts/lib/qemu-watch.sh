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

# qemu_keep_crashed LOG: keeps a dead boot's console as *.crashed.log (the next boot writes LOG anew)
qemu_keep_crashed() {
  mv "$1" "${1%.log}.crashed.log"
}

# qemu_running PID: the process exists and is not a zombie waiting for whoever adopted it
qemu_running() {
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || true
  [ -n "$state" ] && [ "$state" != Z ]
}

# qemu_kill PID: SIGKILL, then back once it no longer runs (at most ~5 s; the signal is asynchronous)
qemu_kill() {
  kill -9 "$1" 2>/dev/null || true
  for _ in $(seq 1 50); do
    qemu_running "$1" || return 0
    sleep 0.1
  done
}

# qemu_watch PIDFILE SERIAL SECONDS: waits for the daemonized QEMU named by PIDFILE to exit.
# 0 when it exited by itself, 2 when its guest's kernel died, 1 after SECONDS; in both of the
# latter QEMU is killed.
qemu_watch() {
  local pid waited=0
  pid=$(cat "$1")
  while qemu_running "$pid"; do
    if [ -n "$(qemu_crash_line "$2")" ]; then
      qemu_kill "$pid"
      return 2
    fi
    if [ "$waited" -ge "$3" ]; then
      qemu_kill "$pid"
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}
