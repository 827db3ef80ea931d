// The payload layer of every build: the manager bundle with its launchers, its unit enabled at
// boot, and the manager's ISO/template stores pointing at /var/lib/openve/{iso,templates}.
import { describe, expect, it } from 'vitest';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stagePayloadLayer } from '../../../iso/recipe/assemble.ts';

describe('payload layer', () => {
  it('ships the manager started at boot after libvirt, with its stores linked to /var/lib/openve', () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'openve-layer-'));
    try {
      const bundles = path.join(tmp, 'bundles');
      mkdirSync(bundles);
      for (const f of ['cli.js', 'openve-manager.js', 'openve.js', 'chunk-X.js'])
        writeFileSync(path.join(bundles, f), '');
      mkdirSync(path.join(bundles, 'web/assets'), { recursive: true });
      writeFileSync(path.join(bundles, 'web/index.html'), '<!doctype html>');
      writeFileSync(path.join(bundles, 'web/assets/app-0123abcd.js'), '');
      const dir = path.join(tmp, 'layer');
      mkdirSync(dir);
      const added = stagePayloadLayer(dir, { dir: bundles });
      expect(added).toContain('/usr/lib/openve/openve-manager.js');
      // the web interface beside the manager bundle, where manager/server/web.ts looks
      expect(existsSync(path.join(dir, 'usr/lib/openve/web/index.html'))).toBe(true);
      expect(existsSync(path.join(dir, 'usr/lib/openve/web/assets/app-0123abcd.js'))).toBe(true);
      const unit = path.join(dir, 'etc/systemd/system/openve-manager.service');
      expect(readFileSync(unit, 'utf8')).toMatch(/After=.*libvirtd\.service/);
      // in a cluster the manager keeps libvirt's TLS files (migration over qemu+tls://) current
      expect(readFileSync(unit, 'utf8')).toMatch(
        /^ExecStart=\/usr\/bin\/node \/usr\/lib\/openve\/openve-manager-run\.js --libvirt-pki \/etc\/pki$/m,
      );
      expect(
        readlinkSync(
          path.join(dir, 'etc/systemd/system/multi-user.target.wants/openve-manager.service'),
        ),
      ).toBe('/etc/systemd/system/openve-manager.service');
      // guests shut down with the node (stopped before the manager, libvirtd and lxc)
      const guests = readFileSync(
        path.join(dir, 'etc/systemd/system/openve-guests.service'),
        'utf8',
      );
      expect(guests).toMatch(/^After=.*libvirtd\.service.*lxc\.service.*openve-manager\.service$/m);
      expect(guests).toMatch(/^ExecStop=\/usr\/lib\/openve\/openve-guests stop$/m);
      expect(
        readlinkSync(
          path.join(dir, 'etc/systemd/system/multi-user.target.wants/openve-guests.service'),
        ),
      ).toBe('/etc/systemd/system/openve-guests.service');
      for (const f of ['usr/sbin/openve-manager', 'usr/bin/openve', 'usr/lib/openve/openve-guests'])
        expect(statSync(path.join(dir, f)).mode & 0o111).not.toBe(0);
      const launcher = readFileSync(path.join(dir, 'usr/lib/openve/openve-manager-run.js'), 'utf8');
      expect(launcher).toContain("from './openve-manager.js'");
      for (const store of ['iso', 'templates']) {
        expect(readlinkSync(path.join(dir, 'var/lib/openve/manager', store))).toBe(`../${store}`);
        expect(existsSync(path.join(dir, 'var/lib/openve', store))).toBe(true);
      }
      // no certificate or key in the image: each node makes its own at the manager's first start
      expect(existsSync(path.join(dir, 'var/lib/openve/manager/tls'))).toBe(false);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
