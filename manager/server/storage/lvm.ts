// LVM's JSON report (`lvs --reportformat json --units b --nosuffix`) -> the thin pool's usage and
// its thin volumes. Pure; the report is parsed with zod (it crosses a process boundary).
import * as z from 'zod';
import { parseJson } from '../../../contracts/json.ts';

/** the fields asked of lvs, in this order */
export const LVS_FIELDS = 'lv_name,lv_attr,lv_size,pool_lv,data_percent,metadata_percent,lv_time';

export function lvsArgv(vg: string): string[] {
  return [
    'lvs',
    '--reportformat',
    'json',
    '--units',
    'b',
    '--nosuffix',
    '-o',
    LVS_FIELDS,
    '--',
    vg,
  ];
}

const LvSchema = z.object({
  lv_name: z.string(),
  lv_attr: z.string(),
  lv_size: z.string(),
  pool_lv: z.string().default(''),
  data_percent: z.string().default(''),
  metadata_percent: z.string().default(''),
  lv_time: z.string().default(''),
});
const ReportSchema = z.object({ report: z.array(z.object({ lv: z.array(LvSchema) })) });

export interface ThinPool {
  size: number;
  dataPercent: number;
  metadataPercent: number;
  active: boolean;
}

export interface ThinVolume {
  name: string;
  size: number;
  /** bytes written to it (its data percent of its size): what it takes of the pool */
  used: number;
  /** unix seconds, 0 when LVM does not say */
  ctime: number;
}

const num = (s: string) => (s.trim() === '' ? 0 : Number(s));

/** `2026-12-02 11:00:00 +0000` -> unix seconds; 0 when absent or unreadable */
export function lvTime(s: string): number {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) ([+-]\d\d)(\d\d)$/.exec(s.trim());
  const t = m ? Date.parse(`${m[1]}T${m[2]}${m[3]}:${m[4]}`) : NaN;
  return Number.isFinite(t) ? Math.floor(t / 1000) : 0;
}

/** the pool `pool` of the report and the thin volumes in it */
export function parseLvs(
  text: string,
  pool: string,
): { pool: ThinPool | null; volumes: ThinVolume[] } {
  const lvs = parseJson(ReportSchema, text, 'lvs').report.flatMap((r) => r.lv);
  const p = lvs.find((lv) => lv.lv_name === pool);
  return {
    pool: p
      ? {
          size: num(p.lv_size),
          dataPercent: num(p.data_percent),
          metadataPercent: num(p.metadata_percent),
          // lv_attr: the 5th character is the state, 'a' = active
          active: p.lv_attr[4] === 'a',
        }
      : null,
    volumes: lvs
      .filter((lv) => lv.pool_lv === pool && lv.lv_attr.startsWith('V'))
      .map((lv) => ({
        name: lv.lv_name,
        size: num(lv.lv_size),
        used: Math.round((num(lv.lv_size) * num(lv.data_percent)) / 100),
        ctime: lvTime(lv.lv_time),
      })),
  };
}
