// Terminal keys as the installer understands them. Ink reports the console's Backspace (0x7f) as
// `delete`; on a Linux console both mean "erase left", as in @inkjs/ui's TextInput.
import type { Key } from 'ink';

export type KeyPress =
  | { kind: 'text'; text: string }
  | {
      kind:
        | 'enter'
        | 'escape'
        | 'tab'
        | 'backtab'
        | 'up'
        | 'down'
        | 'left'
        | 'right'
        | 'home'
        | 'end'
        | 'pageup'
        | 'pagedown'
        | 'backspace'
        | 'space'
        | 'ctrl-c'
        | 'ctrl-u'
        | 'none';
    };

export function toKeyPress(input: string, key: Key): KeyPress {
  if (key.ctrl && input === 'c') return { kind: 'ctrl-c' };
  if (key.ctrl && input === 'u') return { kind: 'ctrl-u' };
  if (key.ctrl && input === 'a') return { kind: 'home' };
  if (key.ctrl && input === 'e') return { kind: 'end' };
  if (key.return) return { kind: 'enter' };
  if (key.escape) return { kind: 'escape' };
  if (key.tab) return { kind: key.shift ? 'backtab' : 'tab' };
  if (key.upArrow) return { kind: 'up' };
  if (key.downArrow) return { kind: 'down' };
  if (key.leftArrow) return { kind: 'left' };
  if (key.rightArrow) return { kind: 'right' };
  if (key.home) return { kind: 'home' };
  if (key.end) return { kind: 'end' };
  if (key.pageUp) return { kind: 'pageup' };
  if (key.pageDown) return { kind: 'pagedown' };
  if (key.backspace || key.delete) return { kind: 'backspace' };
  if (key.ctrl || key.meta) return { kind: 'none' };
  if (input === ' ') return { kind: 'space' };
  // strip control characters a paste may carry (keep newlines: the SSH key field splits on them)
  const text = [...input]
    .filter((c) => c === '\n' || c === '\r' || (c >= ' ' && c !== '\u007f'))
    .join('');
  return text ? { kind: 'text', text } : { kind: 'none' };
}

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/**
 * A fast typist, a paste, a serial console or tmux can deliver "text<Enter>" or several
 * Backspaces in one read, which Ink reports as one input string (and a burst of Backspaces as no
 * key at all). Split it at Enter/Tab/Backspace so "secret\tsecret\r" is two fields and a submit.
 */
export function splitInput(input: string, key: Key): [string, Key][] {
  if (input.length < 2 || key.ctrl || key.meta || !/[\r\n\t\u007f\b]/.test(input))
    return [[input, key]];
  const out: [string, Key][] = [];
  for (const part of input.split(/(\r\n|\r|\n|\t|\u007f|\b)/)) {
    if (part === '') continue;
    if (part === '\t') out.push(['', { ...NO_KEY, tab: true }]);
    else if (part === '\u007f' || part === '\b') out.push(['', { ...NO_KEY, backspace: true }]);
    else if (/^[\r\n]+$/.test(part)) out.push(['', { ...NO_KEY, return: true }]);
    else out.push([part, NO_KEY]);
  }
  return out;
}
