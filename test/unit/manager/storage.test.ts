// Storage: usage of a dir storage (statfs) and of an LVM-thin pool (lvs JSON through the runner),
// content, ISO / template upload streamed with its SHA-256 checked, download with the checksum.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { testManager, type TestManager } from './helpers.ts';
import { parseLvs, lvTime } from '../../../manager/server/storage/lvm.ts';
import {
  StorageContentListSchema,
  StorageListSchema,
  UploadResultSchema,
  uploadNameProblem,
} from '../../../contracts/manager/storage.ts';

// what `lvs --reportformat json --units b --nosuffix -o ... openve` prints for a pool with two thin volumes
const LVS = JSON.stringify({
  report: [
    {
      lv: [
        {
          lv_name: 'data',
          lv_attr: 'twi-aotz--',
          lv_size: '10737418240',
          pool_lv: '',
          data_percent: '12.50',
          metadata_percent: '3.10',
          lv_time: '2026-12-01 10:00:00 +0000',
        },
        {
          lv_name: 'root',
          lv_attr: '-wi-ao----',
          lv_size: '4294967296',
          pool_lv: '',
          data_percent: '',
          metadata_percent: '',
          lv_time: '2026-12-01 09:00:00 +0000',
        },
        {
          lv_name: 'vm-600-disk-0',
          lv_attr: 'Vwi-a-tz--',
          lv_size: '1073741824',
          pool_lv: 'data',
          data_percent: '5.00',
          metadata_percent: '',
          lv_time: '2026-12-02 11:00:00 +0100',
        },
        {
          lv_name: 'ct-601-rootfs',
          lv_attr: 'Vwi-a-tz--',
          lv_size: '8589934592',
          pool_lv: 'data',
          data_percent: '1.00',
          metadata_percent: '',
          lv_time: '',
        },
      ],
    },
  ],
});

describe('lvs report', () => {
  it('gives the pool usage and its thin volumes', () => {
    const r = parseLvs(LVS, 'data');
    expect(r.pool).toEqual({
      size: 10737418240,
      dataPercent: 12.5,
      metadataPercent: 3.1,
      active: true,
    });
    expect(r.volumes.map((v) => v.name)).toEqual(['vm-600-disk-0', 'ct-601-rootfs']);
    expect(r.volumes[0]?.ctime).toBe(Date.UTC(2026, 11, 2, 10, 0, 0) / 1000);
    expect(lvTime('')).toBe(0);
  });
  it('names the field when lvs answers something else', () => {
    expect(() => parseLvs('{"report":[{"lv":[{"lv_name":1}]}]}', 'data')).toThrow(
      /lvs: report\[0\]\.lv\[0\]\.lv_name/,
    );
    expect(() => parseLvs('no json', 'data')).toThrow(/lvs: not valid JSON/);
  });
  it('file names: plain, with the extension of their content', () => {
    expect(uploadNameProblem('debian-13.iso', 'iso')).toBeNull();
    expect(uploadNameProblem('trixie.tar.zst', 'vztmpl')).toBeNull();
    expect(uploadNameProblem('../etc/passwd.iso', 'iso')).toMatch(/plain file name/);
    expect(uploadNameProblem('.hidden.iso', 'iso')).toMatch(/plain file name/);
    expect(uploadNameProblem('x.iso', 'vztmpl')).toMatch(/must end in .tar.gz/);
    expect(uploadNameProblem('.iso', 'iso')).not.toBeNull();
  });
});

describe('storage API', () => {
  let t: TestManager;
  let auth: Record<string, string>;
  const LIMIT = 64 * 1024;
  beforeAll(async () => {
    t = await testManager({ uploadLimit: LIMIT });
    auth = { authorization: `Bearer ${t.m.rootToken}` };
    writeFileSync(
      path.join(t.dir, 'storages.json'),
      JSON.stringify([
        { id: 'local', type: 'dir', path: path.join(t.dir, 'storage') },
        { id: 'local-lvm', type: 'lvmthin', vg: 'openve', pool: 'data' },
      ]),
    );
    t.runner.on({ match: ['lvs'], respond: { stdout: LVS } });
    await new Promise((r) => setTimeout(r, 1100)); // node facts are read at most once a second
  }, 60_000);
  afterAll(async () => t?.close());
  const base = () => `/api/v1/nodes/${t.node}/storage`;
  const data = (r: { body: string }) => (JSON.parse(r.body) as { data: unknown }).data;
  const errors = (r: { body: string }) =>
    (JSON.parse(r.body) as { errors: { path: string; message: string }[] }).errors;
  const upload = (query: string, payload: Buffer) =>
    t.m.app.inject({
      method: 'POST',
      url: `${base()}/local/upload?${query}`,
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      payload,
    });

  it('lists the dir storage with statfs usage and the thin pool from one lvs report', async () => {
    const r = await t.m.app.inject({ method: 'GET', url: base(), headers: auth });
    expect(r.statusCode).toBe(200);
    const list = StorageListSchema.parse(data(r));
    const local = list.find((s) => s.id === 'local');
    expect(local).toMatchObject({
      type: 'dir',
      active: true,
      content: ['images', 'rootdir', 'iso', 'vztmpl'],
    });
    expect(local!.total).toBeGreaterThan(local!.used);
    expect(local!.avail).toBeGreaterThan(0);
    expect(list.find((s) => s.id === 'local-lvm')).toEqual({
      id: 'local-lvm',
      type: 'lvmthin',
      content: ['images', 'rootdir'],
      total: 10737418240,
      used: 1342177280,
      avail: 10737418240 - 1342177280,
      active: true,
      dataPercent: 12.5,
      metadataPercent: 3.1,
    });
    const calls = t.runner.calls.filter((c) => c.argv[0] === 'lvs');
    expect(calls.at(-1)?.argv).toEqual([
      'lvs',
      '--reportformat',
      'json',
      '--units',
      'b',
      '--nosuffix',
      '-o',
      'lv_name,lv_attr,lv_size,pool_lv,data_percent,metadata_percent,lv_time',
      '--',
      'openve',
    ]);
  });

  it('lists thin volumes as images and rootdir', async () => {
    const r = await t.m.app.inject({
      method: 'GET',
      url: `${base()}/local-lvm/content`,
      headers: auth,
    });
    expect(
      StorageContentListSchema.parse(data(r)).map((v) => [v.volid, v.content, v.size]),
    ).toEqual([
      ['local-lvm:images/vm-600-disk-0', 'images', 1073741824],
      ['local-lvm:rootdir/ct-601-rootfs', 'rootdir', 8589934592],
    ]);
  });

  it('uploads an ISO streamed with its SHA-256, lists it, and downloads it with the checksum header', async () => {
    const body = Buffer.alloc(40_000, 7);
    const sha = createHash('sha256').update(body).digest('hex');
    const r = await upload(`content=iso&filename=tiny.iso&sha256=${sha.toUpperCase()}`, body);
    expect(r.statusCode, r.body).toBe(200);
    expect(UploadResultSchema.parse(data(r))).toEqual({
      volid: 'local:iso/tiny.iso',
      name: 'tiny.iso',
      size: 40_000,
      sha256: sha,
    });
    expect(readFileSync(path.join(t.dir, 'iso', 'tiny.iso')).equals(body)).toBe(true);

    const c = await t.m.app.inject({
      method: 'GET',
      url: `${base()}/local/content?content=iso`,
      headers: auth,
    });
    expect(StorageContentListSchema.parse(data(c))).toEqual([
      {
        volid: 'local:iso/tiny.iso',
        name: 'tiny.iso',
        content: 'iso',
        size: 40_000,
        format: 'iso',
        ctime: expect.any(Number),
      },
    ]);

    const d = await t.m.app.inject({
      method: 'GET',
      url: `${base()}/local/content/tiny.iso/download?content=iso`,
      headers: auth,
    });
    expect(d.statusCode).toBe(200);
    expect(d.headers['x-checksum-sha256']).toBe(sha);
    expect(d.rawPayload.equals(body)).toBe(true);

    const again = await upload('content=iso&filename=tiny.iso', body);
    expect(again.statusCode).toBe(409);
    expect(errors(again)[0]?.path).toBe('filename');
  });

  it('computes the checksum of a file it did not receive itself', async () => {
    const body = Buffer.from('a template\n');
    writeFileSync(path.join(t.dir, 'templates', 'hand.tar.gz'), body);
    const d = await t.m.app.inject({
      method: 'GET',
      url: `${base()}/local/content/hand.tar.gz/download?content=vztmpl`,
      headers: auth,
    });
    expect(d.headers['x-checksum-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('refuses a SHA-256 mismatch naming sha256, and keeps no partial file', async () => {
    const r = await upload(
      `content=vztmpl&filename=bad.tar.gz&sha256=${'0'.repeat(64)}`,
      Buffer.alloc(1000, 1),
    );
    expect(r.statusCode).toBe(400);
    expect(errors(r)[0]).toMatchObject({
      path: 'sha256',
      message: expect.stringMatching(/does not match.*not kept/),
    });
    expect(existsSync(path.join(t.dir, 'templates', 'bad.tar.gz'))).toBe(false);
    expect(readdirSync(path.join(t.dir, 'templates', '.partial'))).toEqual([]);
  });

  it('refuses an upload over the size limit and removes what was written', async () => {
    const r = await upload('content=iso&filename=big.iso', Buffer.alloc(LIMIT + 1));
    expect(r.statusCode).toBe(413);
    expect(errors(r)[0]?.path).toBe('(body)');
    expect(existsSync(path.join(t.dir, 'iso', 'big.iso'))).toBe(false);
    expect(readdirSync(path.join(t.dir, 'iso', '.partial'))).toEqual([]);
  });

  it('refuses bad names, contents and storages, every field named', async () => {
    const cases: [string, string, number][] = [
      ['content=iso&filename=..%2Fx.iso', 'filename', 400],
      ['content=iso&filename=x.tar.gz', 'filename', 400],
      ['content=images&filename=x.iso', 'content', 400],
      ['content=iso', 'filename', 400],
      ['content=iso&filename=x.iso&sha256=abc', 'sha256', 400],
    ];
    for (const [q, field, status] of cases) {
      const r = await upload(q, Buffer.from('x'));
      expect(r.statusCode, q).toBe(status);
      expect(
        errors(r).map((e) => e.path),
        q,
      ).toContain(field);
    }
    const lvm = await t.m.app.inject({
      method: 'POST',
      url: `${base()}/local-lvm/upload?content=iso&filename=x.iso`,
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      payload: Buffer.from('x'),
    });
    expect(lvm.statusCode).toBe(400);
    expect(errors(lvm)[0]).toMatchObject({
      path: 'storage',
      message: expect.stringMatching(/use 'local'/),
    });
    const nope = await t.m.app.inject({
      method: 'GET',
      url: `${base()}/nope/content`,
      headers: auth,
    });
    expect(nope.statusCode).toBe(404);
    const missing = await t.m.app.inject({
      method: 'GET',
      url: `${base()}/local/content/none.iso/download?content=iso`,
      headers: auth,
    });
    expect(missing.statusCode).toBe(404);
    expect(errors(missing)[0]?.path).toBe('name');
  });
});
