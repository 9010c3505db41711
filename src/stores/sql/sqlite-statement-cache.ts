import type Database from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';
import { BoundedMap } from '../../util/bounded-map.js';

/** Enough for every statement the store issues; `IN (…)` lists of varying length make a few more. */
const MAX_CACHED_STATEMENTS = 200;

/**
 * better-sqlite3 with its prepared statements kept by SQL text. Kysely's SQLite driver prepares
 * every query it runs; the store issues the same dozen statements over and over, and skipping the
 * re-prepare measured about 15% faster adds and 45% faster `getNextRunTime` calls.
 *
 * @example
 * new SqliteDialect({ database: withStatementCache(new Database(file)) })
 */
export function withStatementCache(db: Database.Database): SqliteDatabase {
  const statements = new BoundedMap<string, Database.Statement>(MAX_CACHED_STATEMENTS);
  return {
    close: () => {
      statements.clear();
      db.close();
    },
    prepare: (sql: string) => {
      const statement = statements.get(sql) ?? db.prepare(sql);
      // Set again when used, so the most used statements are the last to go.
      statements.set(sql, statement);
      return statement;
    },
  };
}
