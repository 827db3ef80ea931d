// The one template pipeline: every rendered file (/etc/network/interfaces, fstab, corosync.conf,
// ...) goes through createRenderer, which checks each value before it reaches a template. Config
// files are line-oriented, so a value with a newline or control character could inject lines (a
// second `address`, a stray fstab entry, another corosync node). The Handlebars flavour (the
// precompiled runtime in the installer, the compiler on the node) is the caller's choice.

/** A template input value that cannot break out of its line. */
export class UnsafeTemplateValue extends Error {}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f]/;

/** Throws UnsafeTemplateValue naming the first value (`name.nodes[1].address`) that is not safe. */
export function checkTemplateData(value: unknown, where: string): void {
  if (typeof value === 'string') {
    if (UNSAFE.test(value))
      throw new UnsafeTemplateValue(`${where}: contains a line break or control character`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkTemplateData(v, `${where}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkTemplateData(v, `${where}.${k}`);
  } else if (value !== null && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new UnsafeTemplateValue(`${where}: unsupported value`);
  }
}

export type TemplateFn = (data: object) => string;

/** A render(name, data) that compiles each template once (via `compile`) and guards every value. */
export function createRenderer<N extends string>(compile: (name: N) => TemplateFn) {
  const compiled = new Map<N, TemplateFn>();
  return (name: N, data: Record<string, unknown>): string => {
    checkTemplateData(data, name);
    let fn = compiled.get(name);
    if (!fn) {
      fn = compile(name);
      compiled.set(name, fn);
    }
    return fn(data);
  };
}
