// Who is logged in, and the page for the URL: the login page, a console window, or the console.
import { lazy, Suspense, useEffect, useState } from 'react';
import { clearSession, onSessionExpired, request, session } from './api.ts';
import { Login } from './Login.tsx';
import { parseRoute, type Route } from './route.ts';
import { Shell } from './Shell.tsx';
import * as z from 'zod';

// a console in a window of its own: a chunk loaded only there
const ConsoleWindow = lazy(() =>
  import('./ConsoleWindow.tsx').then((m) => ({ default: m.ConsoleWindow })),
);

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function App() {
  const [user, setUser] = useState<string | null>(() => session()?.user ?? null);
  const [message, setMessage] = useState<string | null>(null);
  const route = useRoute();

  useEffect(() => {
    onSessionExpired(() => {
      clearSession();
      setUser(null);
      setMessage('Your session has ended (expired or logged out elsewhere): please log in again.');
    });
  }, []);

  const logout = async () => {
    try {
      await request('POST', '/access/logout', z.null());
    } catch {
      /* the session is gone either way */
    }
    clearSession();
    setMessage('You have logged out.');
    setUser(null);
  };

  if (!user)
    return (
      <Login
        message={message}
        onLogin={(u) => {
          setMessage(null);
          setUser(u);
        }}
      />
    );
  if (route.page === 'console')
    return (
      <Suspense fallback={null}>
        <ConsoleWindow route={route} />
      </Suspense>
    );
  return <Shell user={user} route={route} onLogout={logout} />;
}
