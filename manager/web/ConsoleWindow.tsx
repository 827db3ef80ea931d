// A console in a window of its own (#/console/NODE/vm/ID/serial|vnc, #/console/NODE/ct/ID/ct).
import { useEffect } from 'react';
import type { Route } from './route.ts';
import { Console } from './Console.tsx';

export function ConsoleWindow({ route }: { route: Extract<Route, { page: 'console' }> }) {
  useEffect(() => {
    document.title = `${route.kind === 'vm' ? 'VM' : 'CT'} ${route.id} console - openve`;
  }, [route]);
  return (
    <main className="console-window">
      <Console node={route.node} kind={route.kind} id={route.id} console={route.console} fill />
    </main>
  );
}
