// The live layer (openve.squashfs, staged by assemble.ts's stageLiveLayer): every netbooted or
// CD-booted live system must take a DHCP lease of its own.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stageLiveLayer } from '../../../iso/recipe/assemble.ts';
import { ISO_DIR } from '../../../iso/recipe/recipe.ts';

describe('live layer', () => {
  it("the live system's DHCPv4 client id is its MAC (the default DUID was the same on every machine)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'live-layer-'));
    try {
      mkdirSync(path.join(dir, 'bundles'));
      writeFileSync(path.join(dir, 'bundles', 'cli.js'), '');
      const layer = path.join(dir, 'layer');
      mkdirSync(path.join(layer, 'usr/sbin'), { recursive: true });
      stageLiveLayer(layer, { dir: path.join(dir, 'bundles') });
      // the base .network comes from the live stage (live-setup.sh); a drop-in directory with
      // any other name is silently ignored by networkd
      const network = /cat > \/etc\/systemd\/network\/([\w.-]+\.network) <</.exec(
        readFileSync(path.join(ISO_DIR, 'chroot/live-setup.sh'), 'utf8'),
      )![1]!;
      const dropins = path.join(layer, 'etc/systemd/network', `${network}.d`);
      const text = readdirSync(dropins)
        .filter((f) => f.endsWith('.conf'))
        .map((f) => readFileSync(path.join(dropins, f), 'utf8'))
        .join('\n');
      expect(text).toMatch(/^\[DHCPv4\]\nClientIdentifier=mac$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
