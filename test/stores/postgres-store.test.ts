import { expect } from 'chai';
import { sql } from 'kysely';
import type { Job } from '../../src/jobs/job.js';
import type { JobStore } from '../../src/stores/job-store.js';
import { SqlJobStore } from '../../src/stores/sql/sql-job-store.js';
import { createJobStore } from '../../src/stores/store-url.js';
import { ValidationError } from '../../src/errors.js';
import { at, intervalJob, rescheduleAfter } from './job-fixtures.js';
import { PG_URL, createTestSchema, requirePostgres, type TestSchema } from './postgres-test-db.js';

describe('SqlJobStore on PostgreSQL, several stores at once', function () {
  this.timeout(180_000);
  let schema: TestSchema;
  let stores: JobStore[];

  before(async function () {
    await requirePostgres(this);
  });

  beforeEach(async function () {
    schema = await createTestSchema();
    stores = [];
  });

  afterEach(async function () {
    await Promise.all(stores.map((store) => store.close()));
    await schema?.drop();
  });

  function newStore(options: { schema?: string; tablePrefix?: string } = {}): JobStore {
    const store = createJobStore(PG_URL, { schema: schema.name, ...options });
    stores.push(store);
    return store;
  }

  it('migrates once when many stores open the same schema at the same time', async function () {
    // The schema does not exist yet either: the first open creates it.
    const fresh = `${schema.name}_new`;
    const opening = Array.from({ length: 6 }, () => newStore({ schema: fresh }));
    try {
      await Promise.all(opening.map((store) => store.open({ onUnreadableJob: () => {} })));
      const applied = await Promise.all(opening.map((store) => (store as SqlJobStore).appliedMigrations()));
      expect(applied.flat()).to.deep.equal(['0001_jobs', '0002_runs_and_nodes', '0003_manual_runs']);
      await opening[0]!.addJob(intervalJob('a', at(1)));
      expect((await opening[5]!.lookupJob('a'))?.id).to.equal('a');
    } finally {
      await Promise.all(opening.map((store) => store.close()));
      await schema.db.schema.dropSchema(fresh).ifExists().cascade().execute();
    }
  });

  it('opens while other sessions create and drop schemas of their own on the same database', async function () {
    // The migrator lists the tables of every schema; one dropped under that listing must not fail
    // this store's open (other applications, or parallel test runs, share the database).
    let churning = true;
    const churn = (async () => {
      for (let n = 0; churning; n++) {
        const other = `${schema.name}_churn_${n}`;
        await sql`create schema ${sql.id(other)}`.execute(schema.db);
        await sql`create table ${sql.table(`${other}.t`)} (id serial primary key, note text)`.execute(schema.db);
        await sql`drop schema ${sql.id(other)} cascade`.execute(schema.db);
      }
    })();
    try {
      for (let n = 0; n < 15; n++) {
        const store = newStore({ tablePrefix: `p${n}_` });
        await store.open({ onUnreadableJob: () => {} });
        await store.close();
      }
    } finally {
      churning = false;
      await churn;
    }
  });

  /** Acquires until nothing is due; an empty batch alone may only mean the rest is locked by others. */
  async function drain(store: JobStore, now: Date, batchSize: number): Promise<string[]> {
    const got: string[] = [];
    for (;;) {
      const batch = await store.acquireDueJobs(now, batchSize, rescheduleAfter(3600));
      got.push(...batch.map((acquired) => acquired.job.id));
      if (batch.length === 0 && ((await store.getNextRunTime())?.getTime() ?? Infinity) > now.getTime()) return got;
    }
  }

  it('hands each due job to exactly one of two stores acquiring concurrently', async function () {
    const [first, second] = [newStore(), newStore()];
    await Promise.all([first, second].map((store) => store.open({ onUnreadableJob: () => {} })));
    const total = 1000;
    const all = Array.from({ length: total }, (_, n) => `job-${String(n).padStart(4, '0')}`);
    for (const [n, id] of all.entries()) await first.addJob(intervalJob(id, at(n % 50)));

    const [fromFirst, fromSecond] = await Promise.all([drain(first, at(100), 25), drain(second, at(100), 25)]);
    const handedOut = [...fromFirst, ...fromSecond];
    expect(handedOut.length, 'every job handed out once').to.equal(total);
    expect([...handedOut].sort()).to.deep.equal(all);
    expect(fromFirst.length, 'both stores took part').to.be.greaterThan(0);
    expect(fromSecond.length, 'both stores took part').to.be.greaterThan(0);
    expect(await first.acquireDueJobs(at(100), total, rescheduleAfter(3600))).to.deep.equal([]);
  });

  it('hands out every due job exactly once across four concurrent acquirers', async function () {
    const acquirers = Array.from({ length: 4 }, () => newStore());
    await Promise.all(acquirers.map((store) => store.open({ onUnreadableJob: () => {} })));
    const total = 800;
    for (let n = 0; n < total; n++) await acquirers[0]!.addJob(intervalJob(`job-${n}`, at(n % 30)));
    const seen = (await Promise.all(acquirers.map((store) => drain(store, at(100), 20)))).flat();
    expect(seen.length).to.equal(total);
    expect(new Set(seen).size).to.equal(total);
  });

  it('keeps its tables in the configured schema, named with the prefix', async function () {
    const store = newStore({ tablePrefix: 'billing_' });
    await store.open({ onUnreadableJob: () => {} });
    const { rows } = await sql<{ table_name: string }>`select table_name from information_schema.tables
      where table_schema = ${schema.name} order by table_name`.execute(schema.db);
    expect(rows.map((row) => row.table_name)).to.deep.equal(['billing_jobs', 'billing_migrations', 'billing_migrations_lock', 'billing_nodes', 'billing_runs']);
  });

  it('refuses text jsonb cannot hold with a ValidationError', async function () {
    const store = newStore();
    await store.open({ onUnreadableJob: () => {} });
    const job: Job = intervalJob('nul', at(1), { args: ['a\u0000b'] });
    expect(await store.addJob(job).catch((e: unknown) => e)).to.be.instanceOf(ValidationError);
    expect(await store.lookupJob('nul')).to.equal(null);
  });
});
