import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobclockConfig } from '../../src/config/config.js';
import fileConfig from '../../knexfile-free-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { isLoopback, redactStoreUrl, startServer } from '../../src/server/app.js';
import { calls } from '../fixtures/tasks/fixture_tasks.js';
import { dropSchema, PG_URL, recordingLogger } from '../http/http-harness.js';

const FIXTURE_TASKS = fileURLToPath(new URL('../fixtures/tasks/fixture_tasks.ts', import.meta.url));
const BROKEN_TASKS = fileURLToPath(new URL('../fixtures/tasks/broken_tasks.ts', import.meta.url));

describe('startServer', function () {
  this.timeout(120_000);
  let dir: string;
  let base: JobclockConfig;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-server-'));
    base = { ...loadConfig({}, fileConfig), store: `sqlite:${path.join(dir, 'nested', 'dir', 'jobs.sqlite')}`, host: '127.0.0.1', port: 0 };
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('upserts config.jobs at start, so a restart keeps them without a conflict', async () => {
    const jobs = [{ id: 'configured', func: 'examples:echo', trigger: 'interval' as const, minutes: 10, kwargs: { from: 'config' } }];
    const first = await startServer({ ...base, jobs }, { logger: recordingLogger().logger });
    const before = await (await fetch(`${first.url}/scheduler/jobs/configured`)).json();
    expect(before).to.include({ id: 'configured', func: 'examples:echo', minutes: 10 });
    await first.close();

    const second = await startServer({ ...base, jobs }, { logger: recordingLogger().logger });
    const after = await (await fetch(`${second.url}/scheduler/jobs/configured`)).json();
    expect(after).to.deep.equal(before);
    await second.close();
  });

  it('registers SCHEDULER_TASKS modules by file name, after the bundled examples', async () => {
    const server = await startServer({ ...base, tasks: [FIXTURE_TASKS] }, { logger: recordingLogger().logger });
    try {
      const added = await fetch(`${server.url}/scheduler/jobs`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: 'fx', func: 'fixture_tasks:record', trigger: 'interval', hours: 1, args: [1, 2], kwargs: { k: true } }),
      });
      expect(added.status).to.equal(200);
      const before = calls.length;
      expect((await fetch(`${server.url}/scheduler/jobs/fx/run`, { method: 'POST' })).status).to.equal(200);
      expect(calls.slice(before)).to.deep.equal([{ jobId: 'fx', args: [1, 2, { k: true }] }]);
      expect(server.scheduler.tasks.references()).to.include.members([
        'mymodule:my_function', 'tasks:daily_cleanup', 'tasks:process_data', 'examples:echo', 'fixture_tasks:record',
      ]);
    } finally {
      await server.close();
    }
  });

  it('refuses to start when a task module cannot be loaded, naming it', async () => {
    let error: Error | undefined;
    await startServer({ ...base, tasks: [BROKEN_TASKS] }, { logger: recordingLogger().logger }).catch((e: Error) => (error = e));
    expect(error?.message).to.contain('broken_tasks.ts').and.contain('SCHEDULER_TASKS');
  });

  it('refuses a non-loopback host without auth, unless allowNoAuth or auth is configured', async () => {
    let error: Error | undefined;
    await startServer({ ...base, host: '0.0.0.0' }, { logger: recordingLogger().logger }).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/Refusing to listen on 0\.0\.0\.0 without authentication/);
    for (const config of [
      { ...base, host: '0.0.0.0', allowNoAuth: true },
      { ...base, host: '0.0.0.0', basicAuth: [{ username: 'a', password: 'b' }] },
    ]) {
      const server = await startServer(config, { logger: recordingLogger().logger });
      expect(server.port).to.be.greaterThan(0);
      await server.close();
    }
    const hooked = await startServer({ ...base, host: '0.0.0.0' }, { logger: recordingLogger().logger, authenticate: () => false });
    await hooked.close();
  });

  it('knows loopback addresses, and redacts passwords from store URLs', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopback(host), host).to.equal(true);
    for (const host of ['0.0.0.0', '', '::', '10.0.0.1', '192.168.1.2', 'example.com', '128.0.0.1']) expect(isLoopback(host), host).to.equal(false);
    expect(redactStoreUrl('postgres://app:hunter2@db:5432/jobs')).to.equal('postgres://app:***@db:5432/jobs');
    expect(redactStoreUrl('postgresql://db/jobs?user=app&password=hunter2')).to.not.contain('hunter2');
    expect(redactStoreUrl('sqlite:./data/jobclock.sqlite')).to.equal('sqlite:./data/jobclock.sqlite');
    expect(redactStoreUrl('memory:')).to.equal('memory:');
  });

  it('logs where it listens and which store it uses, never the password (PostgreSQL)', async () => {
    const schema = `jobclock_http_${randomBytes(6).toString('hex')}`;
    const withPassword = PG_URL.replace('postgres://postgres@', 'postgres://postgres:hunter2@');
    const log = recordingLogger();
    const server = await startServer({ ...base, store: withPassword, schema }, { logger: log.logger });
    try {
      expect(log.text()).to.contain(`listening on ${server.url}`);
      expect(log.text()).to.contain('postgres://postgres:***@');
      expect(log.text()).to.not.contain('hunter2');
      expect((await fetch(`${server.url}/scheduler`)).status).to.equal(200);
    } finally {
      await server.close();
      await dropSchema(schema);
    }
  });

  it('creates the SQLite file\'s folder on first run', async () => {
    const server = await startServer(base, { logger: recordingLogger().logger });
    const r = await fetch(`${server.url}/scheduler/jobs`);
    expect(r.status).to.equal(200);
    await server.close();
  });

  it('closes gracefully: running requests and jobs finish, then the stores close', async () => {
    const server = await startServer(base, { logger: recordingLogger().logger });
    await fetch(`${server.url}/scheduler/jobs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'slow', func: 'examples:sleep', trigger: 'interval', hours: 1, kwargs: { seconds: 0.5 } }),
    });
    const submitted = new Promise<void>((resolve) => server.scheduler.on('job_submitted', () => resolve()));
    const running = fetch(`${server.url}/scheduler/jobs/slow/run`, { method: 'POST' });
    await submitted;
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).to.be.within(250, 3000);
    expect((await running).status).to.equal(200);
    expect(server.scheduler.running).to.equal(false);
    // New connections are refused.
    let refused = false;
    await fetch(`${server.url}/scheduler`).catch(() => (refused = true));
    expect(refused).to.equal(true);
  });

  it('bounds a graceful close: a job that outlives the limit does not hold it up', async () => {
    const server = await startServer(base, { logger: recordingLogger().logger, shutdownTimeoutMs: 300 });
    await fetch(`${server.url}/scheduler/jobs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'stuck', func: 'examples:sleep', trigger: 'interval', hours: 1, kwargs: { seconds: 8 } }),
    });
    const submitted = new Promise<void>((resolve) => server.scheduler.on('job_submitted', () => resolve()));
    fetch(`${server.url}/scheduler/jobs/stuck/run`, { method: 'POST' }).catch(() => undefined);
    await submitted;
    const started = Date.now();
    await server.close();
    // Far below the job's 8 s, however busy the machine: the close did not wait for it.
    expect(Date.now() - started).to.be.below(6000);
  });
});
