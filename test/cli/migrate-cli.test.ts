import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { PG_URL, createTestSchema, requirePostgres } from '../stores/postgres-test-db.js';
import { buildOnce, runCli } from './cli-harness.js';

// `jobclock migrate` on real stores: status lists pending then applied migrations, up applies them,
// down undoes the latest, each read back through status.

const ALL = ['0001_jobs', '0002_runs_and_nodes', '0003_manual_runs'];

interface StatusReport {
  readonly kind: string;
  readonly migrations: readonly { readonly name: string; readonly executedAt: string | null }[];
}

async function status(args: string[], env: Record<string, string> = {}): Promise<{ applied: string[]; pending: string[] }> {
  const result = await runCli(['migrate', 'status', '--json', ...args], { env });
  expect(result.code, result.stderr).to.equal(0);
  const [report] = JSON.parse(result.stdout) as StatusReport[];
  expect(report?.kind).to.equal('status');
  return {
    applied: report!.migrations.filter((m) => m.executedAt !== null).map((m) => m.name),
    pending: report!.migrations.filter((m) => m.executedAt === null).map((m) => m.name),
  };
}

describe('jobclock migrate [up|down|status]', function () {
  this.timeout(60_000);
  let dir: string;

  before(async function () {
    this.timeout(240_000);
    await buildOnce();
  });

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-cli-migrate-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('on SQLite: status shows all pending, up applies them, down undoes the latest, up reapplies it', async () => {
    const store = ['--store', `sqlite:${path.join(dir, 'jobs.sqlite')}`];
    expect(await status(store)).to.deep.equal({ applied: [], pending: ALL });

    const up = await runCli(['migrate', 'up', ...store]);
    expect(up.code, up.stderr).to.equal(0);
    expect(up.stdout).to.match(/^default \(sqlite:.*\): applied 0001_jobs, 0002_runs_and_nodes, 0003_manual_runs$/m);
    expect(await status(store)).to.deep.equal({ applied: ALL, pending: [] });

    const text = await runCli(['migrate', 'status', ...store]);
    expect(text.stdout).to.match(/^ {2}0003_manual_runs {2}applied \d{4}-\d\d-\d\dT/m);

    const down = await runCli(['migrate', 'down', ...store]);
    expect(down.code, down.stderr).to.equal(0);
    expect(down.stdout).to.match(/: undid 0003_manual_runs$/m);
    expect(await status(store)).to.deep.equal({ applied: ALL.slice(0, 2), pending: ['0003_manual_runs'] });

    const again = await runCli(['migrate', ...store]); // up is the default
    expect(again.stdout).to.match(/: applied 0003_manual_runs$/m);
    expect((await runCli(['migrate', 'up', ...store])).stdout).to.match(/: up to date$/m);
  });

  it('without --store, migrates the stores SCHEDULER_STORE and SCHEDULER_JOBSTORES name, as npm run migrate', async () => {
    const env = { SCHEDULER_STORE: `sqlite:${path.join(dir, 'main.sqlite')}`, SCHEDULER_JOBSTORES: `scratch=memory:,other=sqlite:${path.join(dir, 'other.sqlite')}` };
    const result = await runCli(['migrate', '--json'], { env });
    expect(result.code, result.stderr).to.equal(0);
    const reports = JSON.parse(result.stdout) as { alias: string; kind: string; applied?: string[] }[];
    expect(reports.map((r) => [r.alias, r.kind, r.applied ?? null])).to.deep.equal([
      ['default', 'up', ALL],
      ['scratch', 'memory', null],
      ['other', 'up', ALL],
    ]);
  });

  it('on PostgreSQL, in SCHEDULER_DB_SCHEMA with SCHEDULER_TABLE_PREFIX, hiding the password', async function () {
    await requirePostgres(this);
    const schema = await createTestSchema();
    try {
      const url = new URL(PG_URL);
      url.password = 'secret';
      const env = { SCHEDULER_DB_SCHEMA: schema.name, SCHEDULER_TABLE_PREFIX: 'cli_' };
      const store = ['--store', url.toString()];
      const up = await runCli(['migrate', 'up', ...store], { env });
      expect(up.code, up.stderr).to.equal(0);
      expect(up.stdout).to.contain(':***@').and.not.contain('secret');
      const down = await runCli(['migrate', 'down', ...store], { env });
      expect(down.stdout).to.match(/undid 0003_manual_runs/);
      expect(await status(store, env)).to.deep.equal({ applied: ALL.slice(0, 2), pending: ['0003_manual_runs'] });
      const tables = await schema.db.introspection.getTables();
      expect(tables.filter((t) => t.schema === schema.name).map((t) => t.name)).to.include('cli_jobs');
    } finally {
      await schema.drop();
    }
  });

  it('exits 2 on a bad direction or store URL, 1 when the store cannot be reached', async () => {
    const direction = await runCli(['migrate', 'sideways']);
    expect(direction.code).to.equal(2);
    expect(direction.stderr).to.match(/sideways/);
    const url = await runCli(['migrate', 'status', '--store', 'mysql://db/app']);
    expect(url.code).to.equal(2);
    expect(url.stderr).to.match(/Unknown job store URL/);
    const unreachable = await runCli(['migrate', 'status', '--store', 'postgres://postgres@127.0.0.1:1/test']);
    expect(unreachable.code).to.equal(1);
    expect(unreachable.stderr).to.match(/^jobclock: /);
  });
});
