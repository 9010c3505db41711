import type { ColumnType, Generated } from 'kysely';
import { ValidationError } from '../../errors.js';

/**
 * A row of the jobs table (`<prefix>jobs`). Times are epoch milliseconds in `bigint` columns, so
 * both dialects compare them as plain integers and the index on `next_run_time` serves the due
 * look-ups. `state` is `stateOf(job)`: `jsonb` on PostgreSQL (read back as an object), JSON text on
 * SQLite (read back as a string); `jobFromState` takes either.
 *
 * @example
 * const row: Selectable<JobsTable> = await db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow()
 */
export interface JobsTable {
  readonly id: string;
  /** Null while the job is paused (or after its stored state turned out unreadable). */
  readonly next_run_time: number | null;
  readonly state: ColumnType<unknown, string, string>;
  /** Reserved for clustering: the node holding a lease on the row, and until when. */
  readonly claim_owner: ColumnType<string | null, string | null | undefined, string | null>;
  readonly claim_expires_at: ColumnType<number | null, number | null | undefined, number | null>;
  readonly updated_at: number;
}

/**
 * The tables the store's queries name. The names here are logical: `TableNamesPlugin` rewrites
 * them to the prefixed physical names, so queries stay typed whatever the prefix.
 */
export interface JobclockDatabase {
  readonly jobs: JobsTable;
  readonly runs: RunsTable;
  readonly nodes: NodesTable;
}

/**
 * A row of `<prefix>runs`: one run of a job at one scheduled time, unique on
 * `(job_id, scheduled_run_time, manual_run_id)`. Times are epoch milliseconds.
 */
export interface RunsTable {
  readonly id: Generated<number>;
  readonly job_id: string;
  readonly scheduled_run_time: number;
  /** '' for a scheduled run; a UUID for a manual one (`runJob`), so it has a key of its own. */
  readonly manual_run_id: ColumnType<string, string | undefined, string>;
  readonly node_id: string;
  readonly claim_id: string | null;
  /** A `RunStatus` (src/stores/run-history.ts). */
  readonly status: string;
  readonly claimed_at: number | null;
  readonly started_at: number | null;
  readonly finished_at: number | null;
  /** Set while the run is `claimed` or `running`: past it, the run is another node's to take over. */
  readonly lease_expires_at: number | null;
  readonly error_message: string | null;
  readonly duration_ms: number | null;
  /** `stateOf(job)` when the claim removed the job (its last run); null otherwise. */
  readonly job_state: ColumnType<unknown, string | null | undefined, string | null>;
}

/** A row of `<prefix>nodes`: one scheduler process of a cluster. */
export interface NodesTable {
  readonly node_id: string;
  readonly hostname: string;
  readonly pid: number;
  readonly started_at: number;
  readonly heartbeat_at: number;
}

/**
 * Where a store's tables live: the physical names (prefix applied) and, on PostgreSQL, the schema.
 * Migrations receive it, so the same migration file serves every prefix.
 *
 * @example
 * storeNames('billing_', 'jobs') // { schema: 'jobs', jobs: 'billing_jobs', … }
 */
export interface StoreNames {
  /** PostgreSQL schema; null on SQLite. */
  readonly schema: string | null;
  readonly jobs: string;
  readonly jobsNextRunTimeIndex: string;
  readonly runs: string;
  readonly runsKeyIndex: string;
  readonly runsLeaseIndex: string;
  readonly nodes: string;
  readonly migrations: string;
  readonly migrationLock: string;
}

/** The SQL dialects a store speaks; migrations receive it for the few types that differ. */
export type StoreDialect = 'sqlite' | 'postgres';

export const DEFAULT_TABLE_PREFIX = 'jobclock_';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/i;
/** PostgreSQL truncates identifiers past 63 bytes; the longest name we derive (the due-time index) adds 22 characters. */
const MAX_PREFIX_LENGTH = 63 - 'jobs_next_run_time_idx'.length;

/**
 * Validates the prefix and schema and derives every table name from them. Both end up as quoted
 * identifiers, but are restricted anyway so they read the same in psql as in the config.
 */
export function storeNames(tablePrefix: string = DEFAULT_TABLE_PREFIX, schema: string | null = null): StoreNames {
  if (!IDENTIFIER.test(tablePrefix) || tablePrefix.length > MAX_PREFIX_LENGTH) {
    throw new ValidationError(
      `Invalid table prefix "${tablePrefix}": use letters, digits and _ (not first a digit), at most ${MAX_PREFIX_LENGTH} characters`,
    );
  }
  if (schema !== null && (!IDENTIFIER.test(schema) || schema.length > 63)) {
    throw new ValidationError(`Invalid schema "${schema}": use letters, digits and _ (not first a digit), at most 63 characters`);
  }
  return {
    schema,
    jobs: `${tablePrefix}jobs`,
    jobsNextRunTimeIndex: `${tablePrefix}jobs_next_run_time_idx`,
    runs: `${tablePrefix}runs`,
    runsKeyIndex: `${tablePrefix}runs_key_idx`,
    runsLeaseIndex: `${tablePrefix}runs_lease_idx`,
    nodes: `${tablePrefix}nodes`,
    migrations: `${tablePrefix}migrations`,
    migrationLock: `${tablePrefix}migrations_lock`,
  };
}
