import { sql, type Kysely, type Selectable } from 'kysely';
import { FINAL_RUN_STATUSES, type RunHistory, type RunRecord, type RunRetention, type RunStatus } from '../run-history.js';
import { CompiledStatements } from './compiled-statements.js';
import type { DialectStatements, SqlColumn } from './dialect-statements.js';
import type { JobclockDatabase, RunsTable } from './schema.js';

/** Records per INSERT: 9 parameters each stays far below either database's parameter limit. */
const RECORD_BATCH = 500;

const RUN_COLUMNS = ['job_id', 'scheduled_run_time', 'manual_run_id', 'node_id', 'status', 'started_at', 'finished_at', 'error_message', 'duration_ms'] as const;

type RunRow = Pick<Selectable<RunsTable>, (typeof RUN_COLUMNS)[number]>;

/** RUN_COLUMNS with their PostgreSQL types, for a statement that takes the rows as parameters. */
const RUN_SQL_COLUMNS: readonly SqlColumn[] = RUN_COLUMNS.map((name) => ({
  name,
  type: name === 'scheduled_run_time' || name === 'started_at' || name === 'finished_at' || name === 'duration_ms' ? 'bigint' : 'text',
}));

/**
 * Run history in the `<prefix>runs` table, on SQLite and PostgreSQL alike.
 *
 * @example
 * const history = new SqlRunHistory(() => store.db(), statements)
 * await history.getRuns('nightly', { limit: 10 })
 */
export class SqlRunHistory implements RunHistory {
  constructor(
    private readonly db: () => Promise<Kysely<JobclockDatabase>>,
    private readonly statements: DialectStatements,
    private readonly compiled: CompiledStatements = new CompiledStatements(),
  ) {}

  async recordRuns(runs: readonly RunRecord[]): Promise<void> {
    if (runs.length === 0) return;
    const db = await this.db();
    for (let start = 0; start < runs.length; start += RECORD_BATCH) await this.insertRuns(db, runs.slice(start, start + RECORD_BATCH).map(rowOfRun));
  }

  /**
   * Runs the run path's insert once with no rows (it records nothing): its statement is compiled
   * and prepared, and its code warmed, before the first run of a started scheduler needs it.
   */
  async warm(db: Kysely<JobclockDatabase>): Promise<void> {
    await this.insertRuns(db, []);
  }

  private async insertRuns(db: Kysely<JobclockDatabase>, rows: readonly RunRow[]): Promise<void> {
    // One statement text for any number of rows, built and compiled once: building a 500-row
    // VALUES list every time cost more than running it.
    const values = this.statements.rowsValues(rows.map((row) => RUN_COLUMNS.map((column) => row[column])), RUN_SQL_COLUMNS);
    await this.compiled.run(db, 'record runs', (slot) =>
      db
        .insertInto('runs')
        .columns(RUN_COLUMNS)
        .expression(this.statements.rowsFrom<RunRow>(db, RUN_SQL_COLUMNS, slot))
        .onConflict((conflict) =>
          conflict.columns(['job_id', 'scheduled_run_time', 'manual_run_id']).doUpdateSet((eb) => ({
            node_id: eb.ref('excluded.node_id'),
            status: eb.ref('excluded.status'),
            started_at: eb.ref('excluded.started_at'),
            finished_at: eb.ref('excluded.finished_at'),
            error_message: eb.ref('excluded.error_message'),
            duration_ms: eb.ref('excluded.duration_ms'),
            lease_expires_at: null,
            job_state: null,
          })),
        ),
      values,
    );
  }

  async getRuns(jobId: string, options: { readonly limit?: number } = {}): Promise<RunRecord[]> {
    const db = await this.db();
    const rows = await db
      .selectFrom('runs')
      .select(RUN_COLUMNS)
      .where('job_id', '=', jobId)
      .orderBy('scheduled_run_time', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.max(0, Math.floor(options.limit ?? 20)))
      .execute();
    return rows.map(runOfRow);
  }

  async lastRuns(jobIds: readonly string[]): Promise<Map<string, RunRecord>> {
    if (jobIds.length === 0) return new Map();
    const db = await this.db();
    const { rows } = await this.compiled.run(db, 'last runs', (slot) => db
      .selectFrom('runs')
      .innerJoin(
        (eb) =>
          eb
            .selectFrom('runs')
            .select((inner) => ['job_id', inner.fn.max('scheduled_run_time').as('latest')])
            .where('job_id', 'in', this.statements.idListFrom(slot(0)))
            .groupBy('job_id')
            .as('latest_runs'),
        (join) => join.onRef('latest_runs.job_id', '=', 'runs.job_id').onRef('latest_runs.latest', '=', 'runs.scheduled_run_time'),
      )
      .select(RUN_COLUMNS.map((column) => `runs.${column}` as const)), [this.statements.idListValue(jobIds)]);
    return new Map(rows.map((row) => [row.job_id, runOfRow(row)]));
  }

  async trimRuns(retention: RunRetention, now: Date, batchSize: number): Promise<number> {
    const db = await this.db();
    const limit = Math.max(1, Math.floor(batchSize));
    const finished = [...FINAL_RUN_STATUSES];
    let deleted = 0;
    if (retention.maxAgeMs !== undefined) {
      const cutoff = now.getTime() - retention.maxAgeMs;
      const old = db.selectFrom('runs').select('id').where('scheduled_run_time', '<', cutoff).where('status', 'in', finished).limit(limit);
      const result = await db.deleteFrom('runs').where('id', 'in', old).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    if (retention.maxPerJob !== undefined && deleted < limit) {
      const ranked = db
        .selectFrom('runs')
        .select((eb) => [
          'id',
          'status',
          sql<number>`row_number() over (partition by ${eb.ref('job_id')} order by ${eb.ref('scheduled_run_time')} desc)`.as('rank'),
        ])
        .as('ranked');
      const surplus = db
        .selectFrom(ranked)
        .select('ranked.id')
        .where('ranked.rank', '>', Math.floor(retention.maxPerJob))
        .where('ranked.status', 'in', finished)
        .limit(limit - deleted);
      const result = await db.deleteFrom('runs').where('id', 'in', surplus).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    return deleted;
  }
}

function rowOfRun(run: RunRecord) {
  return {
    job_id: run.jobId,
    scheduled_run_time: run.scheduledRunTime.getTime(),
    manual_run_id: run.manualRunId ?? '',
    node_id: run.nodeId,
    status: run.status,
    started_at: run.startedAt?.getTime() ?? null,
    finished_at: run.finishedAt?.getTime() ?? null,
    error_message: run.errorMessage,
    duration_ms: run.durationMs,
  };
}

/** A row as a record; also used by the cluster code, which reads the same columns. */
export function runOfRow(row: RunRow): RunRecord {
  const date = (ms: number | null) => (ms === null ? null : new Date(Number(ms)));
  return {
    jobId: row.job_id,
    scheduledRunTime: new Date(Number(row.scheduled_run_time)),
    trigger: row.manual_run_id === '' ? 'scheduled' : 'manual',
    manualRunId: row.manual_run_id === '' ? null : row.manual_run_id,
    nodeId: row.node_id,
    status: row.status as RunStatus,
    startedAt: date(row.started_at),
    finishedAt: date(row.finished_at),
    errorMessage: row.error_message,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
  };
}
