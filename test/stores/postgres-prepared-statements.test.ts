import { expect } from 'chai';
import { sql, type Kysely } from 'kysely';
import { createKysely } from '../../src/stores/sql/sql-connection.js';
import type { JobclockDatabase } from '../../src/stores/sql/schema.js';
import { sqlTargetOf } from '../../src/stores/store-url.js';
import { SqlJobStore } from '../../src/stores/sql/sql-job-store.js';
import { at, intervalJob } from './job-fixtures.js';
import { PG_URL, createTestSchema, requirePostgres } from './postgres-test-db.js';

// A PostgreSQL store runs the statements it repeats as named prepared statements (parsed and planned
// once per connection), unless its URL says prepare=false (PgBouncer in transaction mode < 1.21).

/** The prepared statements of the session that answers (pg's pool hands out its last idle client). */
async function preparedIn(db: Kysely<JobclockDatabase>): Promise<{ name: string; statement: string }[]> {
  const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db);
  return rows;
}

describe('PostgreSQL store: named prepared statements', function () {
  this.timeout(60_000);

  before(async function () {
    await requirePostgres(this);
  });

  it('names a parameterized statement from its third run, and never one without parameters', async () => {
    const db = createKysely(sqlTargetOf(PG_URL));
    try {
      const repeated = (n: number) => sql<{ n: number }>`select ${n}::int + 1 as n`.execute(db);
      for (let run = 1; run <= 2; run++) await repeated(run);
      expect((await preparedIn(db)).map((row) => row.statement)).to.not.include('select $1::int + 1 as n');
      for (let run = 3; run <= 5; run++) expect((await repeated(run)).rows).to.deep.equal([{ n: run + 1 }]);
      const named = (await preparedIn(db)).filter((row) => row.statement === 'select $1::int + 1 as n');
      expect(named).to.have.length(1);
      expect(named[0]?.name).to.match(/^jobclock_\d+$/);
      for (let run = 0; run < 4; run++) await sql`select 1`.execute(db);
      expect((await preparedIn(db)).map((row) => row.statement)).to.not.include('select 1');
    } finally {
      await db.destroy();
    }
  });

  it('prepares nothing with prepare=false in the URL, and still answers', async () => {
    const db = createKysely(sqlTargetOf(`${PG_URL}${PG_URL.includes('?') ? '&' : '?'}prepare=false`));
    try {
      for (let run = 1; run <= 5; run++) expect((await sql<{ n: number }>`select ${run}::int + 1 as n`.execute(db)).rows).to.deep.equal([{ n: run + 1 }]);
      expect(await preparedIn(db)).to.deep.equal([]);
    } finally {
      await db.destroy();
    }
  });

  it('keeps a store working with either setting: jobs added, read, changed and removed', async () => {
    for (const prepare of [true, false]) {
      const schema = await createTestSchema();
      const target = sqlTargetOf(`${PG_URL}${PG_URL.includes('?') ? '&' : '?'}prepare=${prepare}`);
      const store = new SqlJobStore(target, { schema: schema.name });
      try {
        await store.open({ onUnreadableJob: () => {} });
        for (let i = 0; i < 5; i++) await store.addJob(intervalJob(`job-${i}`, at(10 + i)));
        for (let i = 0; i < 5; i++) expect((await store.lookupJob(`job-${i}`))?.nextRunTime).to.deep.equal(at(10 + i));
        await store.updateJob(intervalJob('job-0', at(99)));
        for (let i = 1; i < 5; i++) await store.removeJob(`job-${i}`);
        expect((await store.getJobs()).map((job) => [job.id, job.nextRunTime])).to.deep.equal([['job-0', at(99)]]);
      } finally {
        await store.close();
        await schema.drop();
      }
    }
  });
});
