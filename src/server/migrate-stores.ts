import type { JobclockConfig } from '../config/config.js';
import { createJobStore } from '../stores/store-url.js';
import { SqlJobStore, type MigrationStatus } from '../stores/sql/sql-job-store.js';

/*
 * What `npm run migrate` and `jobclock migrate` do to each job store: bring its tables up to date,
 * undo its latest migration, or list which migrations it has. One store at a time, in config order,
 * each on a connection of its own that is closed afterwards.
 */

/** `up` applies every pending migration, `down` undoes the latest applied one, `status` changes nothing. */
export type MigrateDirection = 'up' | 'down' | 'status';

/** What migrating one store did (or, for `status`, found). */
export type StoreMigrationReport =
  | { readonly alias: string; readonly url: string; readonly kind: 'memory' }
  | { readonly alias: string; readonly url: string; readonly kind: 'up'; readonly applied: readonly string[] }
  | { readonly alias: string; readonly url: string; readonly kind: 'down'; readonly undone: string | null }
  | { readonly alias: string; readonly url: string; readonly kind: 'status'; readonly migrations: readonly MigrationStatus[] };

/** The stores a config names: `default` first, then the named `jobstores`. */
export function configuredStores(config: JobclockConfig): Record<string, string> {
  return { default: config.store, ...config.jobstores };
}

/** Migrates each store of `stores` (alias → URL) in `direction`; throws at the first that fails. */
export async function migrateStores(
  stores: Readonly<Record<string, string>>,
  config: Pick<JobclockConfig, 'tablePrefix' | 'schema'>,
  direction: MigrateDirection,
): Promise<StoreMigrationReport[]> {
  const reports: StoreMigrationReport[] = [];
  for (const [alias, url] of Object.entries(stores)) {
    const store = createJobStore(url, { tablePrefix: config.tablePrefix, schema: config.schema });
    const shown = { alias, url: redact(url) };
    if (!(store instanceof SqlJobStore)) reports.push({ ...shown, kind: 'memory' });
    else if (direction === 'status') reports.push({ ...shown, kind: 'status', migrations: await store.migrationStatus() });
    else if (direction === 'down') reports.push({ ...shown, kind: 'down', undone: await store.migrateDown() });
    else reports.push({ ...shown, kind: 'up', applied: await migrateUp(store) });
  }
  return reports;
}

/** Opening a SQL store applies its pending migrations; this opens it for that alone. */
async function migrateUp(store: SqlJobStore): Promise<readonly string[]> {
  await store.open({ onUnreadableJob: () => {} });
  try {
    return await store.appliedMigrations();
  } finally {
    await store.close();
  }
}

/** A report as lines a person reads: `default (sqlite:…): up to date`, one line per migration for `status`. */
export function describeMigrationReport(report: StoreMigrationReport): string[] {
  const store = `${report.alias} (${report.url})`;
  switch (report.kind) {
    case 'memory':
      return [`${store}: nothing to migrate`];
    case 'up':
      return [`${store}: ${report.applied.length === 0 ? 'up to date' : `applied ${report.applied.join(', ')}`}`];
    case 'down':
      return [`${store}: ${report.undone === null ? 'no migration to undo' : `undid ${report.undone}`}`];
    case 'status':
      return [
        `${store}:`,
        ...report.migrations.map((m) => `  ${m.name}  ${m.executedAt === null ? 'pending' : `applied ${m.executedAt.toISOString()}`}`),
      ];
  }
}

/** Hides a password in a connection URL before it reaches the log. */
function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
