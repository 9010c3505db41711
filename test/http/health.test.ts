import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { schedulerRouter } from '../../src/http/scheduler-router.js';
import { metricsMiddleware } from '../../src/metrics/metrics-middleware.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { SqlJobStore } from '../../src/stores/sql/sql-job-store.js';
import { requirePrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { startTestServer, type TestServer } from './http-harness.js';
import { readMetrics } from './prometheus-text.js';

const AUTH = { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` };
const WRONG = { Authorization: `Basic ${Buffer.from('admin:guess').toString('base64')}` };

async function health(base: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}/health`, { headers });
  return { status: response.status, text: await response.text() };
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('GET {prefix}/health on SQLite', function () {
  this.timeout(60_000);

  describe('without auth configured', () => {
    let api: TestServer;
    before(async () => {
      api = await startTestServer('sqlite');
    });
    after(async () => {
      await api?.stop();
    });

    it('answers exactly {"status":"ok"}, and 503 {"status":"unavailable"} once the scheduler is shut down', async () => {
      expect(await health(api.api)).to.deep.equal({ status: 200, text: '{"status":"ok"}' });
      expect((await api.call('POST', '/shutdown')).status).to.equal(204);
      expect(await health(api.api)).to.deep.equal({ status: 503, text: '{"status":"unavailable"}' });
    });
  });

  describe('with HTTP Basic auth', () => {
    let api: TestServer;
    before(async () => {
      api = await startTestServer('sqlite', { basicAuth: [{ username: 'admin', password: 'secret' }] });
    });
    after(async () => {
      await api?.stop();
    });

    it('answers the minimal form without or with wrong credentials, details with valid ones', async () => {
      expect(await health(api.api)).to.deep.equal({ status: 200, text: '{"status":"ok"}' });
      expect(await health(api.api, WRONG)).to.deep.equal({ status: 200, text: '{"status":"ok"}' });
      const detailed = await health(api.api, AUTH);
      expect(detailed.status).to.equal(200);
      const body = JSON.parse(detailed.text) as Record<string, unknown>;
      expect(body).to.include({ status: 'ok', scheduler: 'running', running_jobs: 0 });
      expect(body.stores).to.deep.equal({ default: 'ok' });
      expect(body.last_wake).to.be.a('string');
      expect(new Date(body.last_wake as string).toISOString()).to.equal(body.last_wake);
    });

    it('counts running jobs', async () => {
      const added = await api.call('POST', '/jobs', { id: 'slow', func: 'examples:sleep', args: [2], trigger: 'date', run_date: new Date().toISOString() }, AUTH);
      expect(added.status, added.text).to.equal(200);
      const busy = await eventually(() => health(api.api, AUTH), (reply) => JSON.parse(reply.text).running_jobs === 1, 'a running job');
      expect(busy.status).to.equal(200);
      await eventually(() => health(api.api, AUTH), (reply) => JSON.parse(reply.text).running_jobs === 0, 'the job to end');
    });

    it('is 503 with the details once shut down; the minimal form still to anyone', async () => {
      expect((await api.call('POST', '/shutdown', undefined, AUTH)).status).to.equal(204);
      expect(await health(api.api)).to.deep.equal({ status: 503, text: '{"status":"unavailable"}' });
      const detailed = await health(api.api, AUTH);
      expect(detailed.status).to.equal(503);
      expect(JSON.parse(detailed.text)).to.include({ status: 'unavailable', scheduler: 'stopped' });
    });
  });
});

describe('health and metrics while PostgreSQL is stopped', function () {
  this.timeout(60_000);
  let server: PrivatePostgres;
  let scheduler: Scheduler;
  let http: Server;
  let base: string;

  before(async function () {
    this.timeout(90_000);
    server = await requirePrivatePostgres(this);
    const store = new SqlJobStore({ dialect: 'postgres', connectionString: server.url }, { cluster: false, timeouts: { connectMs: 1000, queryMs: 2000 } });
    scheduler = new Scheduler({ jobstores: { default: store }, logger: silentLogger });
    scheduler.registerTasks('t', { tick: () => 'tock' });
    const app = new Koa();
    app.use(await metricsMiddleware(scheduler, { defaultMetrics: false, logger: silentLogger }));
    const router = schedulerRouter(scheduler, { logger: silentLogger, auth: { basic: [{ username: 'admin', password: 'secret' }] } });
    app.use(router.routes()).use(router.allowedMethods());
    http = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    await scheduler.start();
    await scheduler.addJob({ id: 'tick', func: 't:tick', trigger: 'interval', hours: 1 });
  });

  after(async () => {
    if (http) await new Promise((resolve) => http.close(resolve));
    await scheduler?.close({ wait: false });
    await server?.remove();
  });

  it('answers 503 while the store is unreachable (metrics still scrape, counting store errors) and 200 once it is back', async () => {
    expect(await health(`${base}/scheduler`)).to.deep.equal({ status: 200, text: '{"status":"ok"}' });
    await server.stop();
    // Any call to the store finds it gone: here a REST read.
    expect((await fetch(`${base}/scheduler/jobs`, { headers: AUTH })).status).to.equal(503);
    expect(await health(`${base}/scheduler`)).to.deep.equal({ status: 503, text: '{"status":"unavailable"}' });
    const detailed = JSON.parse((await health(`${base}/scheduler`, AUTH)).text) as Record<string, unknown>;
    expect(detailed).to.include({ status: 'unavailable', scheduler: 'running' });
    expect(detailed.stores).to.deep.equal({ default: 'unreachable' });

    const scrape = await fetch(`${base}/metrics`);
    expect(scrape.status).to.equal(200);
    const metrics = readMetrics(await scrape.text());
    expect(metrics.value('jobclock_store_errors_total', { jobstore: 'default' })).to.be.greaterThan(0);
    expect(metrics.samples('jobclock_jobs', { jobstore: 'default' }), 'an unreachable store is not counted').to.have.length(0);

    await server.start();
    await eventually(() => fetch(`${base}/scheduler/jobs`, { headers: AUTH }).then((reply) => reply.status), (status) => status === 200, 'the store back');
    expect(await health(`${base}/scheduler`)).to.deep.equal({ status: 200, text: '{"status":"ok"}' });
    const back = readMetrics(await (await fetch(`${base}/metrics`)).text());
    expect(back.value('jobclock_jobs', { jobstore: 'default', state: 'scheduled' })).to.equal(1);
  });
});
