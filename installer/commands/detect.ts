// openve-install detect [--json] [--hardware FILE]: the HardwareProfile of this machine, readable or
// as exact JSON (the JSON is what `--hardware FILE` replays). With --hardware it shows a recorded
// profile instead, e.g. to read a fixture.
import { detectHardware } from '../hardware/detect.ts';
import { formatProfile } from '../hardware/summary.ts';
import type { HardwareProfile } from '../hardware/types.ts';
import { parseCommandArgs } from './args.ts';

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('detect', args, {
    json: { type: 'boolean', default: false },
    hardware: { type: 'string' },
  });
  let profile: HardwareProfile;
  if (values.hardware !== undefined) {
    // zod is only loaded for recorded profiles: detection itself stays lean (bench/detect.mjs)
    const { loadHardwareFile } = await import('../hardware/fixture.ts');
    profile = loadHardwareFile(values.hardware);
  } else profile = await detectHardware();
  process.stdout.write(values.json ? JSON.stringify(profile, null, 2) + '\n' : formatProfile(profile));
  return 0;
}
