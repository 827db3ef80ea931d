// Issue paths spelled the way the TOML file spells them: `global.fqdn`, `disk-setup.disk-list[1]`,
// `network.interface-name-pinning.mapping."24:8a:07:1e:05:bc"`.
export type PathSegment = string | number;

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = BARE_KEY.test(seg) ? seg : JSON.stringify(seg);
      out += out ? `.${key}` : key;
    }
  }
  return out;
}
