import fileConfig from '../../knexfile-free-config.js';
import { loadConfig } from '../config/load-config.js';
import { createJobStore } from '../stores/store-url.js';
import { SqlJobStore } from '../stores/sql/sql-job-store.js';

/**
 * `npm run migrate`: brings the tables of every configured SQL job store (`default` and the named
 * `jobstores`) up to date, and says what it did. Opening a store migrates it anyway; this is for
 * doing it ahead of a deploy, or from a machine that will not run the scheduler.
 *
 * @example
 * SCHEDULER_STORE=postgres://localhost/app npm run migrate
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env, fileConfig);
  const stores = { default: config.store, ...config.jobstores };
  for (const [alias, url] of Object.entries(stores)) {
    const store = createJobStore(url, { tablePrefix: config.tablePrefix, schema: config.schema });
    if (!(store instanceof SqlJobStore)) {
      console.log(`${alias} (${redact(url)}): nothing to migrate`);
      continue;
    }
    await store.open({ onUnreadableJob: () => {} });
    try {
      const applied = await store.appliedMigrations();
      console.log(
        `${alias} (${redact(url)}): ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}`,
      );
    } finally {
      await store.close();
    }
  }
}

/** Hides a password in a connection URL before it reaches the log. */
function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

main().catch((error: unknown) => {
  console.error('Migration failed:', error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
