// openve-install detect [--json] [--bring-up] [--hardware FILE]: the HardwareProfile of this machine,
// readable or as exact JSON (the JSON is what `--hardware FILE` replays). --bring-up brings down
// NICs up to read their link (the live system does this); --hardware shows a recorded profile.
import { LINK_WAIT_MS, detectHardware } from '../hardware/detect.ts';
import { formatProfile } from '../hardware/summary.ts';
import type { HardwareProfile } from '../../contracts/hardware/types.ts';
import { parseCommandArgs } from '../../lib/args.ts';

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('detect', args, {
    json: { type: 'boolean', default: false },
    hardware: { type: 'string' },
    'bring-up': { type: 'boolean', default: false },
  });
  let profile: HardwareProfile;
  if (values.hardware !== undefined) {
    // zod is only loaded for recorded profiles: detection itself stays lean (bench/detect.mjs)
    const { loadHardwareFile } = await import('../hardware/fixture.ts');
    profile = loadHardwareFile(values.hardware);
  } else
    profile = await detectHardware(
      undefined,
      values['bring-up'] ? { linkWaitMs: LINK_WAIT_MS } : {},
    );
  process.stdout.write(
    values.json ? JSON.stringify(profile, null, 2) + '\n' : formatProfile(profile),
  );
  return 0;
}
