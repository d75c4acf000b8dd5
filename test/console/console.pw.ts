import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { control, signIn, world } from './world/world';

/**
 * The web console in Debian's chromium against the real controller (world/console-world.ts).
 * Serial: the tests share one world, and some change the freeze every page shows.
 */
test.describe.configure({ mode: 'serial' });
test.use({ baseURL: process.env['DW_CONSOLE_WORLD'] ? world().url : undefined });

const banner = (page: Page) => page.getByRole('status').filter({ has: page.locator('.banner-title') });

/** Every request the page makes goes to the controller itself (no third-party asset), and no CSP violation is reported. */
function watchOrigin(page: Page): { foreign: string[]; cspErrors: string[] } {
  const seen = { foreign: [] as string[], cspErrors: [] as string[] };
  const origin = new URL(world().url).origin;
  page.on('request', (r) => {
    if (new URL(r.url()).origin !== origin) seen.foreign.push(r.url());
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) seen.cspErrors.push(m.text());
  });
  return seen;
}

test('sign-in: a refused token is said so; a good one shows who you are and the freeze', async ({ page }) => {
  const seen = watchOrigin(page);
  await page.goto('/ui/');
  await page.getByLabel('API token').fill('not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('refused (401)');
  await page.getByLabel('API token').fill(world().tokens.viewer);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.locator('.who')).toContainText('t-viewer (viewer)');
  await expect(banner(page)).toContainText('Not frozen');
  await expect(page.getByRole('link', { name: world().drifts.approve })).toBeVisible();
  // The token lives in this tab's sessionStorage only; signing out forgets it.
  expect(await page.evaluate(() => sessionStorage.getItem('driftwarden.token'))).toBe(world().tokens.viewer);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByLabel('API token')).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem('driftwarden.token'))).toBeNull();
  expect(seen.foreign).toEqual([]);
  expect(seen.cspErrors).toEqual([]);
});

test('401 handling: a token the controller no longer accepts signs the tab out with the reason', async ({ page }) => {
  await signIn(page, world().tokens.operator);
  // The token is removed from the controller's configuration (here: replaced in the tab).
  await page.evaluate(() => sessionStorage.setItem('driftwarden.token', 'revoked-token'));
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByLabel('API token')).toBeVisible();
  await expect(page.getByText('Your token was refused by the controller (401)')).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem('driftwarden.token'))).toBeNull();
});

test('the banner changes within 1 s of a PagerDuty webhook, and back when the incident resolves', async ({ page }) => {
  await signIn(page, world().tokens.viewer);
  await expect(banner(page)).toHaveAttribute('data-frozen', 'false');
  const hook = await control('/incident/trigger');
  expect(hook.status).toBe(202);
  // Measured from the webhook's answer: the transition is pushed (pub/sub → server-sent event), not polled.
  await expect(banner(page)).toHaveAttribute('data-frozen', 'true', { timeout: 1000 });
  await expect(banner(page)).toContainText('FROZEN');
  await expect(banner(page)).toContainText('Checkout API returns 502s');
  const resolved = await control('/incident/resolve');
  expect(resolved.status).toBe(202);
  await expect(banner(page)).toHaveAttribute('data-frozen', 'false', { timeout: 1000 });
});

test('freeze on and off from the console (operator), with the same audit as the API', async ({ page }) => {
  await signIn(page, world().tokens.operator);
  await page.getByRole('link', { name: 'Freeze' }).click();
  await expect(page.getByRole('heading', { name: 'Freeze manually' })).toBeVisible();
  // An admin-only control is not shown to an operator.
  await expect(page.getByRole('heading', { name: /Override incident freezes/ })).toHaveCount(0);
  await page.getByLabel('Reason (required)').fill('database migration in progress');
  await page.getByLabel(/^TTL/).fill('2h');
  await page.getByRole('button', { name: 'Freeze', exact: true }).click();
  await expect(banner(page)).toHaveAttribute('data-frozen', 'true');
  await expect(banner(page)).toContainText('database migration in progress');
  const lift = page.getByRole('button', { name: /^Lift manual freeze frz_/ });
  await expect(lift).toHaveCount(1);
  await lift.click();
  await expect(banner(page)).toHaveAttribute('data-frozen', 'false');
  await expect(page.getByText(/Manual freeze frz_\w+ lifted/)).toBeVisible();
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByLabel('Type').fill('freeze.lifted');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByRole('cell', { name: 'token:t-operator' }).first()).toBeVisible();
});

test("a freeze with a bad TTL is refused with the API's words at the field", async ({ page }) => {
  await signIn(page, world().tokens.operator);
  await page.getByRole('link', { name: 'Freeze' }).click();
  await page.getByLabel('Reason (required)').fill('x');
  await page.getByLabel(/^TTL/).fill('forever');
  await page.getByRole('button', { name: 'Freeze', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('ttl');
  await expect(banner(page)).toHaveAttribute('data-frozen', 'false');
});

test('admin override of incident freezes: at most 1 h, shown in the freeze view', async ({ page }) => {
  await signIn(page, world().tokens.admin);
  await page.getByRole('link', { name: 'Freeze' }).click();
  const form = page.locator('section.freeze-form').filter({ has: page.getByRole('heading', { name: /Override incident freezes/ }) });
  await form.getByLabel('Reason (required)').fill('rolling back the bad deploy needs auto-heal');
  await form.getByLabel(/^TTL/).fill('2h');
  await form.getByRole('button', { name: 'Create override' }).click();
  await expect(form.getByRole('alert')).toContainText('an override lasts at most 1h');
  await form.getByLabel(/^TTL/).fill('30m');
  await form.getByRole('button', { name: 'Create override' }).click();
  await expect(page.getByText(/Override ovr_\w+ of incident freezes until/)).toBeVisible();
});

test('approve as operator: the record shows the decision, who made it and its timeline', async ({ page }) => {
  const id = world().drifts.approve;
  await signIn(page, world().tokens.operator);
  await page.goto(`/ui/#/drifts/${id}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('awaiting approval');
  // Each difference in plain English, who made it and its own decision.
  const diff = page.locator('ol.differences > li').first();
  await expect(diff).toContainText('closed ingress tcp/8080 from 0.0.0.0/0');
  await expect(diff).toContainText('arn:aws:sts::111122223333:assumed-role/dev/bob');
  await expect(diff).toContainText('awaiting a human');
  await page.getByLabel('Comment (required)').fill('the partner API needs 8080 open again');
  await page.getByRole('button', { name: 'Approve (revert)' }).click();
  await expect(page.getByText(/Approved: the revert runs/)).toBeVisible();
  // The approver is on the record (the revert itself runs in the background, fenced as always).
  await expect(page.locator('dl.facts').first()).toContainText('approve by token:t-operator');
  await expect(page.locator('ol.timeline')).toContainText('api.drift.approve by token:t-operator: the partner API needs 8080 open again');
});

test('reject with a comment (and none without one)', async ({ page }) => {
  const id = world().drifts.reject;
  await signIn(page, world().tokens.operator);
  await page.goto(`/ui/#/drifts/${id}`);
  await page.getByRole('button', { name: 'Reject (leave)' }).click();
  await expect(page.getByRole('alert')).toContainText('A comment is required');
  await page.getByLabel('Comment (required)').fill('8080 stays closed: the service moved to 443');
  await page.getByRole('button', { name: 'Reject (leave)' }).click();
  await expect(page.getByText(/Rejected: the change is left as it is/)).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('rejected');
  await expect(page.locator('ol.timeline')).toContainText(
    'api.drift.reject by token:t-operator: 8080 stays closed: the service moved to 443',
  );
});

test('buttons are absent for a viewer (the API would refuse them too)', async ({ page }) => {
  await signIn(page, world().tokens.viewer);
  await page.goto(`/ui/#/drifts/${world().drifts.viewer}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('awaiting approval');
  await expect(page.getByText('your role (viewer) may not decide')).toBeVisible();
  for (const name of ['Approve (revert)', 'Adopt (backport)', 'Reject (leave)'])
    await expect(page.getByRole('button', { name })).toHaveCount(0);
  await page.getByRole('link', { name: 'Freeze' }).click();
  await expect(page.getByRole('heading', { name: 'Active sources' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Freeze', exact: true })).toHaveCount(0);
  await page.getByRole('link', { name: 'Exceptions' }).click();
  await expect(page.getByRole('heading', { name: 'Exceptions', level: 1 })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create exception' })).toHaveCount(0);
});

test('adopting a suspicious difference needs the explicit confirmation', async ({ page }) => {
  await signIn(page, world().tokens.operator);
  await page.goto(`/ui/#/drifts/${world().drifts.suspicious}`);
  await expect(page.locator('h1 .flag-suspicious')).toContainText('suspicious');
  const adopt = page.getByRole('button', { name: 'Adopt (backport)' });
  await expect(adopt).toBeDisabled();
  await page.getByLabel('Comment (required)').fill('the bastion needs 22 until Monday');
  await page.getByLabel('I confirm keeping the suspicious change (adopt)').check();
  await adopt.click();
  await expect(page.getByText(/Adopted: a backport pull request is opened/)).toBeVisible();
  await expect(page.locator('ol.timeline')).toContainText('adopted a SUSPICIOUS change');
});

test('drifts list: filters by suspicious, kind, account, region and text', async ({ page }) => {
  await signIn(page, world().tokens.viewer);
  const rows = page.locator('table.drifts tbody tr');
  await expect(rows).toHaveCount(6);
  await page.getByLabel('Text').fill('3389');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(world().drifts.reverted);
  await expect(rows.first()).toContainText('reverted');
  await page.getByRole('link', { name: 'Clear' }).click();
  await expect(rows).toHaveCount(6);
  await page.getByLabel('Kind').selectOption('AWS::EC2::SecurityGroup');
  await page.getByLabel('Region').fill('eu-west-1');
  await page.getByLabel('Account').fill('111122223333');
  await page.getByLabel('Status').selectOption('awaiting_approval');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  // approve and reject were decided, adopt-suspicious adopted by the tests above: two still wait.
  await expect(rows).toHaveCount(2);
  await page.getByLabel('Status').selectOption('');
  await page.getByLabel('Region').fill('us-east-1');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByText('No drift matches these filters.')).toBeVisible();
});

test('exceptions: an operator creates and removes one', async ({ page }) => {
  await signIn(page, world().tokens.operator);
  await page.getByRole('link', { name: 'Exceptions' }).click();
  await page.getByLabel('Resource (security group id or ARN)').fill('sg-0e1c0000000000077');
  await page.getByLabel('Reason', { exact: true }).fill('load test this week');
  await page.getByLabel('For how long (e.g. 2h, 7d)').fill('2h');
  await page.getByRole('button', { name: 'Create exception' }).click();
  await expect(page.getByRole('cell', { name: 'load test this week' })).toBeVisible();
  await page.getByRole('button', { name: 'Remove the exception for sg-0e1c0000000000077' }).click();
  await expect(page.getByText(/removed: sg-0e1c0000000000077 is evaluated again/)).toBeVisible();
  await expect(page.getByRole('cell', { name: 'load test this week' })).toHaveCount(0);
});

test('keyboard: skip link, navigation and a decision form reachable without a mouse', async ({ page }) => {
  await signIn(page, world().tokens.operator);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
  await page.getByRole('link', { name: 'Freeze' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Freeze', level: 1 })).toBeVisible();
  await page.getByLabel('Reason (required)').focus();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel(/^TTL/)).toBeFocused();
});

test('security headers: strict CSP, no framing, nothing from a third party', async ({ page }) => {
  const res = await page.request.get('/ui/');
  expect(res.status()).toBe(200);
  const h = res.headers();
  expect(h['content-security-policy']).toContain("default-src 'none'");
  expect(h['content-security-policy']).toContain("script-src 'self'");
  expect(h['content-security-policy']).toContain("style-src 'self'");
  expect(h['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(h['content-security-policy']).not.toContain('unsafe-inline');
  expect(h['x-frame-options']).toBe('DENY');
  expect(h['x-content-type-options']).toBe('nosniff');
  const html = await res.text();
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(html).not.toMatch(/\sstyle=/);
  expect((await page.request.get('/ui/assets/../../v1/drifts')).status()).not.toBe(200);
  expect((await page.request.get('/ui/assets/nope.js')).status()).toBe(404);
});

const PAGES: [string, string][] = [
  ['drifts', '#/drifts'],
  ['drift', `#/drifts/__suspicious__`],
  ['freeze', '#/freeze'],
  ['exceptions', '#/exceptions'],
  ['audit', '#/audit'],
];

for (const width of [1280, 360]) {
  test(`accessibility (axe, no serious violations) and layout at ${width} px`, async ({ page }) => {
    await page.setViewportSize({ width, height: 800 });
    await page.goto('/ui/');
    const sign = await new AxeBuilder({ page }).analyze();
    expect(sign.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    await signIn(page, world().tokens.admin);
    for (const [name, hash] of PAGES) {
      await page.goto(`/ui/${hash.replace('__suspicious__', world().drifts.suspicious)}`);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await expect(banner(page)).toHaveAttribute('data-frozen', /true|false/);
      const result = await new AxeBuilder({ page }).analyze();
      const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(serious.map((v) => `${name}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
      // Usable at 360 px: nothing wider than the screen.
      const wider = await page.evaluate(() => {
        const w = document.documentElement.clientWidth;
        return (
          [...document.querySelectorAll('body *')]
            // Content clipped by an ancestor that fits (a visually hidden table head) is not on the screen.
            .filter((e) => e.getBoundingClientRect().right > w + 0.5 && !e.closest('.visually-hidden, .skip'))
            .filter((e) => {
              for (let a = e.parentElement; a; a = a.parentElement) {
                if (getComputedStyle(a).overflow !== 'visible' && a.getBoundingClientRect().right <= w + 0.5) return false;
              }
              return true;
            })
            .map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${(e.textContent ?? '').slice(0, 60)}`)
            .slice(0, 5)
        );
      });
      expect(wider, `${name} is wider than ${width} px`).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    }
  });
}
