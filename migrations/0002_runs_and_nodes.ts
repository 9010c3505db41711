import { sql, type Kysely } from 'kysely';
import type { StoreDialect, StoreNames } from '../src/stores/sql/schema.js';

/**
 * Run history and cluster membership. `runs` holds one row per (job, scheduled run time): in a
 * cluster the row is inserted as `claimed` in the transaction that advances the job, so its unique
 * key is what makes a fire time run once; elsewhere it is written when the run ends. `nodes` holds
 * one row per live scheduler process of a cluster, with its heartbeat.
 */
export async function up(db: Kysely<any>, names: StoreNames, dialect: StoreDialect): Promise<void> {
  const schema = names.schema === null ? db.schema : db.schema.withSchema(names.schema);
  const isPostgres = dialect === 'postgres';
  await schema
    .createTable(names.runs)
    .addColumn('id', isPostgres ? 'bigserial' : 'integer', (col) => col.primaryKey())
    .addColumn('job_id', 'text', (col) => (isPostgres ? col.modifyFront(sql`collate "C"`) : col).notNull())
    .addColumn('scheduled_run_time', 'bigint', (col) => col.notNull())
    .addColumn('node_id', 'text', (col) => col.notNull())
    // One executor submission (several run times when not coalescing): max_instances counts these.
    .addColumn('claim_id', 'text')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('claimed_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('error_message', 'text')
    .addColumn('duration_ms', 'bigint')
    // The job as claimed, kept only when the claim removed it (its trigger finished): a node taking
    // the claim over finds no job row to run.
    .addColumn('job_state', isPostgres ? 'jsonb' : 'text')
    .execute();
  // The exactly-once key; also serves "runs of a job, newest first" read backwards.
  await schema.createIndex(names.runsKeyIndex).on(names.runs).columns(['job_id', 'scheduled_run_time']).unique().execute();
  // Only live runs carry a lease, so the takeover scan reads a small partial index.
  await schema
    .createIndex(names.runsLeaseIndex)
    .on(names.runs)
    .column('lease_expires_at')
    .where(sql.ref('status'), 'in', ['claimed', 'running'])
    .execute();
  await schema
    .createTable(names.nodes)
    .addColumn('node_id', 'text', (col) => col.primaryKey())
    .addColumn('hostname', 'text', (col) => col.notNull())
    .addColumn('pid', 'integer', (col) => col.notNull())
    .addColumn('started_at', 'bigint', (col) => col.notNull())
    .addColumn('heartbeat_at', 'bigint', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>, names: StoreNames): Promise<void> {
  const schema = names.schema === null ? db.schema : db.schema.withSchema(names.schema);
  await schema.dropTable(names.nodes).execute();
  await schema.dropTable(names.runs).execute();
}
