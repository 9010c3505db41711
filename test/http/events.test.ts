import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { ManualClock } from '../../src/clock/clock.js';
import { eventToJSON } from '../../src/http/event-json.js';
import { schedulerRouter } from '../../src/http/scheduler-router.js';
import type { JobExecutedEvent } from '../../src/scheduler/events.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { startTestServer, type TestServer } from './http-harness.js';
import { openSse, type ReadEvent, type SseClient } from './sse-client.js';

const AUTH = { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` };
const data = (event: ReadEvent) => JSON.parse(event.data ?? 'null') as Record<string, unknown>;

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('GET {prefix}/events (Server-Sent Events) on SQLite', function () {
  this.timeout(60_000);
  let api: TestServer;
  const clients: SseClient[] = [];
  const open = async (headers: Record<string, string> = AUTH) => {
    const client = await openSse(`${api.api}/events`, headers);
    clients.push(client);
    return client;
  };

  before(async () => {
    api = await startTestServer('sqlite', { basicAuth: [{ username: 'admin', password: 'secret' }] }, {}, AUTH);
    expect((await api.call('POST', '/jobs', { id: 'report', func: 'mymodule:my_function', trigger: 'interval', hours: 1 })).status).to.equal(200);
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  after(async () => {
    await api?.stop();
  });

  it('streams a manual run as job_submitted then job_executed, snake_case JSON with job_id, increasing ids', async () => {
    const stream = await open();
    expect(stream.status).to.equal(200);
    expect(stream.headers['content-type']).to.match(/^text\/event-stream/);
    expect(stream.headers['cache-control']).to.contain('no-cache');
    expect((await api.call('POST', '/jobs/report/run')).status).to.equal(200);
    const submitted = await stream.waitFor((event) => event.event === 'job_submitted');
    const executed = await stream.waitFor((event) => event.event === 'job_executed');
    expect(data(submitted)).to.include({ kind: 'job_submitted', job_id: 'report', jobstore: 'default' });
    expect(data(submitted).scheduled_run_times).to.be.an('array').with.length(1);
    expect(data(executed)).to.include({ kind: 'job_executed', job_id: 'report' });
    expect(data(executed).scheduled_run_time).to.match(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(data(executed).started_at).to.be.a('string');
    expect(data(executed)).to.have.property('retval');
    expect(Number(executed.id)).to.be.greaterThan(Number(submitted.id));
  });

  it('resumes after Last-Event-ID with the events the client missed, from the buffer', async () => {
    const first = await open();
    expect((await api.call('POST', '/jobs/report/pause')).status).to.equal(200);
    const paused = await first.waitFor((event) => event.event === 'job_modified');
    first.close();
    expect((await api.call('POST', '/jobs/report/resume')).status).to.equal(200);
    expect((await api.call('DELETE', '/jobs/report')).status).to.equal(204);
    const again = await open({ ...AUTH, 'Last-Event-ID': paused.id! });
    const removed = await again.waitFor((event) => event.event === 'job_removed');
    const replayed = again.events.filter((event) => event.id !== undefined);
    expect(replayed.map((event) => event.event)).to.deep.equal(['job_modified', 'job_removed']);
    expect(replayed.every((event) => Number(event.id) > Number(paused.id))).to.equal(true);
    expect(data(removed)).to.include({ job_id: 'report' });
  });

  it('removes its listener when the client goes away', async () => {
    const before = api.server.scheduler.listenerCount('*');
    const streams = await Promise.all([open(), open(), open()]);
    await until(() => api.server.scheduler.listenerCount('*') === before + 3, 'three listeners');
    for (const stream of streams) stream.close();
    await until(() => api.server.scheduler.listenerCount('*') === before, 'the listeners to go');
  });

  it('needs the API auth; HEAD answers at once; a Last-Event-ID that is no id is a 400', async () => {
    const anonymous = await fetch(`${api.api}/events`);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers.get('www-authenticate')).to.match(/^Basic/);
    const head = await fetch(`${api.api}/events`, { method: 'HEAD', headers: AUTH });
    expect(head.status).to.equal(200);
    expect(head.headers.get('content-type')).to.match(/^text\/event-stream/);
    const bad = await fetch(`${api.api}/events`, { headers: { ...AUTH, 'Last-Event-ID': 'yesterday' } });
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { error_message: string }).error_message).to.match(/Last-Event-ID/);
  });

  it('ends the stream when the scheduler shuts down (a graceful close is not held up)', async () => {
    const stream = await open();
    expect((await api.call('POST', '/shutdown')).status).to.equal(204);
    await stream.waitFor((event) => event.event === 'scheduler_shutdown');
    await stream.ended;
  });
});

describe('GET {prefix}/events keep-alive', function () {
  this.timeout(30_000);

  it('sends a keep-alive comment every keepAliveMs of the scheduler clock, and stops its timer on disconnect', async () => {
    const clock = new ManualClock();
    const scheduler = new Scheduler({ clock, logger: silentLogger });
    const app = new Koa();
    app.use(schedulerRouter(scheduler, { logger: silentLogger, events: { keepAliveMs: 5000 } }).routes());
    const server: Server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const timers = clock.pendingTimers;
      const stream = await openSse(`http://127.0.0.1:${(server.address() as AddressInfo).port}/scheduler/events`);
      await until(() => clock.pendingTimers === timers + 1, 'the keep-alive timer');
      await clock.advance(5000);
      await stream.waitFor((event) => event.comment === 'keep-alive');
      await clock.advance(5000);
      await until(() => stream.events.filter((event) => event.comment === 'keep-alive').length === 2, 'a second keep-alive');
      stream.close();
      await until(() => clock.pendingTimers === timers, 'the timer to be cleared');
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await scheduler.close();
    }
  });
});

describe('GET {prefix}/events buffer', function () {
  this.timeout(30_000);

  it('keeps the last bufferSize events, in order, for a reconnect; a return value is shown as it was when the run ended', async () => {
    const clock = new ManualClock();
    const scheduler = new Scheduler({ clock, logger: silentLogger });
    const shared = { count: 0 };
    scheduler.registerTasks('t', { counted: () => ((shared.count += 1), shared) });
    let stream: SseClient | undefined;
    const app = new Koa();
    app.use(schedulerRouter(scheduler, { logger: silentLogger, events: { bufferSize: 3 } }).routes());
    const server: Server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scheduler/events`;
      await scheduler.start();
      // No client is listening while these happen.
      for (const id of ['a', 'b', 'c', 'd']) await scheduler.addJob({ id, func: 't:counted', trigger: 'interval', hours: 1 });
      expect(await scheduler.runJob('d')).to.equal(shared);
      shared.count = 99;
      stream = await openSse(url, { 'Last-Event-ID': '1' });
      const events = stream.events;
      await until(() => events.filter((event) => event.id !== undefined).length === 3, 'the replayed events');
      const replayed = stream.events.filter((event) => event.id !== undefined);
      expect(replayed.map((event) => [event.event, data(event).job_id])).to.deep.equal([
        ['job_added', 'd'],
        ['job_submitted', 'd'],
        ['job_executed', 'd'],
      ]);
      expect(data(replayed[2]!).retval).to.deep.equal({ count: 1 });
      // The frame is eventToJSON's, keys in its order, though the return value was taken apart.
      expect(Object.keys(data(replayed[2]!))).to.deep.equal(['kind', 'job_id', 'jobstore', 'scheduled_run_time', 'started_at', 'retval']);
      const ids = replayed.map((event) => Number(event.id));
      expect(ids).to.deep.equal([...ids].sort((x, y) => x - y));
      // Live, to a client listening: the frame is eventToJSON's of the event as it came.
      let executed: JobExecutedEvent | null = null;
      scheduler.on('job_executed', (event) => (executed = event));
      await scheduler.runJob('c');
      const live = await stream.waitFor((event) => event.event === 'job_executed' && data(event).job_id === 'c');
      expect(data(live)).to.deep.equal(JSON.parse(JSON.stringify(eventToJSON(executed!))));
      expect(data(live).retval).to.deep.equal({ count: 100 });
    } finally {
      // An open stream would hold server.close() up (and hide a failed expectation behind a timeout).
      stream?.close();
      await new Promise((resolve) => server.close(resolve));
      await scheduler.close();
    }
  });
});
