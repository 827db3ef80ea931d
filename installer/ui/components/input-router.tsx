// One stdin subscription for the whole app (in App), routed to the current screen's handler.
// A screen registers its handler while it renders, so by the time its first frame is on the
// terminal it already receives keys: no key is lost to a not-yet-run effect after a screen change.
import type { Key } from 'ink';
import { createContext, useContext, useRef, type MutableRefObject } from 'react';

export type InputHandler = (input: string, key: Key) => void;

export const InputRouter = createContext<MutableRefObject<InputHandler | null> | null>(null);

export function useInputRouter(): MutableRefObject<InputHandler | null> {
  return useRef<InputHandler | null>(null);
}

/** Same shape as ink's useInput; the handler is the screen's while it is the rendered screen. */
export function useScreenInput(handler: InputHandler, options: { isActive?: boolean } = {}): void {
  const router = useContext(InputRouter);
  if (router && options.isActive !== false) router.current = handler;
}
