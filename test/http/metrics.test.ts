import { expect } from 'chai';
import Koa from 'koa';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsMiddleware } from '../../src/metrics/metrics-middleware.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { startTestServer, type TestServer } from './http-harness.js';
import { readMetrics } from './prometheus-text.js';

const AUTH = { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` };

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('GET /metrics on the bundled server (SQLite)', function () {
  this.timeout(90_000);
  let api: TestServer;
  const scrape = async () => {
    const response = await fetch(`${api.server.url}/metrics`, { headers: AUTH });
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    return readMetrics(await response.text());
  };

  before(async () => {
    api = await startTestServer('sqlite', { basicAuth: [{ username: 'admin', password: 'secret' }] }, {}, AUTH);
  });

  after(async () => {
    await api?.stop();
  });

  it('needs the API auth', async () => {
    const anonymous = await fetch(`${api.server.url}/metrics`);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers.get('www-authenticate')).to.match(/^Basic/);
    expect((await fetch(`${api.server.url}/metrics`, { method: 'POST', headers: AUTH })).status).to.equal(405);
  });

  it('counts jobs by state at scrape time, and serves Node default metrics', async () => {
    expect((await api.call('POST', '/jobs', { id: 'ok', func: 'mymodule:my_function', trigger: 'interval', hours: 1 })).status).to.equal(200);
    expect((await api.call('POST', '/jobs', { id: 'bad', func: 'examples:fail', trigger: 'interval', hours: 1 })).status).to.equal(200);
    expect((await api.call('POST', '/jobs/bad/pause')).status).to.equal(200);
    const metrics = await scrape();
    expect(metrics.value('jobclock_jobs', { jobstore: 'default', state: 'scheduled' })).to.equal(1);
    expect(metrics.value('jobclock_jobs', { jobstore: 'default', state: 'paused' })).to.equal(1);
    expect(metrics.value('jobclock_store_errors_total', { jobstore: 'default' })).to.equal(0);
    expect(metrics.family('process_cpu_user_seconds_total')?.type).to.equal('COUNTER');
    expect(metrics.family('nodejs_eventloop_lag_seconds')).to.not.equal(undefined);
    for (const outcome of ['ok', 'error', 'missed', 'skipped']) expect(metrics.samples('jobclock_runs_total', { outcome })).to.have.length(1);
  });

  it('counts ok and error runs, with their lateness and duration, after real runs', async () => {
    const before = await scrape();
    expect((await api.call('POST', '/jobs/ok/run')).status).to.equal(200);
    expect((await api.call('POST', '/jobs/bad/run')).status).to.be.within(400, 599);
    const after = await scrape();
    expect(after.value('jobclock_runs_total', { outcome: 'ok' }) - before.value('jobclock_runs_total', { outcome: 'ok' })).to.equal(1);
    expect(after.value('jobclock_runs_total', { outcome: 'error' }) - before.value('jobclock_runs_total', { outcome: 'error' })).to.equal(1);
    expect(after.count('jobclock_run_duration_seconds') - before.count('jobclock_run_duration_seconds')).to.equal(2);
    expect(after.count('jobclock_run_lateness_seconds') - before.count('jobclock_run_lateness_seconds')).to.equal(2);
    expect(after.family('jobclock_run_duration_seconds')?.type).to.equal('HISTOGRAM');
    // No per-job label unless asked for.
    expect(after.samples('jobclock_runs_total').every((sample) => sample.labels?.job_id === undefined)).to.equal(true);
  });

  it('counts a run past its misfire grace time as missed', async () => {
    const before = (await scrape()).value('jobclock_runs_total', { outcome: 'missed' });
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    expect((await api.call('POST', '/jobs', { id: 'late', func: 'mymodule:my_function', trigger: 'date', run_date: hourAgo })).status).to.equal(200);
    await eventually(scrape, (metrics) => metrics.value('jobclock_runs_total', { outcome: 'missed' }) === before + 1, 'a missed run');
  });

  it('counts a run not started because max_instances was reached as skipped', async () => {
    const before = (await scrape()).value('jobclock_runs_total', { outcome: 'skipped' });
    const slow = { id: 'slow', func: 'examples:sleep', args: [3], trigger: 'interval', seconds: 1, max_instances: 1, misfire_grace_time: null };
    expect((await api.call('POST', '/jobs', slow)).status).to.equal(200);
    await eventually(scrape, (metrics) => metrics.value('jobclock_runs_total', { outcome: 'skipped' }) > before, 'a skipped run');
    expect((await api.call('DELETE', '/jobs/slow')).status).to.equal(204);
  });
});

describe('metricsMiddleware for embedders', function () {
  this.timeout(30_000);

  async function serve(scheduler: Scheduler, options: Parameters<typeof metricsMiddleware>[1] = {}) {
    const app = new Koa();
    app.use(await metricsMiddleware(scheduler, { defaultMetrics: false, ...options }));
    app.use((ctx) => {
      ctx.body = 'the app';
    });
    const server: Server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const text = async () => (await fetch(`${base}/metrics`)).text();
    return { base, text, scrape: async () => readMetrics(await text()), close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('keeps one registry per scheduler, labels runs by job only when asked, and passes other requests on', async () => {
    const first = new Scheduler({ logger: silentLogger }).registerTasks('t', { tick: () => 'tock' });
    const second = new Scheduler({ logger: silentLogger }).registerTasks('t', { tick: () => 'tock' });
    const one = await serve(first);
    const two = await serve(second, { perJobLabels: true });
    try {
      await first.addJob({ id: 'a', func: 't:tick', trigger: 'interval', hours: 1 });
      await second.addJob({ id: 'b', func: 't:tick', trigger: 'interval', hours: 1 });
      await second.runJob('b');
      await second.runJob('b');
      expect((await one.scrape()).value('jobclock_runs_total', { outcome: 'ok' })).to.equal(0);
      const labelled = await two.scrape();
      expect(labelled.value('jobclock_runs_total', { outcome: 'ok', job_id: 'b' })).to.equal(2);
      // (The parser drops the labels of a labelled histogram: read its count line itself.)
      expect(await two.text()).to.match(/^jobclock_run_duration_seconds_count\{job_id="b"\} 2$/m);
      expect(await (await fetch(`${one.base}/elsewhere`)).text()).to.equal('the app');
    } finally {
      await one.close();
      await two.close();
      await first.close();
      await second.close();
    }
  });
});
