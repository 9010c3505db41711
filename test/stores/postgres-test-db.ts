import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { JobclockDatabase } from '../../src/stores/sql/schema.js';

/** The database the PostgreSQL tests use. */
export const PG_URL = process.env.JOBCLOCK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Skips the suite when PostgreSQL is unreachable on a developer's machine, but fails it under CI,
 * where a missing database must not pass for a green run.
 */
export async function requirePostgres(ctx: Mocha.Context): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
  } catch (error) {
    await client.end().catch(() => {});
    const reason = `PostgreSQL unreachable at ${PG_URL}: ${(error as Error).message}`;
    if (process.env.CI) throw new Error(`${reason} (CI is set, so this fails rather than skips)`);
    console.warn(`    skipping: ${reason}`);
    ctx.skip();
  }
}

/** A schema of its own for one test, and a connection to write rows past the store. */
export interface TestSchema {
  readonly name: string;
  readonly db: Kysely<JobclockDatabase>;
  drop(): Promise<void>;
}

/**
 * Creates `jobclock_test_<random>`; `drop()` removes it with everything in it.
 *
 * @example
 * const schema = await createTestSchema()
 * const store = createJobStore(PG_URL, { schema: schema.name })
 */
export async function createTestSchema(): Promise<TestSchema> {
  const name = `jobclock_test_${randomBytes(6).toString('hex')}`;
  const db = new Kysely<JobclockDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, max: 2 }) }),
  });
  await db.schema.createSchema(name).execute();
  return {
    name,
    db,
    async drop() {
      await db.schema.dropSchema(name).cascade().execute();
      await db.destroy();
    },
  };
}

/** A table of a test schema, for raw SQL. */
export function tableIn(schema: string, table: string) {
  return sql.table(`${schema}.${table}`);
}
