// A guest's console: a terminal (xterm.js) on the VM serial console or the container console
// WebSocket, or the VM display (noVNC) through a one-time ticket. Loaded only when opened.
import { Alert, Button, Group, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { VncTicketSchema } from '../../contracts/manager/views.ts';
import { request, wsUrl } from './api.ts';
import type { ConsoleKind } from './route.ts';

type Status =
  { state: 'connecting' } | { state: 'connected' } | { state: 'closed'; reason: string };

/** a WebSocket close as words: the manager closes with 4000 + HTTP status and `field: message` */
export function closeReason(code: number, reason: string): string {
  if (code >= 4000 && code < 5000) {
    const status = code - 4000;
    if (status === 404) return 'this node has no such console';
    return reason ? `${reason} (${status})` : `refused (${status})`;
  }
  if (code === 1000) return reason || 'closed';
  return reason || `connection lost (${code})`;
}

/** the terminal size that fits `el` for a character cell of `w` x `h` pixels */
export function fitTo(el: HTMLElement, w: number, h: number): { cols: number; rows: number } {
  return {
    cols: Math.max(20, Math.floor((el.clientWidth - 2) / w)),
    rows: Math.max(5, Math.floor(el.clientHeight / h)),
  };
}

/**
 * Fetches the console's code (noVNC or xterm.js, chunks of their own) before it is opened: the
 * Console tab calls it, so "Open console" only has to connect.
 */
export function preloadConsole(which: ConsoleKind): void {
  void (which === 'vnc' ? import('@novnc/novnc') : import('@xterm/xterm')).catch(() => {});
}

export function Console({
  node,
  kind,
  id,
  console: which,
  fill,
}: {
  node: string;
  kind: 'vm' | 'ct';
  id: number;
  console: ConsoleKind;
  fill?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<Status>({ state: 'connecting' });
  const [attempt, setAttempt] = useState(0);
  const [ctrlAltDel, setCtrlAltDel] = useState<(() => void) | null>(null);
  const base = `/nodes/${encodeURIComponent(node)}/${kind}s/${id}`;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let disposed = false;
    let cleanup = () => {};
    setStatus({ state: 'connecting' });
    if (which === 'vnc') {
      void (async () => {
        try {
          const [{ default: RFB }, t] = await Promise.all([
            import('@novnc/novnc'),
            request('POST', `${base}/vnc`, VncTicketSchema),
          ]);
          if (disposed) return;
          const rfb = new RFB(el, wsUrl(`${base}/vnc?ticket=${encodeURIComponent(t.ticket)}`));
          rfb.scaleViewport = true;
          rfb.background = '#000';
          rfb.addEventListener('connect', () => setStatus({ state: 'connected' }));
          rfb.addEventListener('disconnect', (e) => {
            const clean = (e as CustomEvent<{ clean: boolean }>).detail?.clean;
            setStatus({
              state: 'closed',
              reason: clean ? 'display closed' : 'the display connection was lost or refused',
            });
          });
          setCtrlAltDel(() => () => rfb.sendCtrlAltDel());
          cleanup = () => rfb.disconnect();
        } catch (e) {
          if (!disposed) setStatus({ state: 'closed', reason: (e as Error).message });
        }
      })();
    } else {
      void (async () => {
        const { Terminal } = await import('@xterm/xterm');
        if (disposed) return;
        // start from an estimate of the cell, then fit to the box with the cell xterm measured
        // (and again whenever the box changes size: a phone turned, a window resized)
        const term = new Terminal({
          ...fitTo(el, 8.5, 17.5),
          fontSize: 14,
          convertEol: false,
          cursorBlink: true,
          scrollback: 2000,
        });
        term.open(el);
        term.focus();
        const fit = () => {
          const screen = el.querySelector<HTMLElement>('.xterm-screen');
          if (!screen?.offsetWidth || !screen.offsetHeight) return;
          const { cols, rows } = fitTo(
            el,
            screen.offsetWidth / term.cols,
            screen.offsetHeight / term.rows,
          );
          if (cols !== term.cols || rows !== term.rows) term.resize(cols, rows);
        };
        fit();
        const ro = new ResizeObserver(fit);
        ro.observe(el);
        const ws = new WebSocket(wsUrl(`${base}/${which === 'serial' ? 'serial' : 'console'}`));
        ws.binaryType = 'arraybuffer';
        const enc = new TextEncoder();
        ws.onopen = () => setStatus({ state: 'connected' });
        ws.onmessage = (m) =>
          term.write(typeof m.data === 'string' ? m.data : new Uint8Array(m.data as ArrayBuffer));
        ws.onclose = (e) => setStatus({ state: 'closed', reason: closeReason(e.code, e.reason) });
        const sub = term.onData((d) => ws.readyState === WebSocket.OPEN && ws.send(enc.encode(d)));
        cleanup = () => {
          ro.disconnect();
          sub.dispose();
          ws.close();
          term.dispose();
        };
      })().catch((e: Error) => !disposed && setStatus({ state: 'closed', reason: e.message }));
    }
    return () => {
      disposed = true;
      cleanup();
      setCtrlAltDel(null);
    };
  }, [base, which, attempt]);

  const label = which === 'vnc' ? 'Display' : which === 'serial' ? 'Serial console' : 'Console';
  return (
    <div style={fill ? { display: 'flex', flexDirection: 'column', height: '100%' } : undefined}>
      <Group gap="xs" p={fill ? 4 : 0} mb={fill ? 0 : 'xs'} bg={fill ? 'dark.7' : undefined}>
        <Text
          size="sm"
          role="status"
          aria-live="polite"
          c={fill ? 'gray.3' : undefined}
          data-console-status={status.state}
        >
          {label}: {status.state === 'closed' ? `closed: ${status.reason}` : status.state}
        </Text>
        {status.state === 'closed' && (
          <Button size="compact-xs" variant="default" onClick={() => setAttempt((a) => a + 1)}>
            Reconnect
          </Button>
        )}
        {which === 'vnc' && ctrlAltDel && status.state === 'connected' && (
          <Button size="compact-xs" variant="default" onClick={ctrlAltDel}>
            Send Ctrl-Alt-Del
          </Button>
        )}
      </Group>
      {status.state === 'closed' && !fill && (
        <Alert color="yellow" mb="xs">
          {label} closed: {status.reason}
        </Alert>
      )}
      <div
        ref={box}
        className={fill ? undefined : 'console-box'}
        style={fill ? { flex: 1, background: '#000', overflow: 'hidden' } : undefined}
        aria-label={`${label} of ${kind === 'vm' ? 'VM' : 'container'} ${id}`}
        role="application"
        data-console={which}
      />
    </div>
  );
}
