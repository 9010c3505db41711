import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { abandoningTimedOutQueries, DEFAULT_QUERY_TIMEOUT_MS, pgTimeoutSettings, type StoreTimeouts } from './pg-timed-pool.js';
import type { JobclockDatabase } from './schema.js';
import { translatingStoreErrors } from './store-error-dialect.js';
import { withStatementCache } from './sqlite-statement-cache.js';

/**
 * Which database a SQL store talks to. Building it touches nothing: the file is created, or the
 * pool connects, when the store opens.
 *
 * @example
 * const target: SqlTarget = { dialect: 'postgres', connectionString: 'postgres://localhost/app' }
 */
export type SqlTarget =
  | { readonly dialect: 'sqlite'; /** A file path, or `:memory:`. */ readonly filename: string }
  | { readonly dialect: 'postgres'; readonly connectionString: string };

/** How long a SQLite write waits for another process's write lock before failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** PostgreSQL's `bigint`; pg returns it as a string unless told otherwise. */
const INT8_OID = 20;

/**
 * Builds the Kysely instance for a target: better-sqlite3 in WAL mode, or a pg pool.
 *
 * @example
 * const db = createKysely({ dialect: 'sqlite', filename: './data/jobclock.sqlite' })
 */
export function createKysely(target: SqlTarget, timeouts: StoreTimeouts = {}): Kysely<JobclockDatabase> {
  return new Kysely<JobclockDatabase>({
    // Connection-level failures become JobStoreUnavailableError here, for every query.
    dialect: translatingStoreErrors(
      target.dialect === 'sqlite' ? sqliteDialect(target.filename) : postgresDialect(target.connectionString, timeouts),
    ),
  });
}

function sqliteDialect(filename: string): SqliteDialect {
  return new SqliteDialect({
    database: async () => {
      if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
      const db = new Database(filename);
      // WAL: readers never block the writer and a commit is one append; with synchronous=NORMAL a
      // commit survives a killed process (not a power cut), the trade-off SQLite recommends for WAL.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      return withStatementCache(db);
    },
  });
}

function postgresDialect(connectionString: string, timeouts: StoreTimeouts): PostgresDialect {
  const pool = new pg.Pool({
    connectionString,
    ...pgTimeoutSettings(timeouts),
    // Epoch milliseconds fit a double exactly, so bigint columns come back as numbers. Set per
    // pool, not globally, so other pg users in the process keep pg's defaults.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
    },
  });
  // An idle client that loses its server emits 'error' on the pool; unhandled, that would kill the
  // process. The pool drops the client, and the next query reports any lasting problem itself.
  pool.on('error', () => {});
  return new PostgresDialect({ pool: abandoningTimedOutQueries(pool, timeouts.queryMs ?? DEFAULT_QUERY_TIMEOUT_MS) });
}
