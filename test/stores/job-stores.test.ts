import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { JobclockDatabase } from '../../src/stores/sql/schema.js';
import { MemoryJobStore } from '../../src/stores/memory.js';
import { createJobStore } from '../../src/stores/store-url.js';
import { at, intervalJob } from './job-fixtures.js';
import { jobStoreContract, type StoreLocation } from './job-store-contract.js';
import { expect } from 'chai';
import { PG_URL, createTestSchema, requirePostgres, tableIn } from './postgres-test-db.js';

const DEFAULT_PREFIX = 'jobclock_';

jobStoreContract({
  name: 'MemoryJobStore',
  async location(): Promise<StoreLocation> {
    return { create: () => new MemoryJobStore(), persistent: false, dispose: async () => {} };
  },
});

describe('MemoryJobStore: the id order', () => {
  it('counts the removed ids it still holds exactly, through removals, re-adds and replaces, and drops them in a rebuild', async () => {
    const store = new MemoryJobStore();
    const inner = store as unknown as { idOrder: { size: number }; staleIds: number; byId: Map<string, unknown> };
    const consistent = () => expect(inner.idOrder.size).to.equal(inner.byId.size + inner.staleIds);
    const all = Array.from({ length: 3000 }, (_, n) => `j-${String(n).padStart(4, '0')}`);
    await store.addJobs(all.map((id) => intervalJob(id, at(10))));
    for (const id of all.slice(0, 1000)) await store.removeJob(id);
    expect(inner.staleIds).to.equal(1000);
    consistent();
    // Removed ids added again are already in the order: no longer stale, not held twice.
    await store.addJobs(all.slice(0, 300).map((id) => intervalJob(id, at(20))));
    await store.addJob(intervalJob(all[2000] as string, at(30)), { replaceExisting: true });
    await store.updateJob(intervalJob(all[300 + 1000] as string, at(40)));
    expect(inner.staleIds).to.equal(700);
    consistent();
    // Removing all but a few makes the removed ids outnumber the live ones: the order is rebuilt.
    for (const id of all.slice(0, 2990)) await store.removeJob(id).catch(() => {});
    consistent();
    expect(inner.idOrder.size).to.be.at.most(inner.byId.size + 1024);
    expect((await store.getJobs()).map((job) => job.id)).to.deep.equal(all.slice(2990));
  });
});

jobStoreContract({
  name: 'SQLite file',
  async location(): Promise<StoreLocation> {
    const dir = mkdtempSync(join(tmpdir(), 'jobclock-store-'));
    const file = join(dir, 'nested', 'jobs.sqlite');
    const url = `sqlite:${file}`;
    // A connection of its own, as another process would have.
    const withFile = async <T>(work: (db: Kysely<JobclockDatabase>) => Promise<T>): Promise<T> => {
      const db = new Kysely<JobclockDatabase>({ dialect: new SqliteDialect({ database: new Database(file) }) });
      try {
        return await work(db);
      } finally {
        await db.destroy();
      }
    };
    return {
      create: (options) => createJobStore(url, options),
      persistent: true,
      raw: {
        corruptStates: ['{not json', '{"version":1,"name":"half a job"}', JSON.stringify(brokenTriggerState())],
        async insert(row, prefix = DEFAULT_PREFIX) {
          await withFile((db) =>
            sql`insert into ${sql.table(`${prefix}jobs`)} (id, next_run_time, state, updated_at)
              values (${row.id}, ${row.nextRunTime}, ${row.state}, 0)`.execute(db),
          );
        },
        async nextRunTime(id, prefix = DEFAULT_PREFIX) {
          const { rows } = await withFile((db) =>
            sql<{ next_run_time: number | null }>`select next_run_time from ${sql.table(`${prefix}jobs`)} where id = ${id}`.execute(db),
          );
          return rows[0]?.next_run_time;
        },
      },
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});

jobStoreContract({
  name: 'SQLite in memory',
  async location(): Promise<StoreLocation> {
    return { create: (options) => createJobStore('sqlite::memory:', options), persistent: false, dispose: async () => {} };
  },
});

jobStoreContract({
  name: 'PostgreSQL',
  before: requirePostgres,
  async location(): Promise<StoreLocation> {
    const schema = await createTestSchema();
    return {
      create: (options) => createJobStore(PG_URL, { ...options, schema: schema.name }),
      persistent: true,
      raw: {
        corruptStates: ['{"version":1,"name":"half a job"}', JSON.stringify(brokenTriggerState()), '"just a string"'],
        async insert(row, prefix = DEFAULT_PREFIX) {
          await sql`insert into ${tableIn(schema.name, `${prefix}jobs`)} (id, next_run_time, state, updated_at)
            values (${row.id}, ${row.nextRunTime}, ${row.state}::jsonb, 0)`.execute(schema.db);
        },
        async nextRunTime(id, prefix = DEFAULT_PREFIX) {
          const { rows } = await sql<{ next_run_time: string | null }>`select next_run_time from ${tableIn(schema.name, `${prefix}jobs`)}
            where id = ${id}`.execute(schema.db);
          const time = rows[0]?.next_run_time;
          return time === undefined ? undefined : time === null ? null : Number(time);
        },
      },
      dispose: () => schema.drop(),
    };
  },
});

/** A complete job state whose cron trigger no longer validates. */
function brokenTriggerState(): unknown {
  return {
    version: 1,
    name: 'bad trigger',
    func: 'tasks:tick',
    args: [],
    kwargs: {},
    trigger: { trigger: 'cron', hour: '99' },
    executor: 'default',
    misfire_grace_time: 1,
    coalesce: true,
    max_instances: 1,
  };
}
