// Screen state readable synchronously from input handlers: keys that arrive in one burst (a paste,
// tmux send-keys, a fast typist) each see the state left by the previous key, not a stale render.
// Under the App it is also kept in the UI's memory (memory.ts): a screen mounted again after a
// layout crash (mount.tsx) comes back with what was typed, where the cursor was.
import { createContext, useCallback, useContext, useRef, useState } from 'react';

export interface ScreenSlot {
  load(): { value: unknown } | undefined;
  save(value: unknown): void;
}

export const ScreenMemory = createContext<ScreenSlot | null>(null);

export function useSyncState<T>(init: () => T): [T, () => T, (next: T) => void] {
  const slot = useContext(ScreenMemory);
  const [state, setState] = useState(() => {
    const kept = slot?.load();
    return kept ? (kept.value as T) : init();
  });
  const ref = useRef(state);
  const get = useCallback(() => ref.current, []);
  const set = useCallback(
    (next: T) => {
      ref.current = next;
      slot?.save(next);
      setState(next);
    },
    [slot],
  );
  return [state, get, set];
}
