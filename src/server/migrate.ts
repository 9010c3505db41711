import fileConfig from '../../knexfile-free-config.js';
import { loadConfig } from '../config/load-config.js';
import { configuredStores, describeMigrationReport, migrateStores } from './migrate-stores.js';

/**
 * `npm run migrate`: brings the tables of every configured SQL job store (`default` and the named
 * `jobstores`) up to date, and says what it did. Opening a store migrates it anyway; this is for
 * doing it ahead of a deploy, or from a machine that will not run the scheduler.
 * (`jobclock migrate` does the same, and can also undo or list migrations.)
 *
 * @example
 * SCHEDULER_STORE=postgres://localhost/app npm run migrate
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env, fileConfig);
  for (const report of await migrateStores(configuredStores(config), config, 'up')) {
    for (const line of describeMigrationReport(report)) console.log(line);
  }
}

main().catch((error: unknown) => {
  console.error('Migration failed:', error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
