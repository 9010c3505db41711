import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import Koa from 'koa';
import { JobStoreUnavailableError } from '../../src/errors.js';
import { schedulerRouter } from '../../src/http/scheduler-router.js';
import type { JobExecutionEvent } from '../../src/scheduler/events.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { SqlJobStore } from '../../src/stores/sql/sql-job-store.js';
import { recordingLogger } from '../http/http-harness.js';

const LOSS = /^Job store "default" is unreachable: \S/;
const RECOVERY = /^Job store "default" is back after \d+\.\d s$/;
const STACK = /\n\s+at /;

async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A scheduler on an SQLite file, with its REST API, recording its log and its runs. */
async function serve(filename: string) {
  const log = recordingLogger();
  const scheduler = new Scheduler({ jobstores: { default: new SqlJobStore({ dialect: 'sqlite', filename }) }, logger: log.logger });
  scheduler.registerTasks('t', { tick: () => 'tock' });
  const executed: number[] = [];
  scheduler.on('job_executed', (event: JobExecutionEvent) => void executed.push(event.scheduledRunTime.getTime()));
  const app = new Koa();
  const router = schedulerRouter(scheduler, { logger: log.logger });
  app.use(router.routes()).use(router.allowedMethods());
  const http: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
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
  const close = async () => {
    await new Promise((resolve) => http.close(resolve));
    await scheduler.close({ wait: false });
  };
  const lines = (pattern: RegExp) => log.lines.filter((line) => pattern.test(line.text));
  return { scheduler, log, lines, executed, call, close };
}

describe('a running scheduler whose SQLite file becomes read-only', function () {
  this.timeout(120_000);
  let dir: string;
  let immutable: string[] = [];
  let api: Awaited<ReturnType<typeof serve>> | undefined;

  before(function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-readonly-running-'));
    try {
      execFileSync('touch', [path.join(dir, 'probe')]);
      execFileSync('chattr', ['+i', path.join(dir, 'probe')]);
      execFileSync('chattr', ['-i', path.join(dir, 'probe')]);
    } catch (error) {
      console.warn(`    skipping: chattr +i does not work here: ${(error as Error).message}`);
      this.skip();
    }
  });

  after(async () => {
    if (immutable.length > 0) execFileSync('chattr', ['-i', ...immutable]);
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 to writes, logs one line, keeps running, and carries on once the file is writable again', async () => {
    const file = path.join(dir, 'jobs.sqlite');
    api = await serve(file);
    const { scheduler, call, executed } = api;
    await scheduler.addJob({ id: 'tick', func: 't:tick', trigger: 'interval', seconds: 1, coalesce: true, misfire_grace_time: 60 });
    await scheduler.start();
    await waitFor('the job ran twice', () => executed.length >= 2);

    // As root chmod stops nothing; the immutable flag does. Not on -shm (mapped: SIGBUS).
    immutable = [file, `${file}-wal`];
    execFileSync('chattr', ['+i', ...immutable]);
    await waitFor('the store is seen unreachable', () => scheduler.storeStatus().default?.state === 'unreachable');
    const refused = await call('POST', '/jobs', { id: 'during', func: 't:tick', trigger: 'interval', seconds: 60 });
    expect(refused.status).to.equal(503);
    expect(Number(refused.retryAfter)).to.be.greaterThan(0);
    expect(refused.json.error_message).to.match(/^job store unreachable: .*SQLITE_/);
    // Reads still work, and do not count as the store being back.
    expect((await call('GET', '/jobs')).json.map((job: { id: string }) => job.id)).to.deep.equal(['tick']);
    const info = await call('GET', '');
    expect(info.json).to.deep.include({ running: true, stores: { default: 'unreachable' } });
    const retriedFrom = Date.now();
    await waitFor('a few retries went by', () => Date.now() - retriedFrom > 2000);
    const ranWhileReadOnly = executed.length;

    execFileSync('chattr', ['-i', ...immutable]);
    immutable = [];
    await waitFor('the store is back', () => scheduler.storeStatus().default?.state === 'ok');
    await waitFor('the job ran again', () => executed.length >= ranWhileReadOnly + 2);
    expect((await call('POST', '/jobs', { id: 'after', func: 't:tick', trigger: 'interval', seconds: 60 })).status).to.equal(200);
    await scheduler.shutdown();

    expect(api.lines(LOSS), 'one line for the loss').to.have.length(1);
    expect(api.lines(RECOVERY), 'one line for the recovery').to.have.length(1);
    expect(api.log.lines.filter((line) => STACK.test(line.text)).map((line) => line.text), 'no stack traces').to.deep.equal([]);
    expect(new Set(executed).size, 'no fire time ran twice').to.equal(executed.length);
  });
});

describe('a running scheduler whose SQLite disk is full', function () {
  this.timeout(120_000);
  let dir: string;
  let mounted = false;
  let api: Awaited<ReturnType<typeof serve>> | undefined;

  before(function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-full-disk-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'pipe' });
      mounted = true;
    } catch (error) {
      console.warn(`    skipping: cannot mount a small tmpfs here: ${(error as Error).message.split('\n')[0]}`);
      this.skip();
    }
  });

  after(async () => {
    await api?.close();
    if (mounted) execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails writes with JobStoreUnavailableError (503), logs one line, and carries on once there is room', async () => {
    mkdirSync(path.join(dir, 'db'));
    api = await serve(path.join(dir, 'db', 'jobs.sqlite'));
    const { scheduler } = api;
    await scheduler.addJob({ id: 'hourly', func: 't:tick', trigger: 'interval', hours: 1 });
    await scheduler.start();

    const filler = path.join(dir, 'filler');
    fillDisk(filler);
    // Enough rows that the write needs pages the full disk cannot give.
    const many = Array.from({ length: 3000 }, (_, i) => ({ id: `bulk-${i}`, func: 't:tick', trigger: 'interval' as const, hours: 1, kwargs: { pad: 'x'.repeat(200) } }));
    const error = await scheduler.addJobs(many).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(JobStoreUnavailableError);
    expect((error as JobStoreUnavailableError).storeAlias).to.equal('default');
    expect((error as JobStoreUnavailableError).message).to.match(/^job store unreachable: .*(SQLITE_FULL|ENOSPC)/);
    expect(scheduler.storeStatus().default?.state).to.equal('unreachable');
    expect((await api.call('GET', '')).json.stores).to.deep.equal({ default: 'unreachable' });
    expect(await scheduler.getJobs(), 'nothing half-written').to.have.length(1);

    rmSync(filler);
    await scheduler.addJobs(many);
    expect(scheduler.storeStatus().default?.state).to.equal('ok');
    expect(await scheduler.getJobs()).to.have.length(3001);
    await scheduler.shutdown();

    expect(api.lines(LOSS), 'one line for the loss').to.have.length(1);
    expect(api.lines(RECOVERY), 'one line for the recovery').to.have.length(1);
    expect(api.log.lines.filter((line) => STACK.test(line.text)).map((line) => line.text), 'no stack traces').to.deep.equal([]);
  });
});

/** Writes `file` until the file system has no room left. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    // The last partial block.
    try {
      for (;;) writeSync(fd, Buffer.alloc(512, 1));
    } catch {
      // Full.
    }
  } finally {
    closeSync(fd);
  }
}
