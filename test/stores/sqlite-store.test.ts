import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import type { JobStore } from '../../src/stores/job-store.js';
import { createJobStore } from '../../src/stores/store-url.js';

const CHILD = fileURLToPath(new URL('../fixtures/store-child.ts', import.meta.url));
const run = promisify(execFile);

describe('SqlJobStore on an SQLite file', function () {
  this.timeout(120_000);
  let dir: string;
  let stores: JobStore[];

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'jobclock-sqlite-'));
    stores = [];
  });

  afterEach(async function () {
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function newStore(file: string): JobStore {
    const store = createJobStore(`sqlite:${file}`);
    stores.push(store);
    return store;
  }

  it('uses WAL, and lets several processes open one new file at once without a migration clash', async function () {
    const file = join(dir, 'shared.sqlite');
    const ids = ['p1', 'p2', 'p3', 'p4'];
    const outputs = await Promise.all(ids.map((id) => run(process.execPath, ['--import', 'tsx', CHILD, 'open', file, id])));
    expect(outputs.map((output) => output.stdout)).to.deep.equal(ids.map(() => 'opened\n'));
    const store = newStore(file);
    await store.open({ onUnreadableJob: () => {} });
    expect((await store.getJobs()).map((job) => job.id)).to.deep.equal(ids);
    const check = new Database(file, { readonly: true });
    try {
      expect(check.pragma('journal_mode', { simple: true })).to.equal('wal');
      const tables = check.prepare("select name from sqlite_master where type in ('table', 'index') order by name").pluck().all();
      expect(tables).to.deep.equal([
        'jobclock_jobs',
        'jobclock_jobs_next_run_time_idx',
        'jobclock_migrations',
        'jobclock_migrations_lock',
        'jobclock_nodes',
        'jobclock_runs',
        'jobclock_runs_key_idx',
        'jobclock_runs_lease_idx',
        'sqlite_autoindex_jobclock_jobs_1',
        'sqlite_autoindex_jobclock_migrations_1',
        'sqlite_autoindex_jobclock_migrations_lock_1',
        'sqlite_autoindex_jobclock_nodes_1',
      ]);
    } finally {
      check.close();
    }
  });

  it('finds due jobs through the next_run_time index, not by scanning the table', async function () {
    const file = join(dir, 'plan.sqlite');
    await newStore(file).open({ onUnreadableJob: () => {} });
    const db = new Database(file, { readonly: true });
    try {
      const plan = (query: string): string =>
        db
          .prepare(`explain query plan ${query}`)
          .all(Date.now())
          .map((row) => (row as { detail: string }).detail)
          .join('; ');
      const due = plan('select id from jobclock_jobs where next_run_time <= ? order by next_run_time, id limit 10');
      expect(due).to.match(/USING (COVERING )?INDEX jobclock_jobs_next_run_time_idx/);
      expect(due).to.not.match(/TEMP B-TREE/);
      const next = db.prepare('explain query plan select min(next_run_time) from jobclock_jobs').all();
      expect(JSON.stringify(next)).to.match(/jobclock_jobs_next_run_time_idx/);
    } finally {
      db.close();
    }
  });
});
