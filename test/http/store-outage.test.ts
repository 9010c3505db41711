import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import Koa from 'koa';
import { schedulerRouter } from '../../src/http/scheduler-router.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { SqlJobStore } from '../../src/stores/sql/sql-job-store.js';
import { requirePrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { recordingLogger } from './http-harness.js';

/** The REST API over a scheduler (never started) on the given store. */
async function serve(store: SqlJobStore) {
  const scheduler = new Scheduler({ jobstores: { default: store }, logger: silentLogger });
  scheduler.registerTasks('t', { tick: () => 'tock' });
  const log = recordingLogger();
  const app = new Koa();
  const router = schedulerRouter(scheduler, { logger: log.logger });
  app.use(router.routes()).use(router.allowedMethods());
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scheduler`;
  const call = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${base}${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, retryAfter: response.headers.get('retry-after'), json: text ? JSON.parse(text) : undefined };
  };
  const close = async () => {
    await new Promise((resolve) => server.close(resolve));
    await scheduler.close({ wait: false });
  };
  return { call, log, close };
}

const job = (id: string) => ({ id, func: 't:tick', trigger: 'interval', seconds: 60 });

function expectUnavailable(reply: { status: number; retryAfter: string | null; json: { error_message?: string } }) {
  expect(reply.status).to.equal(503);
  expect(Number(reply.retryAfter)).to.be.greaterThan(0);
  expect(reply.json.error_message).to.match(/^job store unreachable: \S/);
}

describe('REST API while PostgreSQL is stopped', function () {
  this.timeout(120_000);
  let server: PrivatePostgres;
  let api: Awaited<ReturnType<typeof serve>>;

  before(async function () {
    this.timeout(90_000);
    server = await requirePrivatePostgres(this);
    api = await serve(
      new SqlJobStore({ dialect: 'postgres', connectionString: server.url }, { cluster: false, timeouts: { connectMs: 1000, queryMs: 2000 } }),
    );
  });

  after(async () => {
    await api?.close();
    await server?.remove();
  });

  it('answers 503 with Retry-After and the reason, leaves nothing behind, and serves again after a restart', async () => {
    expect((await api.call('POST', '/jobs', job('before'))).status).to.equal(200);

    await server.stop();
    expectUnavailable(await api.call('POST', '/jobs', job('during')));
    expectUnavailable(await api.call('GET', '/jobs'));
    expectUnavailable(await api.call('GET', '/jobs/before'));
    expectUnavailable(await api.call('PATCH', '/jobs/before', { seconds: 5 }));
    expectUnavailable(await api.call('DELETE', '/jobs/before'));
    // One concise line per failed request, never a stack trace.
    const lines = api.log.lines.filter((line) => /503/.test(line.text));
    expect(lines).to.have.length(5);
    for (const line of lines) expect(line.text).to.not.match(/\n\s+at /);
    expect(api.log.lines.filter((line) => line.level === 'error')).to.deep.equal([]);

    await server.start();
    const jobs = await api.call('GET', '/jobs');
    expect(jobs.status).to.equal(200);
    expect(jobs.json.map((j: { id: string }) => j.id)).to.deep.equal(['before']);
    expect((await api.call('GET', '/jobs/before')).json.trigger).to.equal('interval');
    expect((await api.call('POST', '/jobs', job('after'))).status).to.equal(200);
  });
});

describe('REST API while the SQLite file is read-only', function () {
  this.timeout(120_000);
  let dir: string;
  let api: Awaited<ReturnType<typeof serve>>;
  let immutable: string[] = [];

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-readonly-api-'));
    try {
      execFileSync('touch', [path.join(dir, 'probe')]);
      execFileSync('chattr', ['+i', path.join(dir, 'probe')]);
      execFileSync('chattr', ['-i', path.join(dir, 'probe')]);
    } catch (error) {
      console.warn(`    skipping: chattr +i does not work here: ${(error as Error).message}`);
      this.skip();
    }
    api = await serve(new SqlJobStore({ dialect: 'sqlite', filename: path.join(dir, 'jobs.sqlite') }));
  });

  after(async () => {
    if (immutable.length > 0) execFileSync('chattr', ['-i', ...immutable]);
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 to writes, still serves reads, and the process carries on', async () => {
    expect((await api.call('POST', '/jobs', job('before'))).status).to.equal(200);
    const file = path.join(dir, 'jobs.sqlite');
    // As root chmod stops nothing; the immutable flag does. Not on -shm (mapped: SIGBUS).
    immutable = [file, `${file}-wal`];
    execFileSync('chattr', ['+i', ...immutable]);

    expectUnavailable(await api.call('POST', '/jobs', job('during')));
    expectUnavailable(await api.call('DELETE', '/jobs/before'));
    const jobs = await api.call('GET', '/jobs');
    expect(jobs.status).to.equal(200);
    expect(jobs.json.map((j: { id: string }) => j.id)).to.deep.equal(['before']);

    execFileSync('chattr', ['-i', ...immutable]);
    immutable = [];
    expect((await api.call('POST', '/jobs', job('after'))).status).to.equal(200);
    expect((await api.call('GET', '/jobs')).json.map((j: { id: string }) => j.id)).to.deep.equal(['after', 'before']);
  });
});
