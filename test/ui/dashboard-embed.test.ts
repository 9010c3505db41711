import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import type { Browser } from 'playwright-core';
import { schedulerRouter } from '../../src/http/scheduler-router.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { startTestServer, type TestServer } from '../http/http-harness.js';
import { eventually, launchBrowser, openPage, type PageRecord } from './browser.js';

const ADMIN = { username: 'admin', password: 's3cret-pass' };

describe('the dashboard behind auth and embedded under another prefix (Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser;
  const record: PageRecord = { consoleErrors: [], foreignRequests: [], dialogs: [] };

  before(async function () {
    this.timeout(240_000);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  describe('with HTTP Basic auth (npm start with SCHEDULER_BASIC_AUTH)', () => {
    let api: TestServer;

    before(async () => {
      api = await startTestServer('sqlite', { basicAuth: [ADMIN] }, {}, { Authorization: `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}` });
      await api.call('POST', '/jobs', { id: 'guarded', func: 'examples:echo', trigger: 'interval', minutes: 5 });
    });

    after(async () => {
      await api?.stop();
    });

    it('answers 401 with a Basic challenge, so the browser asks; without credentials the page does not load', async () => {
      const plain = await fetch(`${api.api}/ui`);
      expect(plain.status).to.equal(401);
      expect(plain.headers.get('www-authenticate')).to.match(/^Basic /);
      const { context, page } = await openPage(browser, new URL(api.api).origin, { consoleErrors: [], foreignRequests: [], dialogs: [] });
      try {
        // Headless Chromium has no one to ask: the challenge ends the navigation as an auth failure.
        const failure = await page.goto(`${api.api}/ui`).then(() => 'loaded', (error: Error) => error.message);
        expect(failure).to.contain('ERR_INVALID_AUTH_CREDENTIALS');
      } finally {
        await context.close();
      }
    });

    it('with the credentials, lists the jobs, pauses one and follows the live feed', async () => {
      const { context, page } = await openPage(browser, new URL(api.api).origin, record, { httpCredentials: ADMIN });
      try {
        await page.goto(`${api.api}/ui`);
        const row = page.getByRole('row', { name: 'guarded' });
        await row.getByRole('button', { name: 'Pause', exact: true }).click();
        await eventually('guarded paused', () => api.call('GET', '/jobs/guarded'), (r) => r.json.next_run_time === null);
        await page.getByRole('list', { name: 'Live events' }).getByText(/job modified guarded/).waitFor();
      } finally {
        await context.close();
      }
    });
  });

  describe('mounted by an embedder: schedulerRouter(scheduler, { prefix: "/ops/jobs", ui: true, auth: { authenticate } })', () => {
    let scheduler: Scheduler;
    let server: Server;
    let base: string;

    before(async () => {
      scheduler = new Scheduler({ jobstores: { default: 'sqlite::memory:' }, logger: silentLogger });
      scheduler.registerTasks('app', { ping: () => 'pong' });
      await scheduler.start();
      await scheduler.addJob({ id: 'embedded-job', func: 'app:ping', trigger: 'interval', minutes: 1 });
      const app = new Koa();
      // A custom check: here a header the test's browser context sends on every request.
      const router = schedulerRouter(scheduler, { prefix: '/ops/jobs', ui: true, logger: silentLogger, auth: { authenticate: (ctx) => ctx.get('X-Operator') === 'yes' } });
      app.use(router.routes()).use(router.allowedMethods());
      server = createServer(app.callback());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(async () => {
      await new Promise((resolve) => server?.close(resolve));
      await scheduler?.shutdown({ wait: false });
    });

    it('serves the page and its files under the prefix, and the custom authenticate applies', async () => {
      expect((await fetch(`${base}/ops/jobs/ui`)).status).to.equal(401);
      const { context, page } = await openPage(browser, base, record, { extraHTTPHeaders: { 'X-Operator': 'yes' } });
      try {
        await page.goto(`${base}/ops/jobs/ui`);
        await page.getByRole('row', { name: 'embedded-job' }).getByRole('button', { name: 'Run now' }).click();
        await eventually('a manual run', () => scheduler.getRuns('embedded-job'), (runs) => runs.some((run) => run.trigger === 'manual'));
      } finally {
        await context.close();
      }
    });

    it('is off unless asked for', async () => {
      const plain = schedulerRouter(scheduler, { logger: silentLogger });
      expect(plain.stack.some((layer) => layer.path.endsWith('/ui'))).to.equal(false);
    });
  });

  describe('across the tests above', () => {
    it('logged no console error and requested nothing outside its origin', () => {
      expect(record.consoleErrors).to.deep.equal([]);
      expect(record.foreignRequests).to.deep.equal([]);
    });
  });
});
