import type { Kysely } from 'kysely';
import type { StoreDialect, StoreNames } from '../src/stores/sql/schema.js';

/**
 * Manual runs (`runJob`, `POST /jobs/:id/run`) in the run history. A manual run's
 * `scheduled_run_time` is when it was asked for, which can be the very millisecond of a scheduled
 * run or of another manual run; so `manual_run_id` (empty for scheduled runs, a UUID for manual
 * ones) joins the unique key instead of a second table. The cluster's exactly-once claim keeps
 * working: claims are scheduled runs, so their key is still `(job_id, scheduled_run_time, '')`.
 */
export async function up(db: Kysely<any>, names: StoreNames, _dialect: StoreDialect): Promise<void> {
  const schema = names.schema === null ? db.schema : db.schema.withSchema(names.schema);
  await schema
    .alterTable(names.runs)
    .addColumn('manual_run_id', 'text', (col) => col.notNull().defaultTo(''))
    .execute();
  await schema.dropIndex(names.runsKeyIndex).execute();
  await schema.createIndex(names.runsKeyIndex).on(names.runs).columns(['job_id', 'scheduled_run_time', 'manual_run_id']).unique().execute();
}

export async function down(db: Kysely<any>, names: StoreNames): Promise<void> {
  const schema = names.schema === null ? db.schema : db.schema.withSchema(names.schema);
  await db.deleteFrom(names.schema === null ? names.runs : `${names.schema}.${names.runs}`).where('manual_run_id', '<>', '').execute();
  await schema.dropIndex(names.runsKeyIndex).execute();
  await schema.createIndex(names.runsKeyIndex).on(names.runs).columns(['job_id', 'scheduled_run_time']).unique().execute();
  await schema.alterTable(names.runs).dropColumn('manual_run_id').execute();
}
