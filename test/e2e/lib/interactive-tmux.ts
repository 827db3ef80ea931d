// A terminal to drive a console from: one tmux session on its own socket at a fixed size,
// keys in with send-keys, the screen out with capture-pane, and waiting on screen text by
// polling with a deadline (never a fixed sleep as the synchronisation).
import { execFileSync, spawnSync } from 'node:child_process';

export class TmuxTerminal {
  private readonly socket: string;

  constructor(
    readonly name: string,
    readonly width = 80,
    readonly height = 24,
  ) {
    this.socket = `openve-${name}-${process.pid}`;
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Starts `argv` in a new session; the pane stays open after it exits (to read the last screen). */
  start(argv: string[], env: Record<string, string> = {}): void {
    this.tmux(
      'new-session',
      '-d',
      '-s',
      this.name,
      '-x',
      String(this.width),
      '-y',
      String(this.height),
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      ...argv,
    );
    this.tmux('set-option', '-t', this.name, 'remain-on-exit', 'on');
  }

  /** The visible screen (rows joined by newlines, trailing blanks trimmed by tmux). */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', this.name);
  }

  /** Whether the program in the pane has exited (remain-on-exit keeps the pane). */
  exited(): { dead: boolean; status: number | null } {
    const out = this.tmux(
      'display-message',
      '-p',
      '-t',
      this.name,
      '#{pane_dead} #{pane_dead_status}',
    ).trim();
    const [dead, status] = out.split(' ');
    return {
      dead: dead === '1',
      status: status !== undefined && status !== '' ? Number(status) : null,
    };
  }

  /** Named keys (Enter, Down, C-c, ...), each as tmux sends them. */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Literal text (no key-name lookup). */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.name, '-l', text);
  }

  /**
   * Polls the screen until `what` is on it (text, RegExp, or a test of the screen) and returns that
   * screen; throws with the last screen after `timeoutMs`, or at once when the pane's program exited.
   */
  async waitFor(
    what: string | RegExp | ((screen: string) => boolean),
    timeoutMs: number,
    pollMs = 100,
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.screen();
      if (
        typeof what === 'string'
          ? s.includes(what)
          : typeof what === 'function'
            ? what(s)
            : what.test(s)
      )
        return s;
      const { dead, status } = this.exited();
      if (dead)
        throw new Error(
          `the program in tmux exited (${status}) while waiting for ${String(what)}; screen:\n${s}`,
        );
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${String(what)}; screen:\n${s}`,
        );
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** Polls until the pane's program has exited: its exit status (null: none, e.g. a signal); undefined on timeout. */
  async waitExit(timeoutMs: number, pollMs = 500): Promise<number | null | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { dead, status } = this.exited();
      if (dead) return status;
      await new Promise((r) => setTimeout(r, pollMs));
    }
    return undefined;
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}

export const hasTmux = (): boolean => spawnSync('tmux', ['-V']).status === 0;
