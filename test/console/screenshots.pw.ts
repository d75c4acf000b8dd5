import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { control, signIn, world } from './world/world';

/**
 * The README's screenshots (docs/screenshots/*.png), one per page: `npm run screenshots`.
 * Not part of `npm test` (a test run must not change tracked files).
 */
test.describe.configure({ mode: 'serial' });
test.use({ baseURL: process.env['DW_CONSOLE_WORLD'] ? world().url : undefined, viewport: { width: 1200, height: 820 } });
test.skip(!process.env['DW_SCREENSHOTS'], 'screenshots are taken by `npm run screenshots` only');

const dir = join(__dirname, '..', '..', 'docs', 'screenshots');

test('one screenshot per page', async ({ page }) => {
  mkdirSync(dir, { recursive: true });
  const shot = async (name: string) => {
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true, animations: 'disabled' });
  };
  await page.goto('/ui/');
  await shot('sign-in');
  await signIn(page, world().tokens.operator);
  expect((await control('/incident/trigger')).status).toBe(202);
  await expect(page.locator('[data-frozen="true"]')).toBeVisible();
  await expect(page.locator('table.drifts tbody tr')).toHaveCount(6);
  await shot('drifts');
  await page.goto(`/ui/#/drifts/${world().drifts.suspicious}`);
  await expect(page.locator('ol.timeline')).toBeVisible();
  await shot('drift');
  await page.goto('/ui/#/freeze');
  await expect(page.getByRole('heading', { name: 'Active sources' })).toBeVisible();
  await shot('freeze');
  await page.goto('/ui/#/exceptions');
  await expect(page.getByRole('heading', { name: 'New exception' })).toBeVisible();
  await shot('exceptions');
  await page.goto(`/ui/#/audit?drift=${world().drifts.reverted}`);
  await expect(page.locator('table.audit tbody tr').first()).toBeVisible();
  await shot('audit');
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(`/ui/#/drifts/${world().drifts.viewer}`);
  await expect(page.locator('ol.timeline')).toBeVisible();
  await page.screenshot({ path: join(dir, 'drift-360px.png'), animations: 'disabled' });
  expect((await control('/incident/resolve')).status).toBe(202);
});
