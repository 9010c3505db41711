import { sql, type Kysely } from 'kysely';
import type { StoreDialect, StoreNames } from '../src/stores/sql/schema.js';

/**
 * The jobs table and its due-time index. Every name comes from `names` (table prefix, PostgreSQL
 * schema), so one migration serves any number of jobclock stores in one database.
 */
export async function up(db: Kysely<any>, names: StoreNames, dialect: StoreDialect): Promise<void> {
  const schema = names.schema === null ? db.schema : db.schema.withSchema(names.schema);
  const isPostgres = dialect === 'postgres';
  await schema
    .createTable(names.jobs)
    // Ids sort by code point in every store (SQLite's default; PostgreSQL's would follow the
    // database locale), so keyset pages are the same whichever store holds the jobs.
    .addColumn('id', 'text', (col) => (isPostgres ? col.modifyFront(sql`collate "C"`) : col).primaryKey())
    .addColumn('next_run_time', 'bigint')
    .addColumn('state', isPostgres ? 'jsonb' : 'text', (col) => col.notNull())
    .addColumn('claim_owner', 'text')
    .addColumn('claim_expires_at', 'bigint')
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .execute();
  // (next_run_time, id) is exactly the due query's ORDER BY, so it is read straight off the index.
  await schema.createIndex(names.jobsNextRunTimeIndex).on(names.jobs).columns(['next_run_time', 'id']).execute();
}

export async function down(db: Kysely<any>, names: StoreNames): Promise<void> {
  const schema = names.schema === null ? db.schema : db.schema.withSchema(names.schema);
  await schema.dropTable(names.jobs).execute();
}
