import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type pg from 'pg';
import { importDriver, type ModuleImporter } from './driver-import.js';
import { abandoningTimedOutQueries, pgTimeoutSettings } from './pg-timed-pool.js';
import { StatementNames } from './pg-statement-names.js';
import { DEFAULT_QUERY_TIMEOUT_MS, type SqlTarget, type StoreTimeouts } from './sql-target.js';
import type { JobclockDatabase } from './schema.js';
import { translatingStoreErrors } from './store-error-dialect.js';
import { withStatementCache } from './sqlite-statement-cache.js';

/** How long a SQLite write waits for another process's write lock before failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** PostgreSQL's `bigint`; pg returns it as a string unless told otherwise. */
const INT8_OID = 20;

/**
 * The connection factory of the SQL stores: a Kysely instance over better-sqlite3 (WAL mode) or a
 * pg pool. The driver package is imported on the first connection, not here, so an application
 * that never opens a SQL store needs neither installed; a missing one fails that connection with
 * a {@link MissingDriverError} naming the package.
 *
 * @example
 * const db = createKysely({ dialect: 'sqlite', filename: './data/jobclock.sqlite' })
 * await db.selectFrom('jobs').selectAll().execute() // better-sqlite3 loads here
 */
export function createKysely(target: SqlTarget, timeouts: StoreTimeouts = {}, importer?: ModuleImporter): Kysely<JobclockDatabase> {
  return new Kysely<JobclockDatabase>({
    // Connection-level failures become JobStoreUnavailableError here, for every query.
    dialect: translatingStoreErrors(
      target.dialect === 'sqlite'
        ? sqliteDialect(target.filename, importer)
        : postgresDialect(target, timeouts, importer),
    ),
  });
}

/**
 * The pg module, for the connections a pool cannot give (a dedicated `LISTEN` session).
 *
 * @example
 * const { Client } = await loadPg()
 */
export function loadPg(importer?: ModuleImporter): Promise<typeof pg> {
  return importDriver<typeof pg>('pg', 'PostgreSQL', importer);
}

function sqliteDialect(filename: string, importer: ModuleImporter | undefined): SqliteDialect {
  return new SqliteDialect({
    database: async () => {
      const Database = await importDriver<typeof BetterSqlite3>('better-sqlite3', 'SQLite', importer);
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

function postgresDialect(target: Extract<SqlTarget, { dialect: 'postgres' }>, timeouts: StoreTimeouts, importer: ModuleImporter | undefined): PostgresDialect {
  const { connectionString } = target;
  return new PostgresDialect({
    pool: async () => {
      const driver = await loadPg(importer);
      const pool = new driver.Pool({
        connectionString,
        ...pgTimeoutSettings(timeouts),
        // Epoch milliseconds fit a double exactly, so bigint columns come back as numbers. Set per
        // pool, not globally, so other pg users in the process keep pg's defaults.
        types: {
          getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
            // eslint-disable-next-line @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-enum-assignment -- pg's own parser for a plain oid, typed loosely by @types/pg
            oid === INT8_OID ? (value: string) => Number(value) : driver.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
        },
      });
      // An idle client that loses its server emits 'error' on the pool; unhandled, that would kill the
      // process. The pool drops the client, and the next query reports any lasting problem itself.
      pool.on('error', () => {});
      return abandoningTimedOutQueries(pool, timeouts.queryMs ?? DEFAULT_QUERY_TIMEOUT_MS, target.prepare === false ? null : new StatementNames());
    },
  });
}
