import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { JobStoreUnavailableError } from '../../src/errors.js';
import { SqlJobStore } from '../../src/stores/sql/sql-job-store.js';
import { requirePrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { at, intervalJob } from './job-fixtures.js';

const context = { onUnreadableJob: () => {} };

/** The promise rejects with JobStoreUnavailableError; returns it. */
async function unavailable(promise: Promise<unknown>): Promise<JobStoreUnavailableError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(JobStoreUnavailableError);
    const unavailableError = error as JobStoreUnavailableError;
    expect(unavailableError.message).to.match(/^job store unreachable: \S/);
    return unavailableError;
  }
  throw new Error('expected the call to fail with JobStoreUnavailableError');
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('SqlJobStore on PostgreSQL: the server goes away under it', function () {
  this.timeout(120_000);
  let server: PrivatePostgres;
  let schemaCount = 0;
  const closing: (() => Promise<unknown>)[] = [];

  before(async function () {
    this.timeout(90_000);
    server = await requirePrivatePostgres(this);
  });

  after(async () => {
    await server?.remove();
  });

  afterEach(async () => {
    await server.thaw();
    await server.start().catch(() => {});
    for (const close of closing.splice(0)) await close().catch(() => {});
  });

  function openStore(timeouts = { connectMs: 1000, queryMs: 1500 }): SqlJobStore {
    const store = new SqlJobStore({ dialect: 'postgres', connectionString: server.url }, { schema: `outage_${++schemaCount}`, cluster: false, timeouts });
    closing.push(() => store.close());
    return store;
  }

  it('fails calls with JobStoreUnavailableError while the server is stopped, and serves them again once it is back', async () => {
    const store = openStore();
    await store.open(context);
    await store.addJob(intervalJob('before', at(10)));

    await server.stop();
    const error = await unavailable(store.addJob(intervalJob('during', at(20))));
    expect(error.cause).to.be.instanceOf(Error);
    await unavailable(store.lookupJob('before'));
    await unavailable(store.getJobs());
    await unavailable(store.acquireDueJobs(at(100), 10, () => ({ kind: 'remove' })));

    await server.start();
    expect((await store.getJobs()).map((job) => job.id)).to.deep.equal(['before']);
    await store.addJob(intervalJob('after', at(30)));
    expect((await store.getJobs()).map((job) => job.id)).to.deep.equal(['after', 'before']);
  });

  it('gives up on a hung server (connection and statement timeouts) instead of hanging', async () => {
    const store = openStore({ connectMs: 500, queryMs: 500 });
    await store.open(context);
    await store.addJob(intervalJob('kept', at(10)));

    await server.freeze();
    // The pooled connection's statement times out; a new connection's handshake times out.
    await unavailable(store.lookupJob('kept'));
    await unavailable(store.addJob(intervalJob('lost', at(20))));
    await server.thaw();

    await waitFor(async () => (await store.lookupJob('kept').catch(() => null)) !== null, 10_000);
    expect(await store.lookupJob('lost')).to.equal(null);
  });

  it('rolls back a write that timed out: it never applies later', async () => {
    const store = openStore({ connectMs: 1000, queryMs: 500 });
    await store.open(context);
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    closing.push(() => admin.end());
    const schema = `outage_${schemaCount}`;
    // A write that takes longer than the store waits: the insert waits for a lock held here until
    // the store has given up on it (no fixed delay: it waits for as long as the lock is held).
    await admin.query('begin');
    await admin.query(`lock table ${schema}.jobclock_jobs in access exclusive mode`);

    await unavailable(store.addJob(intervalJob('slow', at(10))));
    await admin.query('rollback');

    // Wait until the server has finished with the abandoned statement, then look.
    await waitFor(async () => {
      const { rows } = await admin.query(`select count(*)::int as n from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid() and state <> 'idle'`);
      return rows[0].n === 0;
    }, 15_000);
    expect(await store.lookupJob('slow')).to.equal(null);
    await store.addJob(intervalJob('fast', at(10)));
    expect((await store.getJobs()).map((job) => job.id)).to.deep.equal(['fast']);
  });
});

describe('SqlJobStore on SQLite: the file becomes read-only under it', function () {
  this.timeout(120_000);
  let dir: string;
  let store: SqlJobStore;
  let immutable: string[] = [];

  const chattr = (flag: '+i' | '-i', files: string[]) => execFileSync('chattr', [flag, ...files]);

  beforeEach(function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-readonly-'));
    // We run as root, so chmod would not stop a write: the immutable flag does (the file system
    // must support it, as ext4 and xfs do).
    try {
      execFileSync('touch', [path.join(dir, 'probe')]);
      chattr('+i', [path.join(dir, 'probe')]);
      chattr('-i', [path.join(dir, 'probe')]);
    } catch (error) {
      console.warn(`    skipping: chattr +i does not work here: ${(error as Error).message}`);
      this.skip();
    }
  });

  afterEach(async () => {
    if (immutable.length > 0) chattr('-i', immutable);
    immutable = [];
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails writes with JobStoreUnavailableError, keeps serving reads, and writes again once it is writable', async () => {
    const file = path.join(dir, 'jobs.sqlite');
    store = new SqlJobStore({ dialect: 'sqlite', filename: file });
    await store.open(context);
    await store.addJob(intervalJob('before', at(10)));

    // The database and its WAL (where writes go first). Not the -shm index: SQLite maps it into
    // memory, and the kernel kills a process writing to a mapping of an immutable file (SIGBUS).
    immutable = [file, `${file}-wal`];
    chattr('+i', immutable);
    const error = await unavailable(store.addJob(intervalJob('during', at(20))));
    expect(error.summary).to.match(/SQLITE_(IOERR|READONLY)/);
    await unavailable(store.acquireDueJobs(at(100), 10, () => ({ kind: 'remove' })));
    expect((await store.getJobs()).map((job) => job.id)).to.deep.equal(['before']);

    chattr('-i', immutable);
    immutable = [];
    await store.addJob(intervalJob('after', at(30)));
    expect((await store.getJobs()).map((job) => job.id)).to.deep.equal(['after', 'before']);
  });
});
