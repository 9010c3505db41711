import { resolve } from 'node:path';
import { ValidationError } from '../errors.js';
import type { JobStore } from './job-store.js';
import { MemoryJobStore } from './memory.js';
import { SqlJobStore, type SqlJobStoreOptions } from './sql/sql-job-store.js';
import type { SqlTarget } from './sql/sql-target.js';

/**
 * Builds the job store a URL names. Nothing connects until the store is opened.
 *
 * - `memory:` — {@link MemoryJobStore}
 * - `sqlite:<path>` — a file, relative to the working directory (its folder is created);
 *   SQLAlchemy's `sqlite:///relative.db` and `sqlite:////absolute.db` work too
 * - `sqlite::memory:` — a private in-memory database, gone when the store closes
 * - `postgres://…`, `postgresql://…` — a PostgreSQL database (pg connection string)
 *
 * @example
 * createJobStore('sqlite:./data/jobclock.sqlite')
 * createJobStore('postgres://app@db/app', { tablePrefix: 'billing_', schema: 'scheduling' })
 */
export function createJobStore(url: string, options: SqlJobStoreOptions = {}): JobStore {
  if (url === 'memory:') return new MemoryJobStore();
  return new SqlJobStore(sqlTargetOf(url), options);
}

/** The SQL database a store URL names; {@link ValidationError} for anything else. */
export function sqlTargetOf(url: string): SqlTarget {
  const trimmed = url.trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return postgresTarget(trimmed);
  if (/^sqlite:/i.test(trimmed)) {
    const rest = trimmed.slice('sqlite:'.length);
    if (rest === ':memory:' || rest === '///:memory:') return { dialect: 'sqlite', filename: ':memory:' };
    // SQLAlchemy spells a path after `sqlite:///`, so `////` starts an absolute one.
    const path = rest.startsWith('//') ? rest.replace(/^\/\/\/?/, '') : rest;
    if (path.length > 0) return { dialect: 'sqlite', filename: resolve(path) };
  }
  throw new ValidationError(
    `Unknown job store URL "${url}": expected memory:, sqlite:<path>, sqlite::memory:, postgres://… or postgresql://…`,
  );
}

/**
 * A PostgreSQL URL as pg reads it, less jobclock's own `prepare=true|false` parameter (named prepared
 * statements, see pg-statement-names.ts), which pg would not know.
 */
function postgresTarget(url: string): SqlTarget {
  const queryStart = url.indexOf('?');
  const parameters = queryStart < 0 ? [] : url.slice(queryStart + 1).split('&');
  const isPrepare = (parameter: string) => /^prepare=/i.test(parameter);
  const prepare = parameters.filter(isPrepare).map((parameter) => parameter.slice('prepare='.length).toLowerCase());
  if (prepare.length === 0) return { dialect: 'postgres', connectionString: url };
  const value = prepare.at(-1);
  if (value !== 'true' && value !== 'false') {
    throw new ValidationError(`prepare= in a PostgreSQL store URL must be true or false, got "${value}"`);
  }
  const rest = parameters.filter((parameter) => !isPrepare(parameter));
  return { dialect: 'postgres', connectionString: url.slice(0, queryStart) + (rest.length > 0 ? `?${rest.join('&')}` : ''), prepare: value === 'true' };
}
