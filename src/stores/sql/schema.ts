import type { ColumnType } from 'kysely';
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
  readonly migrations: string;
  readonly migrationLock: string;
}

/** The SQL dialects a store speaks; migrations receive it for the few types that differ. */
export type StoreDialect = 'sqlite' | 'postgres';

export const DEFAULT_TABLE_PREFIX = 'jobclock_';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/i;
/** PostgreSQL truncates identifiers past 63 bytes; the longest name we derive adds 15 characters. */
const MAX_PREFIX_LENGTH = 63 - 'migrations_lock'.length;

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
    migrations: `${tablePrefix}migrations`,
    migrationLock: `${tablePrefix}migrations_lock`,
  };
}
