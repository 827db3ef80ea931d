// Screen state readable synchronously from input handlers: keys that arrive in one burst (a paste,
// tmux send-keys, a fast typist) each see the state left by the previous key, not a stale render.
import { useCallback, useRef, useState } from 'react';

export function useSyncState<T>(init: () => T): [T, () => T, (next: T) => void] {
  const [state, setState] = useState(init);
  const ref = useRef(state);
  const get = useCallback(() => ref.current, []);
  const set = useCallback((next: T) => {
    ref.current = next;
    setState(next);
  }, []);
  return [state, get, set];
}
