/// <reference lib="dom" />
/**
 * The admin's site adapters on the page, in a real browser (Chromium via playwright-core) against
 * the real server: a site's decisions (seeded in its store), fit now from the page, the version
 * table with base vs adapted AUC and the learning curve, a second version, roll back to the first
 * and the store agreeing; audit-sample items marked in the queue, a decision's reason chosen on
 * the page stored with it, the audit share set in the policy form; no script or console errors.
 */
import type { Browser, Page } from 'playwright-core';
import { openStore } from '../../src/queue';
import { importSimulated } from '../queue/helpers';
import { launchChromium } from './browser';
import { startTestServer, type TestServer } from './server';

jest.setTimeout(120_000);

let server: TestServer;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  const store = await openStore(server.databaseUrl);
  try {
    await importSimulated(store, 'harbour-news', 120, 1);
  } finally {
    await store.close();
  }
  // Publish everything, and queue every published comment as an audit item.
  const never = { toxicity: null, offTopic: null, insult: null, threat: null, identity_attack: null, profanity: null, other: null };
  await server.call(server.keys.admin, 'PUT', '/v1/policy', { thresholds: never, auditShare: 1 });
  await server.call(server.keys.ingest, 'POST', '/v1/comments', { comments: [{ id: 'aud-1', text: 'A perfectly pleasant remark about the ferry.', siteId: 'harbour-news' }] });
  ({ browser } = await launchChromium());
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function signedInAdmin(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  await page.goto(`${server.url}/moderate`);
  await page.getByLabel('API key').fill(server.keys.admin);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('body[data-queue-ready="true"]');
  return page;
}

it('marks audit items in the queue, and a decision made on the page carries the reason chosen', async () => {
  const page = await signedInAdmin();
  await page.locator('[data-testid="queue-list"] [data-id="aud-1"]').click();
  await page.getByTestId('audit').waitFor();
  expect(await page.locator('[data-testid="queue-list"] [data-id="aud-1"] .audit').textContent()).toBe('audit');
  await page.getByLabel('Reason (optional)').selectOption('profanity');
  await page.getByRole('button', { name: /^Reject/ }).click();
  // The decision goes out when its undo window closes.
  for (let i = 0; ; i++) {
    const c = await server.call(server.keys.admin, 'GET', '/v1/comments/aud-1');
    if (c.decisions.length) {
      expect(c.decisions[0]).toMatchObject({ action: 'reject', category: 'profanity' });
      break;
    }
    if (i > 100) throw new Error('the decision was not recorded');
    await new Promise((r) => setTimeout(r, 200));
  }
  await page.context().close();
});

it("fits a site's adapter from the page, shows its report and curve, and rolls back to an older version", async () => {
  const page = await signedInAdmin();
  await page.getByRole('button', { name: 'Adapters' }).click();
  await page.getByTestId('adapt-sites').waitFor();
  expect(await page.getByTestId('adapt-sites').textContent()).toMatch(/harbour-news120base0/);
  await page.getByTestId('adapt-site').fill('harbour-news');
  await page.getByRole('button', { name: 'Fit now' }).click();
  await page.getByText('Version 1 fitted and activated.').waitFor();
  expect(await page.getByTestId('adapt-active').textContent()).toBe('version 1');
  const row1 = page.locator('[data-testid="adapt-versions"] tr[data-version="1"]');
  expect(await row1.textContent()).toMatch(/120 \(40\)0\.\d{3}0\.\d{3}passed/);
  await page.getByTestId('adapt-curve').locator('circle').first().waitFor();
  expect(await page.getByTestId('adapt-curve').locator('table tbody tr').count()).toBe(1);

  const store = await openStore(server.databaseUrl);
  try {
    await importSimulated(store, 'harbour-news', 300, 2);
    await page.getByRole('button', { name: 'Fit now' }).click();
    await page.getByText('Version 2 fitted and activated.').waitFor();
    // 300 decisions (ids 0..119 were there): the curve has its 250 step and the full set.
    expect(await page.getByTestId('adapt-curve').locator('table tbody tr').count()).toBe(2);
    await page.locator('[data-testid="adapt-versions"] tr[data-version="1"]').getByRole('button', { name: 'Roll back to this' }).click();
    await page.getByText('Version 1 is now active.').waitFor();
    expect(await page.getByTestId('adapt-active').textContent()).toBe('version 1');
    expect((await store.getAdapter('harbour-news'))!.version).toBe(1);
    await page.getByRole('button', { name: 'Use the base model' }).click();
    await page.getByText('The base model now scores this site.').waitFor();
    expect(await store.getAdapter('harbour-news')).toBeNull();
  } finally {
    await store.close();
  }
  await page.context().close();
  expect(errors).toEqual([]);
});

it('sets the audit share in the policy form', async () => {
  const page = await signedInAdmin();
  await page.getByRole('button', { name: 'Policy' }).click();
  const share = page.getByLabel(/Share of would-be-published comments/);
  await page.waitForFunction(() => !(document.querySelector('#audit-share') as HTMLInputElement | null)?.disabled && (document.querySelector('#audit-share') as HTMLInputElement | null)?.value === '1');
  await share.fill('0.05');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByTestId('preview').waitFor();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText(/Saved as version/).waitFor();
  expect((await server.call(server.keys.admin, 'GET', '/v1/policy')).policy.auditShare).toBe(0.05);
  await page.context().close();
  expect(errors).toEqual([]);
});
