import { describe, expect, it } from 'vitest';
import {
  parseBootParams,
  parseKernelCmdline,
  splitKernelCmdline,
} from '../../../installer/locate/cmdline.ts';

const FP = 'ab'.repeat(32);
const FP_CANON = Array(32).fill('AB').join(':');

describe('kernel command line', () => {
  it('splits on spaces and keeps quoted values together', () => {
    expect(splitKernelCmdline('BOOT_IMAGE=/live/vmlinuz boot=live  quiet x="a b" "c d"\n')).toEqual(
      ['BOOT_IMAGE=/live/vmlinuz', 'boot=live', 'quiet', 'x=a b', 'c d'],
    );
    const p = parseKernelCmdline('a=1 b a=2');
    expect(p.get('a')).toBe('2');
    expect(p.get('b')).toBe('');
  });

  it('reads openve.answer URL, fingerprint (normalized) and flags', () => {
    const b = parseBootParams(
      `boot=live openve.answer=https://10.0.0.1:8443/answer?mac=1 openve.answer-fingerprint=${FP} openve.confirm-wipe=1 openve.auto`,
    );
    expect(b).toEqual({
      answerUrl: 'https://10.0.0.1:8443/answer?mac=1',
      answerFingerprint: FP_CANON,
      confirmWipe: true,
      auto: true,
      issues: [],
    });
  });

  it('accepts a source keyword instead of a URL', () => {
    expect(parseBootParams('openve.answer=partition').answerMode).toBe('partition');
    expect(parseBootParams('openve.answer=http').answerMode).toBe('http');
  });

  it('defaults: nothing asked, no wipe confirmation', () => {
    expect(parseBootParams('boot=live quiet')).toEqual({
      confirmWipe: false,
      auto: false,
      issues: [],
    });
    expect(parseBootParams('openve.confirm-wipe=0').confirmWipe).toBe(false);
  });

  it('reports malformed openve parameters by name, with what is valid', () => {
    const b = parseBootParams(
      'openve.answer=ftp://x/a openve.answer-fingerprint=12:34 openve.confirm-wipe=maybe',
    );
    expect(b.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'kernel parameter openve.confirm-wipe: expected 1 or 0, got "maybe"',
      'kernel parameter openve.answer: expected an http:// or https:// URL, or one of iso, partition, http; got "ftp://x/a"',
      'kernel parameter openve.answer-fingerprint: expected a SHA-256 certificate fingerprint (64 hex digits, colons optional), got "12:34"',
    ]);
    expect(b.confirmWipe).toBe(false);
  });
});
