import { Argument, type Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import type { MigrateDirection } from '../server/migrate-stores.js';
import { loadBaseConfig } from './config-file.js';
import { printResult, withJsonOption } from './output.js';

/** `jobclock migrate [up|down|status]`: the job stores' tables, as `npm run migrate` brings them up. */
export function addMigrateCommand(program: Command): void {
  withJsonOption(
    program
      .command('migrate')
      .description('apply pending migrations (up), undo the latest one (down), or list applied and pending ones (status)')
      .addArgument(new Argument('[direction]', 'what to do').choices(['up', 'down', 'status']).default('up'))
      .option('--store <url>', 'the store: sqlite:<path>, postgres://…; default: SCHEDULER_STORE and SCHEDULER_JOBSTORES, as the server')
      .option('--config <file>', 'a JavaScript config module, as for serve'),
  ).action(async (direction: MigrateDirection, options: { store?: string; config?: string; json?: boolean }) => {
    // Loaded here: the stores' modules (Kysely, the drivers) are for this command only.
    const { configuredStores, describeMigrationReport, migrateStores } = await import('../server/migrate-stores.js');
    const config = loadConfig(process.env, await loadBaseConfig(options.config));
    const stores = options.store === undefined ? configuredStores(config) : { default: options.store };
    const reports = await migrateStores(stores, config, direction);
    printResult(options.json ?? false, reports, (all) => all.flatMap(describeMigrationReport));
  });
}
