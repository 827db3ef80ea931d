// Debian's chromium driven by playwright-core for the browser tests (MANAGER.md §5 "Browser
// tests"): the launch flags measured here, screenshots at 1280x800 (and 390x844 when asked) into
// test-results/screenshots/, the login form and the tree's guest items of manager/web.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = path.resolve('test-results/screenshots');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
// after a viewport change the layout moves for Mantine's 200 ms transition: shoot once settled
const SETTLE_MS = 300;

export function launchChromium(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** a fresh browser session (its own cookies), the managers' self-signed certificates accepted */
export async function newSession(
  browser: Browser,
  timeoutMs = 10_000,
): Promise<{ c: BrowserContext; p: Page }> {
  const c = await browser.newContext({ ignoreHTTPSErrors: true, viewport: DESKTOP });
  c.setDefaultTimeout(timeoutMs);
  return { c, p: await c.newPage() };
}

/** `name`-1280x800.png, and `name`-390x844.png when `phone` */
export async function shots(p: Page, name: string, phone = true): Promise<void> {
  await p.screenshot({ path: path.join(SHOTS, `${name}-1280x800.png`) });
  if (!phone) return;
  await p.setViewportSize(PHONE);
  await p.waitForTimeout(SETTLE_MS);
  await p.screenshot({ path: path.join(SHOTS, `${name}-390x844.png`) });
  await p.setViewportSize(DESKTOP);
  await p.waitForTimeout(SETTLE_MS);
}

export async function login(p: Page, password: string, user = 'root'): Promise<void> {
  await p.getByLabel('User name').fill(user);
  await p.getByLabel(/^Password/).fill(password);
  await p.getByRole('button', { name: 'Log in' }).click();
}

/** a guest's item in the resource tree; inside one node's group when `node` is given */
export function treeItem(p: Page, kind: 'vm' | 'ct', id: number, node?: string) {
  const scope = node ? p.getByRole('group', { name: `Node ${node}` }) : p;
  return scope.locator(`[data-guest="${kind}-${id}"]`);
}
