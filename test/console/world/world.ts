import { execFileSync } from 'node:child_process';
import { expect, type Page } from '@playwright/test';
import type { WorldInfo } from './console-world';

export function world(): WorldInfo {
  const raw = process.env['DW_CONSOLE_WORLD'];
  if (!raw) throw new Error('DW_CONSOLE_WORLD is not set: run the suite with its config (npx playwright test -c test/console)');
  return JSON.parse(raw) as WorldInfo;
}

/** Debian's chromium (apt-get install chromium), or CHROMIUM_PATH; null when there is none. */
export function chromiumPath(): string | null {
  if (process.env['CHROMIUM_PATH']) return process.env['CHROMIUM_PATH'];
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim() || null;
    } catch {
      /* not this one */
    }
  }
  return null;
}

/**
 * Chromium's switches for a headless run that talks to nothing but the page's server. Each launch
 * gets a fresh, empty profile: Playwright makes a new user-data-dir for every browser it launches
 * (and refuses one passed here).
 */
export function chromiumArgs(): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ];
}

export async function signIn(page: Page, token: string): Promise<void> {
  await page.goto('/ui/');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
}

export async function control(path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${world().control}${path}`, { method: 'POST', signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new Error(`world control ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as { status: number; body: unknown };
}
