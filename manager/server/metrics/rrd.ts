// A small round-robin store for one series (the node, or one guest): fixed rows per resolution, so
// its size on disk is fixed. Every sample goes into all three tiers; a tier's row holds the
// average of the samples in its step so far. Pure (time is passed in); (de)serialized as binary.
import type { Timeframe } from '../../../contracts/manager/metrics.ts';

export const TIERS: Readonly<Record<Timeframe, { step: number; rows: number }>> = {
  hour: { step: 10, rows: 360 },
  day: { step: 60, rows: 1440 },
  week: { step: 600, rows: 1008 },
};
const ORDER: Timeframe[] = ['hour', 'day', 'week'];
const MAGIC = 0x4f565231; // 'OVR1'

interface Tier {
  step: number;
  rows: number;
  /** the bucket (time / step) of each row; 0 = empty */
  buckets: Uint32Array;
  /** rows x fields */
  values: Float32Array;
  /** the bucket being filled and the sums over its samples */
  current: number;
  count: number;
  sums: Float64Array;
}

export class Series {
  readonly tiers: Record<Timeframe, Tier>;
  /** unix seconds of the last sample */
  last = 0;
  constructor(readonly fields: number) {
    const make = (tf: Timeframe): Tier => ({
      ...TIERS[tf],
      buckets: new Uint32Array(TIERS[tf].rows),
      values: new Float32Array(TIERS[tf].rows * fields),
      current: 0,
      count: 0,
      sums: new Float64Array(fields),
    });
    this.tiers = { hour: make('hour'), day: make('day'), week: make('week') };
  }

  add(time: number, values: readonly number[]): void {
    if (values.length !== this.fields) throw new Error(`expected ${this.fields} values`);
    if (time <= this.last) return;
    this.last = time;
    for (const tf of ORDER) {
      const t = this.tiers[tf];
      const bucket = Math.floor(time / t.step);
      if (bucket !== t.current) {
        t.current = bucket;
        t.count = 0;
        t.sums.fill(0);
      }
      t.count++;
      const row = bucket % t.rows;
      t.buckets[row] = bucket;
      for (let i = 0; i < this.fields; i++) {
        t.sums[i] = (t.sums[i] as number) + (values[i] as number);
        t.values[row * this.fields + i] = (t.sums[i] as number) / t.count;
      }
    }
  }

  /** the rows of `tf` within its span before `now`, oldest first: [time, ...values] */
  rows(tf: Timeframe, now: number): number[][] {
    const t = this.tiers[tf];
    const end = Math.floor(now / t.step);
    const out: number[][] = [];
    for (let b = end - t.rows + 1; b <= end; b++) {
      if (b <= 0) continue;
      const row = b % t.rows;
      if (t.buckets[row] !== b) continue;
      const v = [b * t.step];
      for (let i = 0; i < this.fields; i++) v.push(t.values[row * this.fields + i] as number);
      out.push(v);
    }
    return out;
  }

  /** fixed size for a given field count: the file never grows */
  serialize(): Buffer {
    const parts: Buffer[] = [];
    const head = Buffer.alloc(16);
    head.writeUInt32LE(MAGIC, 0);
    head.writeUInt32LE(this.fields, 4);
    head.writeDoubleLE(this.last, 8);
    parts.push(head);
    for (const tf of ORDER) {
      const t = this.tiers[tf];
      const h = Buffer.alloc(8);
      h.writeUInt32LE(t.current, 0);
      h.writeUInt32LE(t.count, 4);
      parts.push(
        h,
        Buffer.from(t.sums.buffer.slice(0)),
        Buffer.from(t.buckets.buffer.slice(0)),
        Buffer.from(t.values.buffer.slice(0)),
      );
    }
    return Buffer.concat(parts);
  }

  static byteLength(fields: number): number {
    return 16 + ORDER.reduce((a, tf) => a + 8 + fields * 8 + TIERS[tf].rows * (4 + 4 * fields), 0);
  }

  /** null when `buf` is not a series of `fields` fields (damaged, or another version) */
  static parse(buf: Buffer, fields: number): Series | null {
    if (buf.length !== Series.byteLength(fields)) return null;
    if (buf.readUInt32LE(0) !== MAGIC || buf.readUInt32LE(4) !== fields) return null;
    const s = new Series(fields);
    s.last = buf.readDoubleLE(8);
    let off = 16;
    const copy = (n: number) => {
      const b = new Uint8Array(n);
      buf.copy(b, 0, off, off + n);
      off += n;
      return b.buffer;
    };
    for (const tf of ORDER) {
      const t = s.tiers[tf];
      t.current = buf.readUInt32LE(off);
      t.count = buf.readUInt32LE(off + 4);
      off += 8;
      t.sums.set(new Float64Array(copy(fields * 8)));
      t.buckets.set(new Uint32Array(copy(t.rows * 4)));
      t.values.set(new Float32Array(copy(t.rows * 4 * fields)));
    }
    return s;
  }
}
