import { sql, type Kysely } from 'kysely';
import { ConflictingIdError } from '../../errors.js';
import type { Job } from '../../jobs/job.js';
import type { CompiledStatements } from './compiled-statements.js';
import type { DialectStatements, SqlColumn } from './dialect-statements.js';
import type { JobRowValues } from './job-rows.js';
import type { JobclockDatabase } from './schema.js';

/** Job rows per INSERT statement of `addJobs` (all of them in one transaction). */
const INSERT_BATCH = 5000;

/** A job row's columns, for inserting many rows with one statement (`state` is jsonb on PostgreSQL). */
const JOB_ROW_COLUMNS: readonly SqlColumn[] = [
  { name: 'id', type: 'text' },
  { name: 'next_run_time', type: 'bigint' },
  { name: 'state', type: 'jsonb' },
  { name: 'updated_at', type: 'bigint' },
];

/** An upsert's SET: every written column from the row that conflicted (`excluded`). */
const excludedJobColumns = {
  next_run_time: sql<number | null>`excluded.next_run_time`,
  state: sql<string>`excluded.state`,
  updated_at: sql<number>`excluded.updated_at`,
};

/**
 * The statements that put new job rows in a SQL store, each compiled once whatever the number of
 * rows (see compiled-statements.ts): one row, many in one transaction, and the rows of concurrent
 * adds with each duplicate refused alone.
 *
 * @example
 * const inserts = new JobInserts(statements, compiled)
 * await statements.writeTransaction(db, (trx) => inserts.all(trx, rows, false))
 */
export class JobInserts {
  constructor(
    private readonly statements: DialectStatements,
    private readonly compiled: CompiledStatements,
  ) {}

  /** Inserts one row; an id already stored fails the statement (a unique violation). */
  one(trx: Kysely<JobclockDatabase>, row: JobRowValues) {
    const values = [row.id, row.next_run_time, row.state, row.updated_at];
    return this.compiled.run(trx, 'insert job', (slot) => trx.insertInto('jobs').values({ id: slot(0), next_run_time: slot(1), state: slot(2), updated_at: slot(3) }), values);
  }

  /**
   * Inserts every row, {@link INSERT_BATCH} to a statement, in the caller's transaction (`replace`:
   * an existing id is overwritten, else it fails the statement).
   */
  async all(trx: Kysely<JobclockDatabase>, rows: readonly JobRowValues[], replace: boolean): Promise<void> {
    for (let start = 0; start < rows.length; start += INSERT_BATCH) {
      await this.compiled.run(trx, `insert jobs${replace ? ', replace taken ids' : ''}`, (slot) => {
        const insert = this.rowsInsert(trx, slot);
        return replace ? insert.onConflict((conflict) => conflict.column('id').doUpdateSet(excludedJobColumns)) : insert;
      }, this.rowsValues(rows.slice(start, start + INSERT_BATCH)));
    }
  }

  /**
   * Inserts the rows of concurrent adds (SQLite) in one statement, each row taken unless its id is
   * already stored or came earlier in the batch: a duplicate refuses that row alone; any other
   * failure stores none and is every add's answer. One compiled statement whatever the number of
   * rows, where a statement per row (in one transaction) cost a fifth of a `POST /jobs`.
   */
  async each(db: Kysely<JobclockDatabase>, rows: readonly JobRowValues[]): Promise<(Error | null)[]> {
    const { rows: stored } = await this.statements.atomicWrite(db, (trx) =>
      this.compiled.run(trx, 'insert jobs, skip taken ids', (slot) =>
        this.rowsInsert(trx, slot).onConflict((conflict) => conflict.column('id').doNothing()).returning('id'),
      this.rowsValues(rows)),
    );
    // Rows go in in their order: of two with one id, the first was stored.
    const storedIds = new Set(stored.map((row) => row.id));
    return rows.map((row) => (storedIds.delete(row.id) ? null : new ConflictingIdError(row.id)));
  }

  /** Which id of a refused batch conflicts: one repeated within it, or one already stored. */
  async conflictingId(db: Kysely<JobclockDatabase>, jobs: readonly Job[]): Promise<string> {
    const seen = new Set<string>();
    for (const job of jobs) {
      if (seen.has(job.id)) return job.id;
      seen.add(job.id);
    }
    const ids = jobs.map((job) => job.id);
    const row = await db.selectFrom('jobs').select('id').where('id', 'in', this.statements.idList(ids)).executeTakeFirst();
    return row?.id ?? ids[0] ?? '';
  }

  /** `INSERT INTO jobs … SELECT` the rows of {@link rowsValues}, whatever their number. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- CompiledStatements' slot: a value of the type its place takes
  private rowsInsert(trx: Kysely<JobclockDatabase>, slot: <T>(index: number) => T) {
    return trx
      .insertInto('jobs')
      .columns(['id', 'next_run_time', 'state', 'updated_at'])
      .expression(this.statements.rowsFrom<JobRowValues>(trx, JOB_ROW_COLUMNS, slot));
  }

  private rowsValues(rows: readonly JobRowValues[]): unknown[] {
    return this.statements.rowsValues(rows.map((row) => [row.id, row.next_run_time, row.state, row.updated_at]), JOB_ROW_COLUMNS);
  }
}
