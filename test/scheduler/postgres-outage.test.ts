import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { schedulerRouter } from '../../src/http/scheduler-router.js';
import type { JobExecutionEvent } from '../../src/scheduler/events.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { SqlJobStore } from '../../src/stores/sql/sql-job-store.js';
import { recordingLogger } from '../http/http-harness.js';
import { requirePrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';

const LOSS = /^Job store "default" is unreachable: \S/;
const RECOVERY = /^Job store "default" is back after \d+\.\d s$/;
const STACK = /\n\s+at /;

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A scheduler on the private server that records every run and miss of every job, by scheduled time. */
function node(server: PrivatePostgres, schema: string, cluster: boolean) {
  const log = recordingLogger();
  const store = new SqlJobStore({ dialect: 'postgres', connectionString: server.url }, { schema, cluster, timeouts: { connectMs: 1000, queryMs: 2000 } });
  const scheduler = new Scheduler({ jobstores: { default: store }, logger: log.logger, cluster: { heartbeatMs: 300, leaseMs: 2000, fallbackPollMs: 1000 } });
  scheduler.registerTasks('t', { tick: () => 'tock' });
  const executed: JobExecutionEvent[] = [];
  const missed: JobExecutionEvent[] = [];
  scheduler.on('job_executed', (event: JobExecutionEvent) => void executed.push(event));
  scheduler.on('job_missed', (event: JobExecutionEvent) => void missed.push(event));
  const lines = (pattern: RegExp) => log.lines.filter((line) => pattern.test(line.text));
  return { scheduler, log, executed, missed, lines };
}

const timesOf = (events: readonly { jobId: string; scheduledRunTime: Date }[], jobId: string) =>
  events.filter((event) => event.jobId === jobId).map((event) => event.scheduledRunTime.getTime());

/** Every fire time of a 1 s interval job from its first to `until` (epoch ms), in order. */
function everySecond(first: number, until: number): number[] {
  const times: number[] = [];
  for (let time = first; time <= until; time += 1000) times.push(time);
  return times;
}

describe('a running scheduler whose PostgreSQL server stops and starts again', function () {
  this.timeout(120_000);
  let server: PrivatePostgres;
  let schemas = 0;
  const closing: (() => Promise<unknown>)[] = [];

  before(async function () {
    this.timeout(90_000);
    server = await requirePrivatePostgres(this);
  });

  after(async () => {
    await server?.remove();
  });

  afterEach(async () => {
    await server.start().catch(() => {});
    for (const close of closing.splice(0)) await close().catch(() => {});
  });

  it('shows the store unreachable, answers 503, logs one line each way, and handles the missed runs by the misfire rules', async () => {
    const one = node(server, `outage_${++schemas}`, false);
    const { scheduler } = one;
    const app = new Koa();
    const router = schedulerRouter(scheduler, { logger: one.log.logger });
    app.use(router.routes()).use(router.allowedMethods());
    const http: Server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    closing.push(() => new Promise((resolve) => http.close(resolve)), () => scheduler.close({ wait: false }));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/scheduler`;
    const call = async (method: string, route: string, body?: unknown) => {
      const response = await fetch(`${base}${route}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json: any = await response.json(); // eslint-disable-line @typescript-eslint/no-explicit-any
      return { status: response.status, retryAfter: response.headers.get('retry-after'), json };
    };

    // Both due every second: `coalesced` runs once for all it missed, `strict` reports each miss past 1 s of grace.
    await scheduler.addJob({ id: 'coalesced', func: 't:tick', trigger: 'interval', seconds: 1, coalesce: true, misfire_grace_time: 60 });
    await scheduler.addJob({ id: 'strict', func: 't:tick', trigger: 'interval', seconds: 1, coalesce: false, misfire_grace_time: 1 });
    await scheduler.start();
    await waitFor('both jobs ran twice', () => timesOf(one.executed, 'coalesced').length >= 2 && timesOf(one.executed, 'strict').length >= 2);
    expect((await call('GET', '')).json.stores).to.deep.equal({ default: 'ok' });

    await server.stop();
    const stoppedAt = Date.now();
    await waitFor('the scheduler sees the store unreachable', () => scheduler.storeStatus().default?.state === 'unreachable');
    const info = await call('GET', '');
    expect(info.status).to.equal(200);
    expect(info.json).to.deep.include({ running: true, stores: { default: 'unreachable' } });
    const refused = await call('POST', '/jobs', { id: 'during', func: 't:tick', trigger: 'interval', seconds: 60 });
    expect(refused.status).to.equal(503);
    expect(Number(refused.retryAfter)).to.be.greaterThan(0);
    expect(refused.json.error_message).to.match(/^job store unreachable: \S/);
    expect(scheduler.storeStatus().default?.lastError).to.be.a('string').and.not.equal('');
    // The wake loop retries at 0.5, 1, 2 s…: let a few retries go by, none of which may log.
    await waitFor('several retries went by', () => Date.now() - stoppedAt > 4000);
    const executedDuringOutage = one.executed.length;

    await server.start();
    await waitFor('the store is back', () => scheduler.storeStatus().default?.state === 'ok');
    const restartedAt = Date.now();
    expect((await call('GET', '')).json.stores).to.deep.equal({ default: 'ok' });
    await waitFor('both jobs ran twice more', () => one.executed.length >= executedDuringOutage + 4);
    expect((await call('POST', '/jobs', { id: 'after', func: 't:tick', trigger: 'interval', seconds: 60 })).status).to.equal(200);
    await scheduler.shutdown();

    expect(one.lines(LOSS), 'one line for the loss').to.have.length(1);
    expect(one.lines(RECOVERY), 'one line for the recovery').to.have.length(1);
    expect(one.log.lines.filter((line) => STACK.test(line.text)).map((line) => line.text), 'no stack traces').to.deep.equal([]);
    expect(one.lines(/^Processing due jobs failed/), 'no line per retry').to.deep.equal([]);

    // No fire time ran twice.
    for (const id of ['coalesced', 'strict']) expect(new Set(timesOf(one.executed, id)).size).to.equal(timesOf(one.executed, id).length);
    // coalesced: its missed run times became one run, then it kept its pace.
    const coalesced = timesOf(one.executed, 'coalesced');
    const gaps = coalesced.slice(1).map((time, i) => time - (coalesced[i] ?? time));
    expect(gaps.filter((gap) => gap > 1000), 'one coalesced run across the outage').to.have.length(1);
    expect(timesOf(one.missed, 'coalesced')).to.deep.equal([]);
    // strict: every fire time either ran or was reported missed, once, and those of the outage were missed.
    const strictRan = timesOf(one.executed, 'strict');
    // A backlog past the grace time is reported as one span (first…last, every second here).
    const strictMissed = one.missed
      .filter((event) => event.jobId === 'strict')
      .flatMap((event) => {
        const lastMs = event.scheduledRunTime.getTime();
        const firstMs = event.kind === 'job_missed' ? (event.firstScheduledRunTime?.getTime() ?? lastMs) : lastMs;
        return everySecond(firstMs, lastMs);
      });
    const first = Math.min(...strictRan);
    const last = Math.max(...strictRan);
    expect([...strictRan, ...strictMissed].sort((a, b) => a - b)).to.deep.equal(everySecond(first, last));
    expect(strictMissed.filter((time) => time > stoppedAt && time < restartedAt - 2000).length).to.be.greaterThan(0);
  });

  it('in a 2-node cluster, no (job, scheduled time) runs twice across the nodes after the outage, and none is lost', async () => {
    const schema = `outage_${++schemas}`;
    const a = node(server, schema, true);
    const b = node(server, schema, true);
    closing.push(() => a.scheduler.close({ wait: false }), () => b.scheduler.close({ wait: false }));
    await a.scheduler.addJob({ id: 'tick', func: 't:tick', trigger: 'interval', seconds: 1, coalesce: false, misfire_grace_time: 60 });
    await a.scheduler.start();
    await b.scheduler.start();
    const ran = () => [...timesOf(a.executed, 'tick'), ...timesOf(b.executed, 'tick')];
    await waitFor('the job ran three times', () => ran().length >= 3);

    await server.stop();
    const stoppedAt = Date.now();
    await waitFor('both nodes see the store unreachable', () =>
      [a, b].every(({ scheduler }) => scheduler.storeStatus().default?.state === 'unreachable'),
    );
    await waitFor('several retries went by', () => Date.now() - stoppedAt > 3000);

    await server.start();
    const restartedAt = Date.now();
    await waitFor('both nodes see the store back', () => [a, b].every(({ scheduler }) => scheduler.storeStatus().default?.state === 'ok'));
    // Nothing lost: every fire time up to the restart ran (grace 60 s), claims of the outage taken over if need be.
    const first = Math.min(...ran());
    await waitFor('every fire time up to the restart ran', () => {
      const times = new Set(ran());
      return everySecond(first, restartedAt).every((time) => times.has(time));
    });
    await Promise.all([a.scheduler.shutdown(), b.scheduler.shutdown()]);

    const times = ran();
    expect(times.length, 'no fire time ran twice across the nodes').to.equal(new Set(times).size);
    for (const { lines, log } of [a, b]) {
      expect(lines(LOSS), 'one line for the loss on each node').to.have.length(1);
      expect(lines(RECOVERY), 'one line for the recovery on each node').to.have.length(1);
      expect(log.lines.filter((line) => STACK.test(line.text)).map((line) => line.text), 'no stack traces').to.deep.equal([]);
    }
    const runs = await b.scheduler.getRuns('tick', { limit: 1000 });
    const keys = runs.map((run) => run.scheduledRunTime.getTime());
    expect(new Set(keys).size).to.equal(keys.length);
    expect(runs.filter((run) => run.status === 'ok').length).to.be.at.most(times.length);
  });
});
