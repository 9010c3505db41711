import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PG_URL, createTestSchema, requirePostgres } from './postgres-test-db.js';

const CLI = fileURLToPath(new URL('../../src/server/migrate.ts', import.meta.url));
const run = promisify(execFile);

async function migrate(env: Record<string, string>): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CLI], { env: { ...process.env, ...env } });
  return stdout;
}

describe('npm run migrate (src/server/migrate.ts)', function () {
  this.timeout(120_000);

  it('migrates the configured SQLite store once, then finds it up to date', async function () {
    const dir = mkdtempSync(join(tmpdir(), 'jobclock-migrate-'));
    try {
      const env = { SCHEDULER_STORE: `sqlite:${join(dir, 'jobs.sqlite')}`, SCHEDULER_JOBSTORES: 'scratch=memory:' };
      const first = await migrate(env);
      expect(first).to.match(/^default \(sqlite:.*\): applied 0001_jobs, 0002_runs_and_nodes, 0003_manual_runs$/m);
      expect(first).to.match(/^scratch \(memory:\): nothing to migrate$/m);
      expect(await migrate(env)).to.match(/^default \(sqlite:.*\): up to date$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('honours SCHEDULER_DB_SCHEMA and SCHEDULER_TABLE_PREFIX on PostgreSQL, and hides the password', async function () {
    await requirePostgres(this);
    const schema = await createTestSchema();
    try {
      const url = new URL(PG_URL);
      url.password = 'secret';
      const env = { SCHEDULER_STORE: url.toString(), SCHEDULER_DB_SCHEMA: schema.name, SCHEDULER_TABLE_PREFIX: 'cli_' };
      const output = await migrate(env);
      expect(output).to.match(/applied 0001_jobs/);
      expect(output).to.not.include('secret');
      const tables = await schema.db.introspection.getTables();
      expect(tables.filter((table) => table.schema === schema.name).map((table) => table.name).sort()).to.deep.equal([
        'cli_jobs',
        'cli_migrations',
        'cli_migrations_lock',
        'cli_nodes',
        'cli_runs',
      ]);
    } finally {
      await schema.drop();
    }
  });

  it('exits non-zero with the reason when the store URL is bad', async function () {
    const error = await migrate({ SCHEDULER_STORE: 'mysql://db/app' }).catch((e: unknown) => e);
    expect((error as { code: number }).code).to.equal(1);
    expect((error as { stderr: string }).stderr).to.match(/Unknown job store URL/);
  });
});
