import type { Kysely } from 'kysely';
import type { JobDeserializationError } from '../../errors.js';
import type { Job } from '../../jobs/job.js';
import type { AcquiredJob, JobAdvance } from '../job-store.js';
import type { CompiledStatements } from './compiled-statements.js';
import type { DialectStatements, SqlColumn } from './dialect-statements.js';
import { JOB_COLUMNS, jobOfRow } from './job-rows.js';
import type { JobclockDatabase } from './schema.js';

/** The rows of the acquire's reschedule: each due job's new next run time. */
const RESCHEDULED_COLUMNS: readonly SqlColumn[] = [
  { name: 'id', type: 'text' },
  { name: 'next_run_time', type: 'bigint' },
];

/**
 * What every pass of the wake loop asks a SQL store: the due jobs, handed out and advanced in one
 * transaction (the done ones deleted), and when the next one is due. These statements run on every
 * wake-up, so each is compiled once (per shape: with or without jobs left out, limited or not) and run with its values.
 *
 * @example
 * const due = new DueJobs(statements, compiled)
 * await statements.writeTransaction(db, (trx) => due.acquireIn(trx, now, now, 500, (job) => advanceDueJob(job, new Date(now)), undefined))
 */
export class DueJobs {
  constructor(
    private readonly statements: DialectStatements,
    private readonly compiled: CompiledStatements,
  ) {}

  /** The earliest next run time of the jobs not left out; null when none is scheduled. */
  async nextRunTime(db: Kysely<JobclockDatabase>, excluding?: ReadonlySet<string>): Promise<Date | null> {
    const excluded = excluding && excluding.size > 0 ? [this.statements.idListValue([...excluding])] : [];
    const { rows } = await this.compiled.run(db, `next run time${excluded.length > 0 ? ' excluding' : ''}`, (slot) => {
      const query = db.selectFrom('jobs').select((eb) => eb.fn.min('next_run_time').as('next_run_time'));
      return excluded.length > 0 ? query.where('id', 'not in', this.statements.idListFrom(slot(0))) : query;
    }, excluded);
    const time = rows[0]?.next_run_time ?? null;
    return time === null ? null : new Date(Number(time));
  }

  /**
   * In the acquiring transaction: the jobs due at `now` (at most `limit`, in due order, none of
   * `excluding`), each advanced by `advance`, their rows rescheduled or deleted to match, and rows
   * that cannot be read paused (returned, to be reported after the commit).
   */
  async acquireIn(
    trx: Kysely<JobclockDatabase>,
    now: number,
    updatedAt: number,
    limit: number,
    advance: (job: Job) => JobAdvance,
    excluding: ReadonlySet<string> | undefined,
  ): Promise<{ acquired: AcquiredJob[]; unreadable: JobDeserializationError[] }> {
    // Every pass runs this: compiled once per shape (whether some jobs are left out, whether limited).
    // Jobs still running a batch of their backlog: a handful, passed as one parameter.
    const excluded = excluding && excluding.size > 0 ? [this.statements.idListValue([...excluding])] : [];
    const limited = Number.isFinite(limit) ? [Math.floor(limit)] : [];
    const values = [now, ...excluded, ...limited];
    const key = `due jobs${excluded.length > 0 ? ' excluding' : ''}${limited.length > 0 ? ' limit' : ''}`;
    const { rows } = await this.compiled.run(trx, key, (slot) => {
      let due = trx.selectFrom('jobs').select(JOB_COLUMNS).where('next_run_time', '<=', slot<number>(0)).orderBy('next_run_time').orderBy('id');
      if (excluded.length > 0) due = due.where('id', 'not in', this.statements.idListFrom(slot(1)));
      if (limited.length > 0) due = due.limit(slot<number>(values.length - 1));
      return this.statements.lockDueRows ? due.forUpdate().skipLocked() : due;
    }, values);

    const acquired: AcquiredJob[] = [];
    const unreadable: JobDeserializationError[] = [];
    const rescheduled: [id: string, nextRunTime: number][] = [];
    const removed: string[] = [];
    for (const row of rows) {
      let job: Job;
      try {
        job = jobOfRow(row);
      } catch (error) {
        unreadable.push(error as JobDeserializationError);
        continue;
      }
      const decision = advance(job);
      acquired.push({ job, advance: decision });
      if (decision.kind === 'reschedule') rescheduled.push([job.id, decision.nextRunTime.getTime()]);
      else removed.push(job.id);
    }

    if (rescheduled.length > 0) await this.reschedule(trx, rescheduled, updatedAt);
    if (removed.length > 0) await this.removeDone(trx, removed);
    if (unreadable.length > 0) {
      // Kept for a person to repair, but paused: it would otherwise be due, and fail, every time.
      const ids = unreadable.map((error) => error.jobId);
      await trx
        .updateTable('jobs')
        .set({ next_run_time: null, updated_at: updatedAt })
        .where('id', 'in', this.statements.idList(ids))
        .execute();
    }
    return { acquired, unreadable };
  }

  /**
   * Runs the pass's writes once with no rows (they change nothing), in one transaction: their
   * statements are compiled and prepared, and their code warmed, before the first due job needs them.
   */
  async warm(db: Kysely<JobclockDatabase>): Promise<void> {
    await this.statements.writeTransaction(db, async (trx) => {
      await this.reschedule(trx, [], 0);
      await this.removeDone(trx, []);
    });
  }

  private async removeDone(trx: Kysely<JobclockDatabase>, ids: readonly string[]): Promise<void> {
    await this.compiled.run(trx, 'remove done', (slot) => trx.deleteFrom('jobs').where('id', 'in', this.statements.idListFrom(slot(0))), [
      this.statements.idListValue(ids),
    ]);
  }

  /** Sets the next run time of several jobs in one statement, whatever their number (compiled once). */
  private async reschedule(trx: Kysely<JobclockDatabase>, rows: readonly (readonly [string, number])[], updatedAt: number): Promise<void> {
    const rowValues = this.statements.rowsValues(rows, RESCHEDULED_COLUMNS);
    await this.compiled.run(trx, 'reschedule', (slot) =>
      trx
        .updateTable('jobs')
        .from(this.statements.rowsFrom<{ id: string; next_run_time: number }>(trx, RESCHEDULED_COLUMNS, slot).as('v'))
        .set((eb) => ({ next_run_time: eb.ref('v.next_run_time'), updated_at: slot<number>(rowValues.length) }))
        .whereRef('jobs.id', '=', 'v.id'),
    [...rowValues, updatedAt]);
  }
}
