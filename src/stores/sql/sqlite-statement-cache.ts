import type Database from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

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
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => {
      statements.clear();
      db.close();
    },
    prepare: (sql: string) => {
      const cached = statements.get(sql);
      if (cached) {
        // Map order is insertion order: re-inserting keeps the most used statements from eviction.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = db.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > MAX_CACHED_STATEMENTS) statements.delete(statements.keys().next().value as string);
      return statement;
    },
  };
}
