// Keyboard layouts by Proxmox id: the answer file's table (answers/locales.ts).
import { KEYBOARDS } from '../../../contracts/answers/locales.ts';

export interface Choice {
  value: string;
  label: string;
}

export const keyboards: Choice[] = Object.entries(KEYBOARDS).map(([value, k]) => ({
  value,
  label: `${k.name} (${value})`,
}));
