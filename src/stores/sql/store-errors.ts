import { JobStoreUnavailableError } from '../../errors.js';

// The one place that decides which database errors mean "the store is unreachable right now"
// (a 503, worth retrying) rather than "this request is wrong" or "this is a bug". Every query of a
// SQL store passes through `translateStoreError` (see store-error-dialect.ts), so call sites never
// classify errors themselves.

/** Socket-level failures: the server is down, restarting, or the network is cut. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** File-system failures while SQLite opens its file (creating its folder): read-only, full, no access. */
const FILE_CODES = new Set(['EROFS', 'ENOSPC', 'EACCES', 'EPERM', 'EIO', 'EDQUOT']);

/**
 * PostgreSQL SQLSTATEs: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now
 * (starting up or shutting down), 57014 query_canceled (our `statement_timeout` fired); class 08
 * is "connection exception".
 */
const PG_STATES = new Set(['57P01', '57P02', '57P03', '57014']);

/**
 * node-postgres reports a lost or refused connection with a plain Error and no code; these are its
 * messages (pg 8): a pool connect timeout, a connection closed under a query, a dead client reused.
 */
const PG_MESSAGES = [
  /^timeout exceeded when trying to connect/i,
  /^Connection terminated/i,
  /is not queryable/i,
  /^Client has encountered a connection error/i,
];

/**
 * SQLite result codes (better-sqlite3's `code`, extended codes included): the file became
 * read-only or unopenable, the disk is full or failing, or another process held the write lock
 * past `busy_timeout`.
 */
const SQLITE_PREFIXES = ['SQLITE_READONLY', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_BUSY'];

/**
 * Why `error` means the store is unreachable, in a few words; null when it means something else
 * (a constraint, bad SQL, a bug), which callers keep as it is.
 *
 * @example
 * unreachableSummary(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))
 * // 'connect ECONNREFUSED 127.0.0.1:5432'
 */
export function unreachableSummary(error: unknown): string | null {
  if (error instanceof JobStoreUnavailableError) return error.summary;
  if (!(error instanceof Error)) return null;
  const code = codeOf(error);
  if (code !== undefined) {
    if (NETWORK_CODES.has(code) || FILE_CODES.has(code)) return describe(error, code);
    if (PG_STATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return describe(error, code);
    if (SQLITE_PREFIXES.some((prefix) => code === prefix || code.startsWith(`${prefix}_`))) return describe(error, code);
  }
  if (PG_MESSAGES.some((pattern) => pattern.test(error.message))) return describe(error, code);
  // Node reports a refused connection to a name with several addresses (localhost: ::1 and
  // 127.0.0.1) as an AggregateError of one error per address.
  if (error instanceof AggregateError) {
    for (const inner of error.errors) if (unreachableSummary(inner) !== null) return describe(inner as Error, codeOf(inner));
  }
  return null;
}

/**
 * The error a store caller should see: {@link JobStoreUnavailableError} for a connection-level
 * failure (with the original as `cause`), the error itself otherwise.
 *
 * @example
 * try { await query() } catch (error) { throw translateStoreError(error) }
 */
export function translateStoreError(error: unknown): unknown {
  if (error instanceof JobStoreUnavailableError) return error;
  const summary = unreachableSummary(error);
  return summary === null ? error : new JobStoreUnavailableError(summary, { cause: error });
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** The message, with the code when the message does not already say it (SQLite's and pg's rarely do). */
function describe(error: Error, code: string | undefined): string {
  const message = error.message.trim() || code || error.name;
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}
