import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../http/http-harness.js';
import { eventually, launchBrowser, openPage, type PageRecord } from './browser.js';

const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1;alert(1)">';
const UNICODE_ID = 'café-ümlaut-日本';

/** One job of every trigger, a paused one, a hostile name and a non-ASCII id, seeded over REST. */
async function seed(api: TestServer): Promise<void> {
  const jobs = [
    { id: 'every-5', func: 'examples:echo', trigger: 'interval', minutes: 5 },
    { id: 'weekday-9', func: 'examples:echo', trigger: 'cron', hour: '9', minute: '0', day_of_week: 'mon-fri', timezone: 'Europe/Paris' },
    { id: 'nightly-tab', func: 'examples:echo', trigger: 'cron', crontab: '0 0 * * *' },
    { id: 'once', func: 'examples:echo', trigger: 'date', run_date: '2099-01-01T09:00:00+00:00' },
    { id: 'paused-one', func: 'examples:echo', trigger: 'interval', hours: 1 },
    { id: 'hostile', name: HOSTILE_NAME, func: 'examples:echo', trigger: 'interval', hours: 2 },
    { id: UNICODE_ID, func: 'examples:echo', trigger: 'interval', minutes: 10 },
  ];
  for (const job of jobs) expect((await api.call('POST', '/jobs', job)).status, job.id).to.equal(200);
  expect((await api.call('POST', '/jobs/paused-one/pause')).status).to.equal(200);
}

describe('the dashboard in Chromium (GET {prefix}/ui, SQLite store)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let api: TestServer;
  let origin: string;
  const record: PageRecord = { consoleErrors: [], foreignRequests: [], dialogs: [] };
  let context: BrowserContext;
  let page: Page;

  before(async function () {
    this.timeout(240_000);
    [browser, api] = await Promise.all([launchBrowser(), startTestServer('sqlite')]);
    origin = new URL(api.api).origin;
    await seed(api);
  });

  after(async () => {
    await browser?.close();
    await api?.stop();
  });

  beforeEach(async () => {
    ({ context, page } = await openPage(browser, origin, record));
  });

  afterEach(async () => {
    await context?.close();
  });

  async function openDashboard(target: Page = page): Promise<void> {
    await target.goto(`${api.api}/ui`);
    await target.getByRole('row', { name: 'every-5' }).waitFor();
  }

  const rowOf = (id: string, target: Page = page) => target.getByRole('row', { name: id });
  const job = async (id: string) => api.call('GET', `/jobs/${encodeURIComponent(id)}`);

  it('lists every job seeded over REST: trigger in words, next run, state', async () => {
    await openDashboard();
    for (const id of ['every-5', 'weekday-9', 'nightly-tab', 'once', 'paused-one', 'hostile', UNICODE_ID]) await rowOf(id).waitFor();
    expect(await rowOf('every-5').textContent()).to.contain('every 5 min').and.contain('scheduled');
    expect(await rowOf('weekday-9').textContent()).to.contain('at 09:00 on Mon–Fri, Europe/Paris');
    expect(await rowOf('nightly-tab').textContent()).to.contain('crontab "0 0 * * *"');
    expect(await rowOf('paused-one').textContent()).to.contain('paused');
    expect(await rowOf('paused-one').getByRole('button', { name: 'Resume', exact: true }).count()).to.equal(1);
  });

  it('shows a hostile job name as text, inert: no dialog, no element made from it', async () => {
    await openDashboard();
    await rowOf('hostile').getByText(HOSTILE_NAME, { exact: true }).waitFor();
    await rowOf('hostile').getByRole('button', { name: 'Details of hostile' }).click();
    await page.getByRole('dialog', { name: 'Job hostile' }).getByText(HOSTILE_NAME, { exact: true }).first().waitFor();
    expect(await page.locator('img').count()).to.equal(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).to.equal(undefined);
    expect(record.dialogs).to.deep.equal([]);
  });

  it('pauses and resumes a job with its buttons, as the store then says', async () => {
    await openDashboard();
    await rowOf('every-5').getByRole('button', { name: 'Pause', exact: true }).click();
    await eventually('every-5 paused in the store', () => job('every-5'), (r) => r.json.next_run_time === null);
    await rowOf('every-5').getByRole('button', { name: 'Resume', exact: true }).click();
    await eventually('every-5 resumed in the store', () => job('every-5'), (r) => r.json.next_run_time !== null);
    await rowOf('every-5').getByRole('button', { name: 'Pause', exact: true }).waitFor();
  });

  it('runs a job now: a manual run appears in its history, in the store and on the page', async () => {
    await openDashboard();
    await rowOf(UNICODE_ID).getByRole('button', { name: 'Run now' }).click();
    await eventually('a manual run', () => api.call('GET', `/jobs/${encodeURIComponent(UNICODE_ID)}/runs`), (r) => r.status === 200 && r.json.some((run: { trigger: string }) => run.trigger === 'manual'));
    await rowOf(UNICODE_ID).getByRole('button', { name: `Details of ${UNICODE_ID}` }).click();
    const dialog = page.getByRole('dialog', { name: `Job ${UNICODE_ID}` });
    await dialog.getByRole('cell', { name: 'ok', exact: true }).first().waitFor();
    await dialog.getByRole('listitem').first().waitFor(); // next fire times (preview)
  });

  it('removes a job only once the confirmation is accepted', async () => {
    await api.call('POST', '/jobs', { id: 'doomed', func: 'examples:echo', trigger: 'interval', hours: 3 });
    await openDashboard();
    await rowOf('doomed').getByRole('button', { name: 'Remove' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove job doomed?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    expect((await job('doomed')).status).to.equal(200);
    await rowOf('doomed').getByRole('button', { name: 'Remove' }).click();
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
    await eventually('doomed gone from the store', () => job('doomed'), (r) => r.status === 404);
    await rowOf('doomed').waitFor({ state: 'detached' });
  });

  it("adds a job from the form, previewing its fire times while typing; the API's message shows by the field", async () => {
    await openDashboard();
    await page.getByRole('button', { name: 'Add job' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a job' });
    await dialog.getByRole('textbox', { name: 'Id' }).fill('from-the-page');
    await dialog.getByRole('combobox', { name: 'Function (module:function)' }).fill('examples:echo');
    await dialog.getByRole('combobox', { name: 'Trigger' }).selectOption('cron');
    const errorsBefore = record.consoleErrors.length;
    await dialog.getByRole('textbox', { name: 'Crontab line' }).fill('61 * * * *');
    await dialog.getByRole('button', { name: 'Add job' }).click();
    await dialog.getByText(/crontab/i).and(page.locator('.error')).first().waitFor();
    expect((await job('from-the-page')).status).to.equal(404);
    await dialog.getByRole('listitem').filter({ hasText: /crontab/i }).waitFor(); // the live preview's refusal too
    // Chromium logs the refused POST /jobs and POST /preview (400, on purpose here) as console errors.
    const refused = record.consoleErrors.splice(errorsBefore);
    expect(refused.every((line) => line.includes('status of 400'))).to.equal(true, refused.join('\n'));
    await dialog.getByRole('textbox', { name: 'Crontab line' }).fill('30 4 * * *');
    await eventually('five previewed fire times', () => dialog.getByRole('list').first().getByRole('listitem').allTextContents(), (items) => items.length === 5 && items.every((text) => /\d{2}:\d{2}/.test(text)));
    await dialog.getByRole('button', { name: 'Add job' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const added = await job('from-the-page');
    expect(added.status).to.equal(200);
    expect(added.json).to.include({ trigger: 'cron', crontab: '30 4 * * *', func: 'examples:echo' });
    await rowOf('from-the-page').waitFor();
  });

  it('shows a change made over REST live, without a reload, and lists the event', async () => {
    await openDashboard();
    await api.call('POST', '/jobs', { id: 'added-elsewhere', func: 'examples:echo', trigger: 'interval', minutes: 7 });
    await rowOf('added-elsewhere').waitFor();
    await page.getByRole('list', { name: 'Live events' }).getByText(/job added added-elsewhere/).waitFor();
    await api.call('POST', '/jobs/added-elsewhere/pause');
    await rowOf('added-elsewhere').getByRole('button', { name: 'Resume', exact: true }).waitFor();
  });

  it('draws the timeline of fire times and switches it to the scheduler zone', async () => {
    await openDashboard();
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('every-5', { exact: true }).waitFor();
    await timeline.getByRole('combobox', { name: 'Time zone' }).selectOption('UTC');
    await timeline.getByText('every-5', { exact: true }).waitFor();
  });

  it('pauses and resumes the whole scheduler', async () => {
    await openDashboard();
    await page.getByRole('button', { name: 'Pause all' }).click();
    await eventually('the scheduler paused', () => api.call('GET', '/health'), () => api.server.scheduler.state === 'paused');
    await page.getByRole('button', { name: 'Resume all' }).click();
    await eventually('the scheduler running', () => api.call('GET', '/health'), () => api.server.scheduler.state === 'running');
  });

  it('is usable from the keyboard: Tab to a Pause button, Enter pauses', async () => {
    await openDashboard();
    await page.getByRole('searchbox', { name: 'Filter jobs' }).focus();
    await page.keyboard.type('paused-one');
    await eventually('one row left', () => page.getByRole('row').count(), (count) => count === 2);
    let focused = '';
    for (let step = 0; step < 30 && focused !== 'Resume'; step++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    }
    expect(focused).to.equal('Resume');
    await page.keyboard.press('Enter');
    await eventually('paused-one resumed', () => job('paused-one'), (r) => r.json.next_run_time !== null);
    await api.call('POST', '/jobs/paused-one/pause');
  });

  it('gives every control an accessible name', async () => {
    await openDashboard();
    await page.getByRole('button', { name: 'Add job' }).click();
    await page.getByRole('dialog', { name: 'Add a job' }).waitFor();
    const snapshot = (await page.locator('body').ariaSnapshot()) + (await page.getByRole('dialog').ariaSnapshot());
    const unnamed = snapshot.split('\n').filter((line) => /^\s*- (button|textbox|combobox|searchbox|checkbox|link)(\s*\[[^\]]*\])?\s*:?\s*$/.test(line));
    expect(unnamed).to.deep.equal([]);
  });

  it('fits a phone (390 px wide): no sideways scrolling, actions reachable', async () => {
    const phone = await openPage(browser, origin, record, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      await openDashboard(phone.page);
      const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).to.be.at.most(390);
      await rowOf('once', phone.page).getByRole('button', { name: 'Pause', exact: true }).tap();
      await eventually('once paused', () => job('once'), (r) => r.json.next_run_time === null);
    } finally {
      await phone.context.close();
    }
  });

  it('is served with a strict Content-Security-Policy, nosniff, and no framing', async () => {
    const response = await page.goto(`${api.api}/ui`);
    const headers = response?.headers() ?? {};
    const csp = headers['content-security-policy'] ?? '';
    expect(csp).to.contain("frame-ancestors 'none'").and.contain("script-src 'self'").and.contain("default-src 'none'");
    expect(csp).not.to.contain('unsafe-inline');
    expect(csp).not.to.contain('unsafe-eval');
    expect(headers['x-content-type-options']).to.equal('nosniff');
  });

  it('logged no console error and requested nothing outside its origin in any test above', () => {
    expect(record.consoleErrors).to.deep.equal([]);
    expect(record.foreignRequests).to.deep.equal([]);
    expect(record.dialogs).to.deep.equal([]);
  });
});
