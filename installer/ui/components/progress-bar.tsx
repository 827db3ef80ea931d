// ASCII progress bar: [##########..........]  42%
import { Text } from 'ink';
import { theme } from '../theme.ts';

export function progressBarText(ratio: number, width: number): string {
  const r = Math.max(0, Math.min(1, Number.isFinite(ratio) ? ratio : 0));
  const filled = Math.round(r * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(r * 100)).padStart(3)}%`;
}

export function ProgressBar({ ratio, width = 60 }: { ratio: number; width?: number }) {
  return <Text color={theme.accent}>{progressBarText(ratio, width)}</Text>;
}
