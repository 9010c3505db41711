// Plain data, no driver types: the public declarations reach this file, and a consumer without
// @types/pg or @types/better-sqlite3 must still compile against them.

/**
 * Which database a SQL store talks to. Building it touches nothing: the file is created, or the
 * pool connects, when the store opens.
 *
 * @example
 * const target: SqlTarget = { dialect: 'postgres', connectionString: 'postgres://localhost/app' }
 */
export type SqlTarget =
  | { readonly dialect: 'sqlite'; /** A file path, or `:memory:`. */ readonly filename: string }
  | {
      readonly dialect: 'postgres';
      readonly connectionString: string;
      /**
       * Run repeated statements as named prepared statements (default true); false for a pooler
       * that does not keep them (PgBouncer in transaction mode before 1.21). `prepare=false` in a
       * store URL sets it.
       */
      readonly prepare?: boolean;
    };

/**
 * How long a PostgreSQL store waits before it calls the server unreachable.
 *
 * @example
 * new SqlJobStore(target, { timeouts: { connectMs: 2000, queryMs: 5000 } })
 */
export interface StoreTimeouts {
  /** Opening a connection, or waiting for a free one in the pool; default 5 s. */
  readonly connectMs?: number;
  /** One statement (server `statement_timeout`, and the client gives up on it too); default 15 s. */
  readonly queryMs?: number;
}

/** Defaults of {@link StoreTimeouts}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_QUERY_TIMEOUT_MS = 15_000;
