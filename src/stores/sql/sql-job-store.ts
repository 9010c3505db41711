import type { Kysely } from 'kysely';
import { ConflictingIdError, JobDeserializationError, JobLookupError, ValidationError } from '../../errors.js';
import type { Job } from '../../jobs/job.js';
import type { ClusterCoordination } from '../cluster-coordination.js';
import type { AcquiredJob, JobAdvance, JobCounts, JobPage, JobStore, StoreContext } from '../job-store.js';
import type { RunHistory } from '../run-history.js';
import { Batcher } from '../../util/batcher.js';
import { JOB_COLUMNS, jobOfRow, rowOfJob, type JobRowValues, type StoredJobRow } from './job-rows.js';
import { type JobclockDatabase, storeNames } from './schema.js';
import { dialectStatements, type DialectStatements } from './dialect-statements.js';
import { DueJobs } from './due-jobs.js';
import { JobInserts } from './job-inserts.js';
import type { PostgresCoordination } from './postgres-coordination.js';
import type { SqlTarget, StoreTimeouts } from './sql-target.js';
import { SqlRunHistory } from './sql-run-history.js';
import { CompiledStatements } from './compiled-statements.js';
import { jobclockMigrator, openSqlStore, withOwnConnection, type OpenSqlStore, type SqlStoreSetup } from './store-opening.js';

/**
 * Where a SQL store keeps its tables.
 *
 * @example
 * new SqlJobStore(target, { tablePrefix: 'billing_', schema: 'scheduling' })
 */
export interface SqlJobStoreOptions {
  /** Prefix of every table name, default `jobclock_`: apps sharing a database use different ones. */
  readonly tablePrefix?: string;
  /** PostgreSQL schema for the tables, created if missing; default the connection's current schema. SQLite ignores it. */
  readonly schema?: string | null;
  /**
   * PostgreSQL: share the store with other scheduler processes as a cluster (each fire time runs
   * once, wake-ups by LISTEN/NOTIFY); default true. SQLite is for one process and ignores it.
   */
  readonly cluster?: boolean;
  /**
   * PostgreSQL: how long to wait for a connection and for one statement before the call fails
   * with `JobStoreUnavailableError`; defaults 5 s and 15 s. SQLite ignores it.
   */
  readonly timeouts?: StoreTimeouts;
}

/**
 * One of jobclock's migrations and whether a store has it.
 *
 * @example
 * { name: '0003_manual_runs', executedAt: null } // pending
 */
export interface MigrationStatus {
  readonly name: string;
  /** When it was applied; null while pending. */
  readonly executedAt: Date | null;
}

/**
 * The job store on SQL, SQLite (better-sqlite3) or PostgreSQL (pg), through Kysely. Opening it
 * runs the migrations of `migrations/`. Every method returns once its change is committed; due
 * jobs come off the `(next_run_time, id)` index and are advanced in the transaction that hands
 * them out (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several processes can share a store).
 *
 * @example
 * const store = new SqlJobStore({ dialect: 'sqlite', filename: './data/jobclock.sqlite' })
 * await store.open({ onUnreadableJob: console.error })
 * await store.addJob(job)
 */
export class SqlJobStore implements JobStore {
  private readonly statements: DialectStatements;
  private readonly setup: SqlStoreSetup;
  private connecting: Promise<OpenSqlStore> | null = null;
  private openCoordination: PostgresCoordination | null = null;
  /** The statements every REST request and add issues, compiled once (see compiled-statements.ts). */
  private readonly compiled = new CompiledStatements();
  /** The statements of every pass: the due jobs handed out and advanced, the next run time. */
  private readonly due: DueJobs;
  readonly runHistory: RunHistory;
  private readonly history: SqlRunHistory;
  /**
   * SQLite: the new rows of the adds made in one turn go in one transaction, a group commit (one
   * WAL commit instead of one each); each add still answers for its own row, after the commit.
   */
  private readonly newRows = new Batcher<JobRowValues, Error | null>(async (rows) => this.inserts.each((await this.connection()).db, rows));
  private readonly inserts: JobInserts;

  constructor(
    target: SqlTarget,
    options: SqlJobStoreOptions = {},
  ) {
    this.statements = dialectStatements(target);
    this.setup = {
      target,
      statements: this.statements,
      // The schema only means something on PostgreSQL; a shared config may still set it for all stores.
      names: storeNames(options.tablePrefix, target.dialect === 'postgres' ? (options.schema ?? null) : null),
      timeouts: options.timeouts ?? {},
      sharedAsCluster: target.dialect === 'postgres' && (options.cluster ?? true),
    };
    this.due = new DueJobs(this.statements, this.compiled);
    this.inserts = new JobInserts(this.statements, this.compiled);
    this.history = new SqlRunHistory(async () => (await this.connection()).db, this.statements, this.compiled);
    this.runHistory = this.history;
  }

  /**
   * How this store coordinates the cluster sharing it: once opened by a scheduler (which names its
   * node) on PostgreSQL with `cluster` on; null otherwise (a store opened on its own hands out jobs plainly).
   */
  get cluster(): ClusterCoordination | null {
    return this.openCoordination;
  }

  /** Names of the migrations the last `open()` applied (empty when the schema was up to date). */
  async appliedMigrations(): Promise<readonly string[]> {
    return (await this.connection()).appliedMigrations;
  }

  /**
   * Every migration jobclock has, in order, with when it was applied to this store (null: pending).
   * Works on a closed store, on a connection of its own, and changes nothing.
   *
   * @example
   * for (const m of await store.migrationStatus()) console.log(m.name, m.executedAt ?? 'pending')
   */
  async migrationStatus(): Promise<readonly MigrationStatus[]> {
    return withOwnConnection(this.setup, async (kysely, names) =>
      (await jobclockMigrator(kysely, names, this.setup.target.dialect).getMigrations()).map((info) => ({ name: info.name, executedAt: info.executedAt ?? null })),
    );
  }

  /**
   * Undoes the latest applied migration (Kysely's `migrateDown`) and names it; null when none was
   * applied. For a rollback before deploying an older jobclock: the tables lose what it added.
   * Works on a closed store, on a connection of its own.
   *
   * @example
   * await store.migrateDown() // '0003_manual_runs'
   */
  async migrateDown(): Promise<string | null> {
    return withOwnConnection(this.setup, async (kysely, names) => {
      const { error, results = [] } = await this.statements.guardMigrations(kysely, (db) => jobclockMigrator(db, names, this.setup.target.dialect).migrateDown());
      if (error) throw new Error(`Undoing the last migration failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      return results.find((result) => result.status === 'Success')?.migrationName ?? null;
    });
  }

  async open(context: StoreContext): Promise<void> {
    if (!this.connecting) {
      const connecting = openSqlStore(this.setup, context).then(async (connection) => {
        this.openCoordination = connection.coordination;
        // The first due job of a started scheduler would otherwise compile and prepare the run
        // path's statements (~1 ms on SQLite). Only a speed-up: a store that cannot write yet
        // (read-only, unreachable) opens as it did, and says so on its first write.
        await Promise.all([this.due.warm(connection.db), this.history.warm(connection.db)]).catch(() => {});
        return connection;
      });
      this.connecting = connecting;
      // A failed open leaves the store closed, so a later open() tries again.
      connecting.catch(() => {
        if (this.connecting === connecting) this.connecting = null;
      });
    }
    await this.connecting;
  }

  async close(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = null;
    const connection = await connecting?.catch(() => null);
    this.openCoordination = null;
    await connection?.listener?.stop();
    await connection?.kysely.destroy();
  }

  async addJob(job: Job, options: { readonly replaceExisting?: boolean } = {}): Promise<void> {
    const { db, clock } = await this.connection();
    const row = rowOfJob(job, clock.now().getTime());
    if (!options.replaceExisting && this.statements.dialect === 'sqlite') {
      // (No other node to notify on SQLite.)
      let refused: Error | null;
      try {
        refused = await this.newRows.add(row);
      } catch (error) {
        throw this.storableOr(error, job.id);
      }
      if (refused) throw refused;
      return;
    }
    try {
      await this.statements.atomicWrite(db, async (trx) => {
        if (options.replaceExisting) {
          const { id: _id, ...changes } = row;
          await trx.insertInto('jobs').values(row).onConflict((conflict) => conflict.column('id').doUpdateSet(changes)).execute();
        } else {
          await this.inserts.one(trx, row);
        }
      });
    } catch (error) {
      // The unique index decides, so two processes adding the same id at once get one conflict.
      if (this.statements.isUniqueViolation(error)) throw new ConflictingIdError(job.id);
      throw this.storableOr(error, job.id);
    }
    await this.notifyOtherNodes(job);
  }

  async addJobs(jobs: readonly Job[], options: { readonly replaceExisting?: boolean } = {}): Promise<void> {
    if (jobs.length === 0) return;
    const { db, clock } = await this.connection();
    const updatedAt = clock.now().getTime();
    const rows = jobs.map((job) => rowOfJob(job, updatedAt));
    try {
      // One transaction: a conflict (or any failure) adds none of them.
      await this.statements.writeTransaction(db, (trx) => this.inserts.all(trx, rows, options.replaceExisting ?? false));
    } catch (error) {
      if (this.statements.isUniqueViolation(error)) throw new ConflictingIdError(await this.inserts.conflictingId(db, jobs));
      throw this.storableOr(error, jobs[0]?.id ?? '');
    }
    let earliest: Job | undefined;
    for (const job of jobs) if (job.nextRunTime && !(earliest?.nextRunTime && earliest.nextRunTime <= job.nextRunTime)) earliest = job;
    if (earliest) await this.notifyOtherNodes(earliest);
  }

  async updateJob(job: Job): Promise<void> {
    const { db, clock } = await this.connection();
    const { id, ...changes } = rowOfJob(job, clock.now().getTime());
    let result;
    try {
      result = await this.statements.atomicWrite(db, (trx) => trx.updateTable('jobs').set(changes).where('id', '=', id).executeTakeFirst());
    } catch (error) {
      throw this.storableOr(error, id);
    }
    if (result.numUpdatedRows === 0n) throw new JobLookupError(id);
    await this.notifyOtherNodes(job);
  }

  async removeJob(id: string): Promise<void> {
    const { db } = await this.connection();
    const result = await this.statements.atomicWrite(db, (trx) => trx.deleteFrom('jobs').where('id', '=', id).executeTakeFirst());
    if (result.numDeletedRows === 0n) throw new JobLookupError(id);
  }

  async removeAllJobs(): Promise<void> {
    const { db } = await this.connection();
    await this.statements.atomicWrite(db, (trx) => trx.deleteFrom('jobs').execute());
  }

  async lookupJob(id: string): Promise<Job | null> {
    const { db, context } = await this.connection();
    const { rows } = await this.compiled.run(db, 'job by id', (slot) => db.selectFrom('jobs').select(JOB_COLUMNS).where('id', '=', slot<string>(0)), [id]);
    const row = rows[0];
    return row ? readOrReport(row, context) : null;
  }

  async getJobs(page: JobPage = {}): Promise<Job[]> {
    const { db, context } = await this.connection();
    const limit = Math.floor(page.limit ?? Infinity);
    const jobs: Job[] = [];
    let after = page.after;
    // Unreadable rows are skipped, so a page may need more than one read to fill up.
    while (jobs.length < limit) {
      const wanted = limit - jobs.length;
      const rows = await this.jobPage(db, after, wanted);
      for (const row of rows) {
        const job = readOrReport(row, context);
        if (job) jobs.push(job);
      }
      const last = rows.at(-1);
      if (!last || rows.length < wanted) break;
      after = last.id;
    }
    return jobs;
  }

  /** Up to `wanted` (Infinity: all) job rows in id order, after the id `after` when given. */
  private async jobPage(db: Kysely<JobclockDatabase>, after: string | undefined, wanted: number): Promise<StoredJobRow[]> {
    const limited = Number.isFinite(wanted);
    const values = [...(after === undefined ? [] : [after]), ...(limited ? [wanted] : [])];
    const key = `job page${after === undefined ? '' : ' after'}${limited ? ' limit' : ''}`;
    const { rows } = await this.compiled.run(db, key, (slot) => {
      let query = db.selectFrom('jobs').select(JOB_COLUMNS).orderBy('id');
      if (after !== undefined) query = query.where('id', '>', slot<string>(0));
      if (limited) query = query.limit(slot<number>(values.length - 1));
      return query;
    }, values);
    return rows;
  }

  async countJobs(): Promise<JobCounts> {
    const { db } = await this.connection();
    const row = await db
      .selectFrom('jobs')
      .select((eb) => [eb.fn.countAll().as('total'), eb.fn.count('next_run_time').as('scheduled')])
      .executeTakeFirstOrThrow();
    const total = Number(row.total);
    const scheduled = Number(row.scheduled);
    return { scheduled, paused: total - scheduled };
  }

  async getNextRunTime(excluding?: ReadonlySet<string>): Promise<Date | null> {
    const { db } = await this.connection();
    return this.due.nextRunTime(db, excluding);
  }

  async acquireDueJobs(now: Date, limit: number, advance: (job: Job) => JobAdvance, excluding?: ReadonlySet<string>): Promise<AcquiredJob[]> {
    if (!(limit >= 1)) return [];
    const { db, context, clock, coordination } = await this.connection();
    const { acquired, unreadable } = await this.statements.writeTransaction(db, async (trx) => {
      const result = await this.due.acquireIn(trx, now.getTime(), clock.now().getTime(), limit, advance, excluding);
      // Claimed in the same transaction as the advance: a fire time is claimed once, or not at all.
      return coordination ? { ...result, acquired: await coordination.claimIn(trx, result.acquired, now.getTime()) } : result;
    });
    // Reported after the commit, so whoever hears of a broken row finds it paused.
    for (const error of unreadable) context.onUnreadableJob(error);
    return acquired;
  }

  /** In a cluster, tells the other nodes a job changed, so they re-arm their timers. */
  private async notifyOtherNodes(job: Job): Promise<void> {
    const { db, coordination } = await this.connection();
    await coordination?.notify(db, job.nextRunTime);
  }

  /** The LISTEN connection's backend pid (tests cut it off to show the listener comes back), or null. */
  async listenerPid(): Promise<number | null> {
    return (await this.connection()).listener?.backendPid ?? null;
  }

  private async connection(): Promise<OpenSqlStore> {
    if (!this.connecting) throw new Error('The SQL job store is not open: call open() first');
    return this.connecting;
  }

  /** PostgreSQL's jsonb refuses `\u0000` and lone surrogates: that is the caller's input, not a fault. */
  private storableOr(error: unknown, id: string): unknown {
    if (!this.statements.isUnstorableJson(error)) return error;
    return new ValidationError(`Job "${id}" holds text the store cannot keep (a \\u0000 character or an unpaired surrogate)`);
  }
}

function readOrReport(row: StoredJobRow, context: StoreContext): Job | null {
  try {
    return jobOfRow(row);
  } catch (error) {
    context.onUnreadableJob(error as JobDeserializationError);
    return null;
  }
}
