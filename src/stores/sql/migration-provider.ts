import type { Kysely, Migration, MigrationProvider } from 'kysely';
import * as jobs0001 from '../../../migrations/0001_jobs.js';
import * as runsAndNodes0002 from '../../../migrations/0002_runs_and_nodes.js';
import * as manualRuns0003 from '../../../migrations/0003_manual_runs.js';
import type { StoreDialect, StoreNames } from './schema.js';

/** A migration file of `migrations/`: Kysely's `up`/`down`, plus the store's table names and dialect. */
export interface StoreMigration {
  up(db: Kysely<any>, names: StoreNames, dialect: StoreDialect): Promise<void>;
  down?(db: Kysely<any>, names: StoreNames, dialect: StoreDialect): Promise<void>;
}

/**
 * Every migration, by name (Kysely runs them in name order). Imported statically rather than read
 * from a folder, so the same list works from `dist/` and under tsx, and bundlers see it.
 * A new migration is one file in `migrations/` and one line here.
 */
const MIGRATIONS: Readonly<Record<string, StoreMigration>> = {
  '0001_jobs': jobs0001,
  '0002_runs_and_nodes': runsAndNodes0002,
  '0003_manual_runs': manualRuns0003,
};

/**
 * Gives Kysely's `Migrator` jobclock's migrations bound to one store's table names.
 *
 * @example
 * new Migrator({ db, provider: new StoreMigrationProvider(storeNames('jobclock_', null), 'sqlite') })
 */
export class StoreMigrationProvider implements MigrationProvider {
  constructor(
    private readonly names: StoreNames,
    private readonly dialect: StoreDialect,
  ) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const bound: Record<string, Migration> = {};
    for (const [name, migration] of Object.entries(MIGRATIONS)) {
      const { down } = migration;
      bound[name] = {
        up: (db) => migration.up(db, this.names, this.dialect),
        ...(down ? { down: (db: Kysely<any>) => down(db, this.names, this.dialect) } : {}),
      };
    }
    return bound;
  }
}
