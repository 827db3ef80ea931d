// Credentials inside URLs (first-boot and webhook URLs): `https://user:pass@host/...` and tokens in
// the query (`?token=...`, `&api_key=...`) are secrets like passwords (DESIGN 3). These helpers
// find them (for redaction and the argv guard) and print a URL without them.

/** Query parameter names whose values are credentials. */
const SECRET_PARAM = /token|key|secret|pass|pwd|auth|sig|cred|session|code/i;

/** The URL as it may be printed: user info and credential query values replaced by '***'. Works on any string. */
export function redactUrl(url: string): string {
  return url
    .replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@')
    .replace(/([?&;])([^=&;#]*)=([^&;#]*)/g, (m, sep: string, name: string) =>
      SECRET_PARAM.test(name) ? `${sep}${name}=***` : m,
    );
}

export const hasUrlSecrets = (url: string): boolean => redactUrl(url) !== url;

/** The secret parts of a URL, raw and percent-decoded, for value-based redaction. */
export function urlSecrets(url: string): string[] {
  const out: string[] = [];
  const userinfo = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)@/.exec(url)?.[1];
  if (userinfo) out.push(userinfo, ...userinfo.split(':'));
  for (const m of url.matchAll(/[?&;]([^=&;#]*)=([^&;#]*)/g))
    if (SECRET_PARAM.test(m[1]!)) out.push(m[2]!);
  const decoded = out.flatMap((s) => {
    try {
      return [decodeURIComponent(s)];
    } catch {
      return [];
    }
  });
  return [...new Set([...out, ...decoded])].filter((s) => s.length > 0);
}
