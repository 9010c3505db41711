import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { sql } from 'kysely';
import pg from 'pg';
import { JobStoreUnavailableError } from '../../src/errors.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { Logger } from '../../src/scheduler/logger.js';
import { abandoningTimedOutQueries } from '../../src/stores/sql/pg-timed-pool.js';
import { SqlJobStore } from '../../src/stores/sql/sql-job-store.js';
import { PG_URL, createTestSchema, requirePostgres, type TestSchema } from './postgres-test-db.js';

/** Waits for `check` to hold, polling; false after `timeoutMs`. */
async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/**
 * An administrator (or a failover) terminates the store's sessions with pg_terminate_backend. The
 * server then sends a FATAL error on each socket; a pg client that gets it with no query running
 * emits 'error', and with nobody listening that event would kill the user's process.
 */
describe('SqlJobStore on PostgreSQL: its sessions are terminated', function () {
  this.timeout(240_000);
  let schema: TestSchema;
  const closing: (() => Promise<unknown>)[] = [];

  before(async function () {
    await requirePostgres(this);
  });

  beforeEach(async () => {
    schema = await createTestSchema();
  });

  afterEach(async () => {
    for (const close of closing.splice(0)) await close().catch(() => {});
    await schema?.drop();
  });

  it('a connection checked out between statements reports the store unreachable instead of crashing the process', async () => {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
    pool.on('error', () => {});
    closing.push(() => pool.end());
    let raw: pg.PoolClient | undefined;
    pool.on('acquire', (client) => (raw = client));
    const client = await abandoningTimedOutQueries(pool, 10_000).connect();
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid', []);
    const ended = new Promise<void>((resolve) => raw!.once('end', () => resolve()));

    await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(schema.db);
    // The FATAL error reached the idle client and its socket closed: no query was running to take it.
    await ended;

    let failure: unknown;
    await client.query('select 1', []).catch((error: unknown) => (failure = error));
    expect(failure).to.be.instanceOf(JobStoreUnavailableError);
    client.release();
    const again = await pool.query('select 1 as one');
    expect(again.rows[0].one, 'the pool opens a new connection').to.equal(1);
  });

  it('a running cluster node whose sessions are all terminated, again and again, carries on', async () => {
    const role = `jobclock_term_${randomBytes(4).toString('hex')}`;
    await sql`create role ${sql.id(role)} login`.execute(schema.db);
    await sql`alter schema ${sql.id(schema.name)} owner to ${sql.id(role)}`.execute(schema.db);
    closing.push(() => sql`drop role if exists ${sql.id(role)}`.execute(schema.db));
    const url = new URL(PG_URL);
    url.username = role;
    const quiet: Logger = { info() {}, warn() {}, error() {} };
    const ran: number[] = [];
    const scheduler = new Scheduler({
      jobstores: { default: new SqlJobStore({ dialect: 'postgres', connectionString: url.toString() }, { schema: schema.name }) },
      cluster: { heartbeatMs: 100, leaseMs: 2000 },
      logger: quiet,
    });
    scheduler.registerTasks('t', { tick: () => void ran.push(Date.now()) });
    closing.push(() => scheduler.close({ wait: false }));
    await scheduler.addJob({ id: 'tick', func: 't:tick', trigger: 'interval', seconds: 0.05, coalesce: true, misfire_grace_time: 60 });
    await scheduler.start();
    expect(await waitFor(() => ran.length >= 2, 20_000), 'runs before').to.equal(true);

    for (let round = 0; round < 5; round++) {
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${role}`.execute(schema.db);
      const before = ran.length;
      expect(await waitFor(() => ran.length > before, 60_000), `runs resume after termination ${round + 1}`).to.equal(true);
    }
    await scheduler.shutdown();
  });
});
