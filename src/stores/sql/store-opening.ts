import { createHash } from 'node:crypto';
import { Migrator, type Kysely } from 'kysely';
import { systemClock, type Clock } from '../../clock/clock.js';
import { JobStoreUnavailableError } from '../../errors.js';
import type { StoreContext } from '../job-store.js';
import type { DialectStatements } from './dialect-statements.js';
import { StoreMigrationProvider } from './migration-provider.js';
import { PgWakeListener } from './pg-wake-listener.js';
import { PostgresCoordination } from './postgres-coordination.js';
import type { JobclockDatabase, StoreNames } from './schema.js';
import { createKysely } from './sql-connection.js';
import type { SqlTarget, StoreTimeouts } from './sql-target.js';
import { TableNamesPlugin } from './table-names-plugin.js';

/** What opening a SQL store needs to know: where, how its SQL is spelled, its table names, and whether it is shared as a cluster. */
export interface SqlStoreSetup {
  readonly target: SqlTarget;
  readonly statements: DialectStatements;
  /** The configured names; the schema is resolved on opening (PostgreSQL's current one when null). */
  readonly names: StoreNames;
  readonly timeouts: StoreTimeouts;
  /** PostgreSQL with `cluster` on: a scheduler opening it (a node) coordinates through it. */
  readonly sharedAsCluster: boolean;
}

/** An open SQL store: the Kysely instance to close, the one its queries go through, and its cluster parts. */
export interface OpenSqlStore {
  readonly kysely: Kysely<JobclockDatabase>;
  /** `kysely` with the prefixed table names and the schema applied. */
  readonly db: Kysely<JobclockDatabase>;
  readonly context: StoreContext;
  /** The opening scheduler's clock (`updated_at`, the listener's retries); the system clock otherwise. */
  readonly clock: Clock;
  readonly appliedMigrations: readonly string[];
  /** Set when shared as a cluster: opened by a scheduler (a node) on PostgreSQL with `cluster` on. */
  readonly coordination: PostgresCoordination | null;
  readonly listener: PgWakeListener | null;
}

/**
 * Opens a SQL store: connects, runs the migrations (retrying past another session's dropped
 * schema), applies the table names and schema, and, for a node of a cluster, starts the
 * coordination and the LISTEN connection that wakes it. A failure closes what it opened.
 */
export async function openSqlStore(setup: SqlStoreSetup, context: StoreContext): Promise<OpenSqlStore> {
  const { target, statements } = setup;
  const kysely = createKysely(target, setup.timeouts);
  try {
    const schema = await statements.resolveSchema(kysely, setup.names.schema);
    const names: StoreNames = { ...setup.names, schema };
    const migrate = () => statements.guardMigrations(kysely, (db) => jobclockMigrator(db, names, target.dialect).migrateToLatest());
    let { error, results = [] } = await migrate();
    // Kysely's migrator lists the tables of every schema (PostgresIntrospector.getTables): a schema
    // another session drops meanwhile fails that listing with "schema … does not exist" (a catalog
    // race, nothing to do with this store). The next listing no longer sees it.
    for (let retry = 0; retry < 10 && isOtherSchemaGone(error, schema); retry++) ({ error, results = [] } = await migrate());
    // Kysely's migrator reports a failure instead of throwing it: an unreachable store stays that.
    if (error instanceof JobStoreUnavailableError) throw error;
    if (error) throw new Error(`Migrating the job store failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    const prefixed = kysely.withPlugin(new TableNamesPlugin({ jobs: names.jobs, runs: names.runs, nodes: names.nodes }));
    const db = schema === null ? prefixed : prefixed.withSchema(schema);
    const clock = context.clock ?? systemClock;
    const { coordination, listener } = await startCoordination(setup, db, names, context, clock);
    return {
      kysely,
      db,
      context,
      clock,
      appliedMigrations: results.filter((result) => result.status === 'Success').map((result) => result.migrationName),
      coordination,
      listener,
    };
  } catch (error) {
    await kysely.destroy();
    throw error;
  }
}

/** Kysely's migrator over jobclock's migrations, with a store's table names (`names.schema` resolved). */
export function jobclockMigrator(db: Kysely<JobclockDatabase>, names: StoreNames, dialect: SqlTarget['dialect']): Migrator {
  return new Migrator({
    db,
    provider: new StoreMigrationProvider(names, dialect),
    migrationTableName: names.migrations,
    migrationLockTableName: names.migrationLock,
    migrationTableSchema: names.schema ?? undefined,
  });
}

/**
 * Runs `use` on a connection of its own (not an open store's), with the store's names and its
 * schema resolved, and closes it afterwards: for migration status and undo, which do not open the store.
 */
export async function withOwnConnection<T>(setup: SqlStoreSetup, use: (kysely: Kysely<JobclockDatabase>, names: StoreNames) => Promise<T>): Promise<T> {
  const kysely = createKysely(setup.target, setup.timeouts);
  try {
    const schema = await setup.statements.resolveSchema(kysely, setup.names.schema);
    return await use(kysely, { ...setup.names, schema });
  } finally {
    await kysely.destroy();
  }
}

async function startCoordination(
  setup: SqlStoreSetup,
  db: Kysely<JobclockDatabase>,
  names: StoreNames,
  context: StoreContext,
  clock: Clock,
): Promise<{ coordination: PostgresCoordination | null; listener: PgWakeListener | null }> {
  const { target } = setup;
  if (!setup.sharedAsCluster || !context.node || target.dialect !== 'postgres') return { coordination: null, listener: null };
  const channel = wakeChannel(names);
  const coordination = new PostgresCoordination(async () => db, context.node, channel);
  const wakeUp = context.wakeUp;
  if (!wakeUp) return { coordination, listener: null };
  const listener = new PgWakeListener({
    connectionString: target.connectionString,
    clock,
    channel,
    onWake: wakeUp,
    onError: (error, retryInMs) => context.warn?.(`Cluster wake-up connection (LISTEN) failed; retrying in ${retryInMs} ms`, error),
  });
  await listener.start();
  return { coordination, listener };
}

/** SQLSTATE 3F000 invalid_schema_name about a schema other than the store's own. */
function isOtherSchemaGone(error: unknown, ownSchema: string | null): boolean {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== '3F000') return false;
  return ownSchema === null || !error.message.includes(`"${ownSchema}"`);
}

/** One NOTIFY channel per store (schema + prefix), so stores sharing a database wake only their own nodes. */
function wakeChannel(names: StoreNames): string {
  const digest = createHash('sha256').update(`${names.schema ?? ''}.${names.jobs}`).digest('hex').slice(0, 16);
  return `jobclock_wake_${digest}`;
}
