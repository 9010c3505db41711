import Database from 'better-sqlite3';
import { expect } from 'chai';
import { Kysely, SqliteDialect } from 'kysely';
import { CompiledStatements } from '../../src/stores/sql/compiled-statements.js';
import type { JobclockDatabase } from '../../src/stores/sql/schema.js';

describe('CompiledStatements', function () {
  let db: Kysely<JobclockDatabase>;

  beforeEach(async function () {
    db = new Kysely<JobclockDatabase>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    await db.schema.createTable('jobs').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('next_run_time', 'integer').addColumn('state', 'text').addColumn('updated_at', 'integer').execute();
  });

  afterEach(async function () {
    await db.destroy();
  });

  it('builds a statement once and runs it with each call’s values in its slots, keeping its own constants', async function () {
    const statements = new CompiledStatements();
    let builds = 0;
    const insert = (values: unknown[]) =>
      statements.run(db, 'insert', (slot) => {
        builds += 1;
        return db.insertInto('jobs').values({ id: slot(0), next_run_time: slot(1), state: 'constant', updated_at: slot(2) });
      }, values);
    await insert(['a', 10, 1]);
    await insert(['b', null, 2]);
    const page = (after: string, limit: number) =>
      statements.run(db, 'page', (slot) => db.selectFrom('jobs').select(['id', 'next_run_time', 'state']).where('id', '>', slot<string>(0)).orderBy('id').limit(slot<number>(1)), [after, limit]);
    expect((await page('', 10)).rows).to.deep.equal([
      { id: 'a', next_run_time: 10, state: 'constant' },
      { id: 'b', next_run_time: null, state: 'constant' },
    ]);
    expect((await page('a', 10)).rows.map((row) => row.id)).to.deep.equal(['b']);
    expect((await page('', 1)).rows.map((row) => row.id)).to.deep.equal(['a']);
    expect(builds).to.equal(1);
  });

  it('refuses a statement that leaves a slot unused', function () {
    const statements = new CompiledStatements();
    expect(() => statements.run(db, 'bad', () => db.selectFrom('jobs').select('id'), ['x'])).to.throw(/no parameter for slot 0/);
  });
});
