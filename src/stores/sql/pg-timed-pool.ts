import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';
import { JobStoreUnavailableError } from '../../errors.js';
import type { StatementNames } from './pg-statement-names.js';
import { unreachableSummary } from './store-errors.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_QUERY_TIMEOUT_MS, type StoreTimeouts } from './sql-target.js';

/** The pg pool settings that make a dead or hung server fail fast instead of hanging a request. */
export function pgTimeoutSettings(timeouts: StoreTimeouts = {}): pg.PoolConfig {
  const queryMs = timeouts.queryMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  return {
    connectionTimeoutMillis: timeouts.connectMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    // The server gives up on a statement itself, and aborts a transaction whose client went
    // quiet (a partition that never closed the socket), so neither holds locks for long.
    statement_timeout: queryMs,
    idle_in_transaction_session_timeout: 2 * queryMs,
    // Dead peers are noticed by TCP too, not only by the next query.
    keepAlive: true,
  };
}

/**
 * A pg pool for Kysely whose clients give up on a statement after `queryMs` and then drop their
 * connection rather than go back to the pool.
 *
 * Why a write that timed out can never apply later: every write of the store runs in an explicit
 * transaction (BEGIN … COMMIT, see `writeTransaction`), and COMMIT is sent only after every
 * statement before it answered. When a statement times out (or its connection fails), this client
 * closes the socket at once and never sends COMMIT on it again; the ROLLBACK Kysely then asks for
 * is answered here without the server. PostgreSQL aborts an open transaction whose client is gone:
 * the backend finishes or cancels the statement (`statement_timeout`), finds the socket closed, and
 * rolls back; a socket that stays half-open is caught by `idle_in_transaction_session_timeout`.
 * Nothing of it commits. The one window no client can close is the COMMIT round trip itself: if
 * the connection dies after COMMIT was sent, the outcome is unknown, and the error says so.
 *
 * With `names`, the statements it names run as named prepared statements (see pg-statement-names.ts).
 *
 * @example
 * new PostgresDialect({ pool: abandoningTimedOutQueries(new pg.Pool(config), 15_000, new StatementNames()) })
 */
export function abandoningTimedOutQueries(pool: pg.Pool, queryMs: number, names: StatementNames | null = null): PostgresPool {
  return {
    // A callback, not the promise: the wrapper must listen for 'error' in the very call that hands
    // the client out. A promise resumes only after the socket's chunk is parsed, and the server's
    // FATAL message may follow ReadyForQuery in that same chunk (a session terminated as it opened).
    connect: () =>
      new Promise<PostgresPoolClient>((resolve, reject) =>
        pool.connect((error, client) => (error || !client ? reject(error ?? new Error('The pg pool handed out no client')) : resolve(new AbandoningClient(client, queryMs, names)))),
      ),
    end: () => pool.end(),
  };
}

class AbandoningClient implements PostgresPoolClient {
  /** Set when the connection was dropped (timed out, or failed under a query); it runs nothing more. */
  private abandoned: JobStoreUnavailableError | null = null;
  private released = false;
  /**
   * pg-pool listens for a client's 'error' only while the client is idle in the pool. Checked out
   * (between two statements of a transaction, say), a connection the server ends (an administrator's
   * pg_terminate_backend, a failover) emits 'error' with no query to take it; unheard, that event
   * would kill the process. Heard here, it marks the connection dead: the next statement reports the
   * store unreachable.
   */
  private readonly onConnectionError = (error: unknown): void => {
    this.abandoned ??= new JobStoreUnavailableError(unreachableSummary(error) ?? 'the connection failed', { cause: error });
  };

  constructor(
    private readonly inner: pg.PoolClient,
    private readonly queryMs: number,
    private readonly names: StatementNames | null,
  ) {
    inner.on('error', this.onConnectionError);
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(sqlOrCursor: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // The store streams nothing; a cursor goes straight through.
    if (typeof sqlOrCursor !== 'string') return (this.inner as unknown as PostgresPoolClient).query(sqlOrCursor);
    return this.timedQuery<R>(sqlOrCursor, parameters ?? []);
  }

  private async timedQuery<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    const isCommit = /^\s*commit\b/i.test(sql);
    if (this.abandoned) {
      // The transaction died with its connection: the server has rolled it back, or will.
      if (/^\s*rollback\b/i.test(sql)) return { command: 'ROLLBACK', rowCount: 0, rows: [] };
      throw this.abandoned;
    }
    // A deadline on a driver call, in real time: the pool has no Clock, and a ManualClock would never end it.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      // eslint-disable-next-line no-restricted-globals -- see above
      timer = setTimeout(() => {
        const what = isCommit ? 'COMMIT got no answer; the change may or may not have been applied' : 'statement got no answer';
        reject(this.abandon(new JobStoreUnavailableError(`${what} within ${this.queryMs} ms`)));
      }, this.queryMs);
    });
    try {
      const name = this.names?.nameOf(sql, parameters.length);
      const sent = name === undefined ? this.inner.query(sql, [...parameters]) : this.inner.query({ name, text: sql, values: [...parameters] });
      const result = await Promise.race([sent, timedOut]);
      return result as unknown as PostgresQueryResult<R>;
    } catch (error) {
      const summary = unreachableSummary(error);
      if (summary === null) throw error;
      const unknownOutcome = isCommit && !(error instanceof JobStoreUnavailableError);
      throw this.abandon(
        error instanceof JobStoreUnavailableError
          ? error
          : new JobStoreUnavailableError(unknownOutcome ? `${summary} during COMMIT; the change may or may not have been applied` : summary, { cause: error }),
      );
    } finally {
      // eslint-disable-next-line no-restricted-globals -- see above
      clearTimeout(timer);
    }
  }

  /** Drops the connection now (the pool destroys it) and refuses anything more on it. */
  private abandon(error: JobStoreUnavailableError): JobStoreUnavailableError {
    this.abandoned ??= error;
    this.releaseInner(true);
    return error;
  }

  release(destroy?: boolean): void {
    this.releaseInner(destroy ?? false);
  }

  private releaseInner(destroy: boolean): void {
    if (this.released) return;
    this.released = true;
    this.inner.removeListener('error', this.onConnectionError);
    // A connection that failed must not go back to the pool.
    if (this.abandoned) destroy = true;
    // A truthy argument makes pg end the client (destroying the socket when a query is active).
    this.inner.release(destroy ? new Error('dropped by the job store') : undefined);
  }
}
