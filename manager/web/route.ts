// The page shown, from the URL's hash (#/node/N/vm/100/console): bookmarkable, back button works,
// and a console opened in its own window is the same app at #/console/...
export type Route =
  | { page: 'cluster' }
  | { page: 'node'; node: string; tab?: string }
  | { page: 'create'; node: string; kind: 'vm' | 'ct' }
  | { page: 'guest'; node: string; kind: 'vm' | 'ct'; id: number; tab?: string }
  | { page: 'console'; node: string; kind: 'vm' | 'ct'; id: number; console: ConsoleKind };

export type ConsoleKind = 'serial' | 'vnc' | 'ct';

const SEG = /^[A-Za-z0-9._-]+$/;

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '')
    .map((p) => decodeURIComponent(p));
  if (!parts.every((p) => SEG.test(p))) return { page: 'cluster' };
  const [a, node, b, c, d] = parts;
  const kindOf = (k: string | undefined) => (k === 'vm' || k === 'ct' ? k : null);
  if (a === 'node' && node) {
    if (b === 'create' && kindOf(c)) return { page: 'create', node, kind: kindOf(c)! };
    const kind = kindOf(b);
    const id = Number(c);
    if (kind && Number.isInteger(id) && id > 0)
      return d ? { page: 'guest', node, kind, id, tab: d } : { page: 'guest', node, kind, id };
    return b ? { page: 'node', node, tab: b } : { page: 'node', node };
  }
  if (a === 'console' && node) {
    const kind = kindOf(b);
    const id = Number(c);
    const cons = d === 'serial' || d === 'vnc' || d === 'ct' ? d : null;
    if (kind && cons && Number.isInteger(id) && id > 0)
      return { page: 'console', node, kind, id, console: cons };
  }
  return { page: 'cluster' };
}

export function hrefOf(r: Route): string {
  const e = encodeURIComponent;
  switch (r.page) {
    case 'cluster':
      return '#/';
    case 'node':
      return `#/node/${e(r.node)}${r.tab ? `/${e(r.tab)}` : ''}`;
    case 'create':
      return `#/node/${e(r.node)}/create/${r.kind}`;
    case 'guest':
      return `#/node/${e(r.node)}/${r.kind}/${r.id}${r.tab ? `/${e(r.tab)}` : ''}`;
    case 'console':
      return `#/console/${e(r.node)}/${r.kind}/${r.id}/${r.console}`;
  }
}
