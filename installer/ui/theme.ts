// Styling apart from the views (as in @inkjs/ui): 16-colour names only, ASCII borders, so the
// screens read the same on a plain Linux console (no true colour, no box-drawing font needed).
export const theme = {
  width: 80,
  /** lines inside the frame; header + frame (2 border lines) + footer stay within 23 of 24 rows */
  bodyHeight: 19,
  /** columns inside the frame (80 - 2 borders - 2 padding) */
  inner: 76,
  border: 'classic' as const, // + - |
  accent: 'cyan',
  focus: 'cyan',
  label: 'white',
  muted: 'gray',
  warn: 'yellow',
  error: 'red',
  ok: 'green',
  headerBg: 'blue',
} as const;
