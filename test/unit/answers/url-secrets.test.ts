// Credentials inside first-boot and webhook URLs are secrets (issue 10 §2): never in plan --json,
// --verbose, error messages, progress or the log; node.json on the target gets the real URL.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasUrlSecrets, redactUrl, urlSecrets } from '../../../contracts/answers/url.ts';
import { validateUrl } from '../../../contracts/answers/validators.ts';
import { planFromAnswerText } from '../../../installer/core.ts';
import { formatPlan } from '../../../installer/plan/format.ts';
import { substituteSecrets } from '../../../installer/apply/handlers/configure.ts';
import { autoInstall } from '../../../installer/commands/auto.ts';
import { loadHardwareFile } from '../../../installer/hardware/fixture.ts';
import type { HardwareProfile } from '../../../contracts/hardware/types.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BASE = readFileSync(path.join(root, 'test/golden/answers/ok/ext4-static.toml'), 'utf8');
const hardware: HardwareProfile = loadHardwareFile(
  path.join(root, 'test/fixtures/hardware/single-sata.json'),
);
const FB_URL = 'https://deploy:hunter2-fb@hooks.example.com/first-boot.sh?token=fbtok-42abc';
const HOOK_URL = 'https://hooks.example.com/done?api_key=hookkey-99xyz&node=n1';
const SECRETS = ['hunter2-fb', 'fbtok-42abc', 'hookkey-99xyz'];
const ANSWER = `${BASE}\n[first-boot]\nsource = "from-url"\nurl = "${FB_URL}"\n\n[post-installation-webhook]\nurl = "${HOOK_URL}"\n`;

describe('URL credentials', () => {
  it('redactUrl hides user info and credential query values, keeps the rest', () => {
    expect(redactUrl(FB_URL)).toBe('https://***@hooks.example.com/first-boot.sh?token=***');
    expect(redactUrl(HOOK_URL)).toBe('https://hooks.example.com/done?api_key=***&node=n1');
    expect(redactUrl('https://example.com/x?v=1')).toBe('https://example.com/x?v=1');
    expect(hasUrlSecrets('https://example.com/x?v=1')).toBe(false);
    expect(urlSecrets('https://u:p%40ss@h/?sig=a%2Fb')).toEqual(
      expect.arrayContaining(['u:p%40ss', 'p%40ss', 'p@ss', 'a%2Fb', 'a/b']),
    );
  });

  it('validate messages never echo them', () => {
    for (const bad of [
      'ftp://user:s3cret-pw@host/x',
      'https://user:s3cret-pw@/x',
      'https://user:s3cret-pw@host/a b',
      'https://h/?token=s3cret-pw"',
    ]) {
      const m = validateUrl(bad);
      expect(m, bad).not.toBeNull();
      expect(m).not.toContain('s3cret-pw');
    }
  });

  it('plan --json and --verbose hold placeholders, not the credentials', () => {
    const r = planFromAnswerText(ANSWER, hardware);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const json = JSON.stringify(r.value.plan);
    const text = formatPlan(r.value.plan, { verbose: true });
    for (const s of SECRETS) {
      expect(json).not.toContain(s);
      expect(text).not.toContain(s);
    }
    expect(json).toContain('@@SECRET:first-boot-url@@');
    expect(json).toContain('@@SECRET:webhook-url@@');
    expect(json).toContain('https://***@hooks.example.com/first-boot.sh?token=***');
  });

  it('node.json on the target gets the real URLs', () => {
    const r = planFromAnswerText(ANSWER, hardware);
    if (!r.ok) throw new Error('plan');
    const files = r.value.plan.steps.flatMap((s) => (s.kind === 'write-files' ? s.files : []));
    const node = files.find((f) => f.path.endsWith('node.json'))!;
    const { text, used } = substituteSecrets(
      node.content ?? '',
      { firstBootUrl: FB_URL, webhookUrl: HOOK_URL },
      'node.json',
    );
    const config = JSON.parse(text) as { firstBoot: { url: string }; webhook: { url: string } };
    expect(config.firstBoot.url).toBe(FB_URL);
    expect(config.webhook.url).toBe(HOOK_URL);
    expect(used).toEqual([FB_URL, HOOK_URL]);
  });

  it('auto: progress and the log never carry them', async () => {
    const lines: string[] = [];
    const dir = mkdtempSync(path.join(tmpdir(), 'openve-url-'));
    const logPath = path.join(dir, 'install.log');
    const out = await autoInstall(
      {
        answerText: ANSWER,
        answerSource: 'a.toml',
        hardware,
        payload: '/run/live/medium/openve/payload.squashfs',
        confirmed: true,
        logPath,
        firstBootHook: null,
        target: path.join(dir, 't'),
        mode: 'dry-run',
      },
      { write: (l) => lines.push(l) },
    );
    expect(out.ok).toBe(true);
    const log = readFileSync(logPath, 'utf8');
    for (const s of SECRETS) {
      expect(lines.join('')).not.toContain(s);
      expect(log).not.toContain(s);
    }
  });
});
