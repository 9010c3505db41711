import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { JobclockDatabase, StoreDialect } from './schema.js';
import type { SqlTarget } from './sql-target.js';

/**
 * The few statements that differ between SQLite and PostgreSQL. Everything else the store builds
 * once with Kysely for both.
 *
 * @example
 * const statements = dialectStatements(target)
 * await statements.writeTransaction(db, (trx) => trx.deleteFrom('jobs').where('id', 'in', statements.idList(ids)).execute())
 */
export interface DialectStatements {
  readonly dialect: StoreDialect;
  /** Lock the due rows a transaction selects, skipping rows another transaction holds. */
  readonly lockDueRows: boolean;
  /** The schema the store's tables go in: the configured one, or the connection's current one. */
  resolveSchema(db: Kysely<JobclockDatabase>, configured: string | null): Promise<string | null>;
  /**
   * Runs one write so that, if the store's connection is lost or times out before it answered, it
   * never applies later: in a transaction on PostgreSQL (COMMIT is sent only after the statement
   * answered; see pg-timed-pool.ts); as it is on SQLite, where a statement is its own transaction
   * in this process and nothing can arrive late.
   */
  atomicWrite<T>(db: Kysely<JobclockDatabase>, work: (db: Kysely<JobclockDatabase>) => Promise<T>): Promise<T>;
  /** Runs `work` in one transaction that may read and then write without a lock upgrade failing. */
  writeTransaction<T>(db: Kysely<JobclockDatabase>, work: (trx: Kysely<JobclockDatabase>) => Promise<T>): Promise<T>;
  /**
   * Runs Kysely's migrator so that two processes opening one database cannot both apply a migration,
   * and a migration that fails half-way leaves nothing behind.
   */
  guardMigrations<T>(db: Kysely<JobclockDatabase>, migrate: (db: Kysely<JobclockDatabase>) => Promise<T>): Promise<T>;
  /**
   * A list of ids for `where('id', 'in', …)` as ONE parameter, so the statement text is the same
   * for any number of ids (one cached statement) and never nears SQLite's parameter limit.
   */
  idList(ids: readonly string[]): RawBuilder<string>;
  /** The value of {@link idList}'s one parameter for these ids (a statement compiled once takes it at run time). */
  idListValue(ids: readonly string[]): unknown;
  /** {@link idList} over a parameter's value, as {@link idListValue} makes it. */
  idListFrom(value: unknown): RawBuilder<string>;
  /**
   * Rows as the parameters of one statement whose text is the same for any number of rows (compiled
   * once, see compiled-statements.ts): one JSON array (SQLite) or one array per column (PostgreSQL).
   */
  rowsValues(rows: readonly (readonly unknown[])[], columns: readonly SqlColumn[]): unknown[];
  /** The rows of {@link rowsValues} as a table, from the statement's parameters (`slot(i)` takes value i). */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the row type the columns stand for
  rowsFrom<R>(db: Kysely<JobclockDatabase>, columns: readonly SqlColumn[], slot: <T>(index: number) => T): SelectQueryBuilder<JobclockDatabase, never, R>;
  /** The error is a duplicate primary key. */
  isUniqueViolation(error: unknown): boolean;
  /** The error says the JSON holds text the column type cannot store (PostgreSQL jsonb and `\u0000`). */
  isUnstorableJson(error: unknown): boolean;
}

/** A column of {@link DialectStatements.rowsFrom}: its name and PostgreSQL type. */
export interface SqlColumn {
  readonly name: string;
  readonly type: 'text' | 'bigint' | 'jsonb';
}

/** The statements for a target's dialect. */
export function dialectStatements(target: SqlTarget): DialectStatements {
  return target.dialect === 'sqlite' ? sqliteStatements : postgresStatements;
}

const sqliteStatements: DialectStatements = {
  dialect: 'sqlite',
  lockDueRows: false,
  async resolveSchema() {
    return null;
  },
  atomicWrite(db, work) {
    return work(db);
  },
  writeTransaction(db, work) {
    // A plain BEGIN takes the write lock only at the first write, and that upgrade fails at once
    // (busy_timeout does not apply) if another connection wrote meanwhile. IMMEDIATE takes it first.
    return db.connection().execute(async (connection) => {
      await sql`begin immediate`.execute(connection);
      try {
        const result = await work(connection);
        await sql`commit`.execute(connection);
        return result;
      } catch (error) {
        // The failure the caller needs is the first one: a failed COMMIT (disk full, read-only
        // file) may have rolled back already, and the ROLLBACK then fails with "no transaction".
        await sql`rollback`.execute(connection).catch(() => {});
        throw error;
      }
    });
  },
  guardMigrations(db, migrate) {
    // Kysely's SQLite adapter takes no migration lock and runs no transaction (it assumes one
    // process). SQLite's DDL is transactional, so one IMMEDIATE transaction gives both.
    return sqliteStatements.writeTransaction(db, migrate);
  },
  rowsValues(rows) {
    return [JSON.stringify(rows)];
  },
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- CompiledStatements' slot: a value of the type its place takes
  rowsFrom<R>(db: Kysely<JobclockDatabase>, columns: readonly SqlColumn[], slot: <T>(index: number) => T) {
    return db
      .selectFrom(sql<{ value: string }>`json_each(${slot(0)})`.as('v'))
      .select(columns.map((column, index) => sql`v.value ->> ${sql.lit(index)}`.as(column.name)))
      // SQLite needs a WHERE before ON CONFLICT when the rows come from a SELECT.
      .where(sql<boolean>`true`) as unknown as SelectQueryBuilder<JobclockDatabase, never, R>;
  },
  idList(ids) {
    return sqliteStatements.idListFrom(sqliteStatements.idListValue(ids));
  },
  idListValue(ids) {
    return JSON.stringify(ids);
  },
  idListFrom(value) {
    return sql<string>`(select value from json_each(${value}))`;
  },
  isUniqueViolation(error) {
    const code = errorCode(error);
    return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
  },
  isUnstorableJson() {
    return false;
  },
};

const postgresStatements: DialectStatements = {
  dialect: 'postgres',
  lockDueRows: true,
  async resolveSchema(db, configured) {
    if (configured !== null) return configured;
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    const schema = rows[0]?.schema ?? null;
    if (schema === null) throw new Error('PostgreSQL has no current schema (search_path names none that exists): set the store schema');
    return schema;
  },
  atomicWrite(db, work) {
    return db.transaction().execute(work);
  },
  writeTransaction(db, work) {
    return db.transaction().execute(work);
  },
  guardMigrations(db, migrate) {
    // Kysely's PostgreSQL adapter already holds an advisory lock and a transaction per run.
    return migrate(db);
  },
  rowsValues(rows, columns) {
    return columns.map((_, index) => rows.map((row) => row[index]));
  },
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- CompiledStatements' slot: a value of the type its place takes
  rowsFrom<R>(db: Kysely<JobclockDatabase>, columns: readonly SqlColumn[], slot: <T>(index: number) => T) {
    const arrays = sql.join(columns.map((column, index) => sql`${slot(index)}::${sql.raw(column.type)}[]`));
    const names = sql.raw(columns.map((column) => column.name).join(', '));
    return db.selectFrom(sql`unnest(${arrays})`.as<'v'>(sql`v(${names})`)).selectAll() as unknown as SelectQueryBuilder<JobclockDatabase, never, R>;
  },
  idList(ids) {
    return postgresStatements.idListFrom(postgresStatements.idListValue(ids));
  },
  idListValue(ids) {
    return ids;
  },
  idListFrom(value) {
    return sql<string>`(select unnest(${value}::text[]))`;
  },
  isUniqueViolation(error) {
    return errorCode(error) === '23505';
  },
  isUnstorableJson(error) {
    // 22P05 untranslatable_character (\u0000), 22P02 invalid_text_representation (lone surrogates).
    const code = errorCode(error);
    return code === '22P05' || code === '22P02';
  },
};

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}
