// The one parser of `lsblk -J` output, whatever columns were asked for (-O for detection,
// NAME,PATH,LABEL,FSTYPE for the answer partition, NAME,TYPE,MOUNTPOINTS at apply time).
// Columns not asked for read as empty. Pure: tested against recorded samples.
import { bool, num, str, type Json } from './fields.ts';

/** One lsblk row; `children` are the rows lsblk nested under it (partitions, LVs). */
export interface LsblkNode {
  name: string;
  kname: string;
  path: string;
  type: string;
  size: number;
  model: string;
  serial: string;
  vendor: string;
  wwn: string;
  tran: string;
  rota: boolean;
  rm: boolean;
  ro: boolean;
  logSec: number;
  label: string;
  fstype: string;
  pttype: string;
  hctl: string;
  pkname: string;
  /** mounted at / used as swap (`[SWAP]`) */
  mountpoints: string[];
  children: LsblkNode[];
}

/** One lsblk row, flattened out of the tree; `parent` is the kname of the row it hung under. */
export interface LsblkRow extends Omit<LsblkNode, 'children'> {
  parent: string | null;
}

function node(d: Json): LsblkNode {
  return {
    name: str(d.name),
    kname: str(d.kname) || str(d.name),
    path: str(d.path) || `/dev/${str(d.name)}`,
    type: str(d.type),
    size: num(d.size),
    model: str(d.model),
    serial: str(d.serial),
    vendor: str(d.vendor),
    wwn: str(d.wwn),
    tran: str(d.tran),
    rota: bool(d.rota),
    rm: bool(d.rm),
    ro: bool(d.ro),
    logSec: num(d['log-sec']) || 512,
    label: str(d.label),
    fstype: str(d.fstype),
    pttype: str(d.pttype),
    hctl: str(d.hctl),
    pkname: str(d.pkname),
    mountpoints: (Array.isArray(d.mountpoints) ? d.mountpoints : [d.mountpoint])
      .map(str)
      .filter(Boolean),
    children: Array.isArray(d.children) ? (d.children as Json[]).map(node) : [],
  };
}

/** The device tree as lsblk nested it. Throws SyntaxError on text that is not JSON. */
export function parseLsblkTree(text: string): LsblkNode[] {
  const doc = JSON.parse(text) as { blockdevices?: unknown };
  return Array.isArray(doc?.blockdevices) ? (doc.blockdevices as Json[]).map(node) : [];
}

/** Every row of the tree, parents before their children. */
export function parseLsblk(text: string): LsblkRow[] {
  const rows: LsblkRow[] = [];
  const walk = (list: LsblkNode[], parent: string | null) => {
    for (const { children, ...row } of list) {
      rows.push({ ...row, parent });
      walk(children, row.kname);
    }
  };
  walk(parseLsblkTree(text), null);
  return rows;
}
