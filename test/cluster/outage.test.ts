import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { sql } from 'kysely';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { Logger } from '../../src/scheduler/logger.js';
import { SqlJobStore } from '../../src/stores/sql/sql-job-store.js';
import { PG_URL, createTestSchema, requirePostgres, type TestSchema } from '../stores/postgres-test-db.js';
import { readRuns, waitFor } from './cluster-harness.js';

/**
 * The database goes away under a running node (its role may not log in, its sessions are killed)
 * and comes back: the node logs, retries with backoff, and carries on without running any fire
 * time twice.
 */
describe('cluster: database outage', function () {
  this.timeout(90_000);
  let schema: TestSchema;
  let role: string;
  const closing: (() => Promise<void>)[] = [];

  before(async function () {
    await requirePostgres(this);
  });

  beforeEach(async () => {
    schema = await createTestSchema();
    role = `jobclock_outage_${randomBytes(4).toString('hex')}`;
    await sql`create role ${sql.id(role)} login`.execute(schema.db);
    await sql`alter schema ${sql.id(schema.name)} owner to ${sql.id(role)}`.execute(schema.db);
  });

  afterEach(async () => {
    for (const close of closing.splice(0)) await close().catch(() => {});
    await schema?.drop();
    await sql`drop role if exists ${sql.id(role)}`.execute(schema.db).catch(() => {});
  });

  async function cutOff(): Promise<void> {
    await sql`alter role ${sql.id(role)} nologin`.execute(schema.db);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${role}`.execute(schema.db);
  }

  it('retries with backoff while the database is away, logs it, and resumes without duplicates', async () => {
    const url = new URL(PG_URL);
    url.username = role;
    const errors: string[] = [];
    const logger: Logger = { info() {}, warn: (message) => void errors.push(message), error: (message) => void errors.push(message) };
    const ran: string[] = [];
    const scheduler = new Scheduler({
      jobstores: { default: new SqlJobStore({ dialect: 'postgres', connectionString: url.toString() }, { schema: schema.name }) },
      cluster: { heartbeatMs: 200, leaseMs: 1000 },
      logger,
    });
    scheduler.registerTasks('t', { tick: () => void ran.push('tick') });
    closing.push(() => scheduler.close({ wait: false }));
    await scheduler.addJob({ id: 'tick', func: 't:tick', trigger: 'interval', seconds: 0.2, coalesce: false, misfire_grace_time: 30 });
    await scheduler.start();
    expect(await waitFor(() => ran.length >= 3, 20_000)).to.equal(true);

    const loggedBefore = errors.length;
    await cutOff();
    const retrying = () => errors.slice(loggedBefore).some((message) => /retrying in \d+ ms/.test(message));
    expect(await waitFor(retrying, 20_000), 'the outage is logged, with the retry delay').to.equal(true);
    await sql`alter role ${sql.id(role)} login`.execute(schema.db);
    const before = ran.length;
    expect(await waitFor(() => ran.length >= before + 5, 30_000), 'runs resume').to.equal(true);
    await scheduler.shutdown();

    const runs = await readRuns(schema);
    const keys = runs.map((run) => run.scheduled_run_time);
    expect(new Set(keys).size).to.equal(keys.length);
    const okRuns = runs.filter((run) => run.status === 'ok').length;
    expect(ran.length, 'each run that happened is in the history once').to.equal(okRuns);
  });
});
