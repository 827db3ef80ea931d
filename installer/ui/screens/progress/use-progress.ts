// Progress: no keys of its own (Ctrl-C is the App's); a clock for the elapsed time.
import { useEffect, useState } from 'react';

export function useElapsed(startedAt: number | null, running: boolean, now: () => number): number {
  const [t, setT] = useState(now);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setT(now()), 1000);
    return () => clearInterval(timer);
  }, [running, now]);
  return startedAt === null ? 0 : Math.max(0, t - startedAt);
}
