// Every screen's chrome: a header line (product, step, dry-run badge), an ASCII-bordered body of
// fixed height (so screens never jump), and one line of key hints.
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { theme } from '../theme.ts';

export interface Hint {
  key: string;
  label: string;
}

export interface FrameProps {
  title: string;
  step?: { index: number; total: number };
  dryRun?: boolean;
  hints: Hint[];
  children: ReactNode;
}

/** The hints that fit on one 80-column line, in order (two spaces between them). */
export function fitHints(hints: Hint[], width = theme.width - 1): Hint[] {
  const out: Hint[] = [];
  let used = 0;
  for (const h of hints) {
    const len = (out.length ? 3 : 1) + h.key.length + 1 + h.label.length;
    if (used + len > width) break;
    out.push(h);
    used += len;
  }
  return out;
}

export function Frame({ title, step, dryRun, hints, children }: FrameProps) {
  const right = `${step ? `Step ${step.index}/${step.total}  ` : ''}${dryRun ? '[DRY RUN]' : ''}`;
  const left = ` openve installer - ${title}`;
  const pad = Math.max(1, theme.width - left.length - right.length - 1);
  return (
    <Box flexDirection="column" width={theme.width}>
      <Text backgroundColor={theme.headerBg} color="white" bold>
        {left + ' '.repeat(pad) + right + ' '}
      </Text>
      <Box
        borderStyle={theme.border}
        flexDirection="column"
        paddingX={1}
        height={theme.bodyHeight + 2}
        width={theme.width}
      >
        {children}
      </Box>
      <Text>
        {fitHints(hints).map((h, i) => (
          <Text key={h.key + h.label}>
            {i > 0 ? '   ' : ' '}
            <Text bold color={theme.accent}>
              {h.key}
            </Text>{' '}
            {h.label}
          </Text>
        ))}
      </Text>
    </Box>
  );
}

export const BACK: Hint = { key: 'Esc', label: 'Back' };
export const QUIT: Hint = { key: 'Ctrl-C', label: 'Quit' };
