// Mounts the Ink app, and mounts it again when Ink's layout engine crashes under it.
//
// yoga-layout (Ink's layout, wasm) sometimes throws `RuntimeError: memory access out of bounds`:
// a throttled Ink redraw reads a yoga node React has already freed (same wasm module 000460e2 as
// the public reports, e.g. google-gemini/gemini-cli#14591; Ink 6.8.0 is the newest 6.x and pins
// yoga-layout ~3.2.1, the newest yoga; Ink 7/8 need Node 22 and crash the same way). It arrives
// three ways: thrown from a redraw timer (uncaughtException), from a redraw React commits while
// something dispatches (memory.onRenderError), or while a component renders (the boundary below).
// All three end here: one line on stderr, the broken Ink instance dropped, a new App mounted on
// the same memory (memory.ts: same screen, same answers, the install running on). After
// MAX_RESTARTS the error is thrown as before (live-start's recovery screen). Any other error is
// not caught: it still crashes the UI as it did.
import { render, type Instance, type RenderOptions } from 'ink';
import { Component, type ReactNode } from 'react';
import { App } from './app.tsx';
import type { UiMemory } from './memory.ts';
import type { Services } from './services.ts';
import { SCREEN_TITLES, type WizardState } from './wizard/state.ts';

export const MAX_RESTARTS = 5;

/** The yoga-layout crash, and only it (other wasm traps and every other error are not ours). */
export function isLayoutCrash(err: unknown): err is Error {
  return err instanceof WebAssembly.RuntimeError && /memory access out of bounds/.test(err.message);
}

export interface MountOptions {
  memory: UiMemory;
  services: Services;
  onExit: (state: WizardState) => void;
  render?: RenderOptions;
  maxRestarts?: number;
  /** one line per restart (default: stderr, which live-start keeps in /run/openve/ui.log) */
  log?: (line: string) => void;
  /** where uncaught exceptions are heard (default: process) */
  events?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  /** what happens to an error that is not ours (default: thrown again, uncaught, as without us) */
  rethrow?: (err: unknown) => void;
}

export interface Mounted {
  /** resolves when the wizard ends; rejects like Ink's waitUntilExit, or with the layout error
   *  after the last restart */
  done: Promise<void>;
  restarts(): number;
  /** Apps mounted so far (the first one and every re-mount) */
  mounts(): number;
  /** the Ink instance now mounted (tests) */
  instance(): Instance;
}

export function mountApp(opts: MountOptions): Mounted {
  const { memory } = opts;
  const max = opts.maxRestarts ?? MAX_RESTARTS;
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const events = opts.events ?? process;
  const stdout = opts.render?.stdout ?? process.stdout;
  let restarts = 0;
  let mounts = 0;
  let current: { instance: Instance; alive: { writable: boolean } } | null = null;
  let settle: { resolve: () => void; reject: (err: unknown) => void } | null = null;
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));

  const finish = (err?: unknown) => {
    if (!settle) return;
    const s = settle;
    settle = null;
    events.off('uncaughtException', onUncaught);
    memory.onRenderError = rethrow;
    if (err === undefined) s.resolve();
    else s.reject(err);
  };
  const rethrow =
    opts.rethrow ??
    ((err: unknown) => {
      // as if we were not listening: Node prints it and exits 1
      events.off('uncaughtException', onUncaught);
      process.nextTick(() => {
        throw err;
      });
    });

  const crashed = (err: Error, where: string) => {
    // the dying tree may throw again before it is gone: one crash, one restart
    if (!settle || !current?.alive.writable) return;
    current.alive.writable = false; // Ink draws nothing more on it (see drop)
    memory.generation++; // and its App stops acting on the memory
    const screen = memory.get().screen;
    if (restarts >= max) {
      log(
        `openve-install: the screen layout crashed again (${err.message}, ${where}) after ${restarts} restarts; giving up`,
      );
      setImmediate(() => {
        drop();
        finish(err);
      });
      return;
    }
    restarts++;
    log(
      `openve-install: the screen layout crashed (yoga-layout: ${err.message}, ${where}); ` +
        `drawing the ${SCREEN_TITLES[screen]} screen again (${restarts}/${max})` +
        (memory.installStarted ? '; the install goes on' : ''),
    );
    // after the throw has unwound: a crash inside a React commit must not re-enter React
    setImmediate(() => {
      drop();
      mount();
    });
  };

  const onUncaught = (err: unknown) => {
    if (isLayoutCrash(err)) crashed(err, 'redraw');
    else rethrow(err);
  };
  memory.onRenderError = (err) => {
    if (isLayoutCrash(err)) crashed(err, 'update');
    else rethrow(err);
  };
  events.on('uncaughtException', onUncaught);

  /** Unmounts the broken instance without drawing it: Ink is handed a stdout that now says it is
   *  not writable, so unmount() skips the final frame (which would read the freed node again). */
  function drop() {
    const c = current;
    current = null;
    if (!c) return;
    try {
      c.instance.unmount();
    } catch {
      // the tree is broken; its App no longer acts (memory.generation moved on)
    }
    c.instance.cleanup();
  }

  function mount() {
    if (!settle) return;
    memory.generation++;
    mounts++;
    const generation = memory.generation;
    const alive = { writable: true };
    const instance = render(
      <LayoutBoundary onCrash={(err) => crashed(err, 'render')}>
        <App
          initial={memory.get()}
          memory={memory}
          generation={generation}
          services={opts.services}
          onExit={opts.onExit}
        />
      </LayoutBoundary>,
      { ...opts.render, stdout: gatedStdout(stdout, alive) },
    );
    current = { instance, alive };
    instance.waitUntilExit().then(
      () => {
        if (alive.writable) finish();
      },
      (err: unknown) => {
        if (!alive.writable) return; // dropped after a crash: a new App is on its way
        if (isLayoutCrash(err)) crashed(err, 'render');
        else finish(err);
      },
    );
  }

  mount();
  return {
    done,
    restarts: () => restarts,
    mounts: () => mounts,
    instance: () => {
      if (!current) throw new Error('no Ink instance mounted');
      return current.instance;
    },
  };
}

/** The same stream, except that `writable` turns false once this mount is dropped. */
function gatedStdout(stdout: NodeJS.WriteStream, alive: { writable: boolean }): NodeJS.WriteStream {
  return new Proxy(stdout, {
    get(target, prop) {
      if (prop === 'writable')
        return alive.writable && (Reflect.get(target, prop) as boolean | undefined) !== false;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/** Catches the layout crash while the App renders; any other error goes on to Ink's boundary. */
class LayoutBoundary extends Component<
  { onCrash: (err: Error) => void; children: ReactNode },
  { error: unknown }
> {
  override state: { error: unknown } = { error: null };
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  override render() {
    const { error } = this.state;
    if (error === null) return this.props.children;
    if (!isLayoutCrash(error)) throw error;
    // told from here, after this render: React 19 under Ink's legacy root does not reliably call
    // componentDidCatch for it (seen: getDerivedStateFromError ran, componentDidCatch never did)
    setImmediate(() => this.props.onCrash(error));
    return null;
  }
}
