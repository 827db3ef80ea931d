// The bytes a qcow2 image really holds on the host: a guest that must leave its disk blank is
// checked by comparing this before and after (the fleet e2e's unmatched machines).
import * as z from 'zod';
import { realRunner } from '../../../lib/exec/runner.ts';
import { parseJson } from '../../../contracts/json.ts';

export async function qcow2ActualSize(disk: string): Promise<number> {
  const info = await realRunner().run(['qemu-img', 'info', '--output=json', disk]);
  return parseJson(z.looseObject({ 'actual-size': z.number() }), info.stdout, 'qemu-img info')[
    'actual-size'
  ];
}
