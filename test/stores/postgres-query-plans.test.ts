import { expect } from 'chai';
import pg from 'pg';
import { sql } from 'kysely';
import { advanceDueJob } from '../../src/scheduler/run-times.js';
import type { NodeIdentity } from '../../src/stores/job-store.js';
import { SqlJobStore } from '../../src/stores/sql/sql-job-store.js';
import { intervalJob } from './job-fixtures.js';
import { PG_URL, createTestSchema, requirePostgres, tableIn, type TestSchema } from './postgres-test-db.js';

interface SentQuery {
  readonly text: string;
  readonly values: readonly unknown[];
}

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Rows Removed by Join Filter'?: number;
  readonly Plans?: readonly PlanNode[];
}

/**
 * The cluster's hot statements on a runs table PostgreSQL has no statistics for yet, as in a new
 * store's first burst (autovacuum analyzes a table a minute or so later). Left to its defaults, the
 * planner took every live run as the outer side of a nested loop and compared each with every job
 * of the statement: a start mark of 10 runs among 1,000 claims took 2.5 ms instead of 0.3 ms. The
 * plans are read with EXPLAIN ANALYZE of the statements exactly as the store sent them.
 */
describe('SqlJobStore on PostgreSQL: cluster statements on a table without statistics', function () {
  this.timeout(60_000);
  const LIVE_RUNS = 1000;
  const ACQUIRED = 100;
  let schema: TestSchema;
  let store: SqlJobStore;
  let sent: SentQuery[];
  let restoreQuery: (() => void) | null = null;

  before(async function () {
    await requirePostgres(this);
  });

  beforeEach(async () => {
    schema = await createTestSchema();
    store = new SqlJobStore({ dialect: 'postgres', connectionString: PG_URL }, { schema: schema.name });
    const node: NodeIdentity = { id: 'node-a', hostname: 'h', pid: 1, startedAt: new Date(), leaseMs: 60_000 };
    await store.open({ onUnreadableJob: () => {}, node });
    // Other jobs' runs this node holds: claimed, under a lease, as in the middle of a burst.
    await sql`insert into ${tableIn(schema.name, 'jobclock_runs')} (job_id, scheduled_run_time, node_id, status, claimed_at, lease_expires_at)
      select 'busy-' || i, 1000, 'node-a', 'claimed', 1000, ${Date.now() + 3_600_000}::bigint from generate_series(1, ${LIVE_RUNS}) i`.execute(schema.db);
    sent = [];
    // Every statement the store sends, as pg sends it (pooled clients are pg.Client instances).
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [config, values] = args as [unknown, unknown];
      if (typeof config === 'string' && Array.isArray(values)) sent.push({ text: config, values });
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    restoreQuery = () => (pg.Client.prototype.query = original);
  });

  afterEach(async () => {
    restoreQuery?.();
    restoreQuery = null;
    await store?.close();
    await schema?.drop();
  });

  /**
   * The rows the plan's joins compared and threw away, from EXPLAIN ANALYZE (rolled back). `generic`:
   * of the plan made without the values, as PostgreSQL may reuse for a named prepared statement
   * (the store names the statements it repeats, see pg-statement-names.ts).
   */
  async function rowsRemovedByJoins(query: SentQuery, generic = false): Promise<number> {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query('begin');
      let plan: PlanNode;
      if (generic) {
        await client.query('set local plan_cache_mode = force_generic_plan');
        await client.query(`prepare probe as ${query.text}`);
        const values = query.values.map((value) => literal(client, value)).join(', ');
        const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (analyze, format json) execute probe(${values})`);
        plan = rows[0]!['QUERY PLAN'][0].Plan;
      } else {
        const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (analyze, format json) ${query.text}`, [...query.values]);
        plan = rows[0]!['QUERY PLAN'][0].Plan;
      }
      await client.query('rollback');
      const removed = (node: PlanNode): number => (node['Rows Removed by Join Filter'] ?? 0) + (node.Plans ?? []).reduce((sum, child) => sum + removed(child), 0);
      return removed(plan);
    } finally {
      await client.end();
    }
  }

  /** A value the store sent, as an SQL literal for EXECUTE (arrays as PostgreSQL array text). */
  function literal(client: pg.Client, value: unknown): string {
    if (value === null) return 'null';
    if (typeof value === 'number') return String(value);
    if (Array.isArray(value)) return client.escapeLiteral(`{${value.map((item) => (item === null ? 'NULL' : `"${String(item).replace(/["\\]/g, '\\$&')}"`)).join(',')}}`);
    return client.escapeLiteral(String(value));
  }

  async function acquireDueJobs(): Promise<Date> {
    const due = new Date(Date.now() - 1000);
    await store.addJobs(Array.from({ length: ACQUIRED }, (_, i) => intervalJob(`due-${i}`, due, { misfireGraceTime: null })));
    const now = new Date();
    const acquired = await store.acquireDueJobs(now, ACQUIRED, (job) => advanceDueJob(job, now));
    expect(acquired.flatMap((item) => item.advance.runTimes)).to.have.length(ACQUIRED);
    return due;
  }

  it("counts a job's live instances without comparing every live run with every job acquired", async () => {
    await acquireDueJobs();
    const count = sent.find((query) => /count\(distinct/.test(query.text));
    expect(count, 'the live-instances statement').to.not.equal(undefined);
    expect(await rowsRemovedByJoins(count!)).to.be.below(LIVE_RUNS);
    expect(await rowsRemovedByJoins(count!, true), 'its generic plan').to.be.below(LIVE_RUNS);
  });

  it('marks runs started without comparing every claimed run with every run marked', async () => {
    const due = await acquireDueJobs();
    const marks = Array.from({ length: 10 }, (_, i) => ({ jobId: `due-${i}`, scheduledRunTime: due, status: 'running' as const }));
    const started = await store.cluster!.startRuns(marks, new Date());
    expect(started.size).to.equal(10);
    const mark = sent.find((query) => /^update \S*jobclock_runs.*unnest/s.test(query.text));
    expect(mark, 'the start-mark statement').to.not.equal(undefined);
    expect(await rowsRemovedByJoins(mark!)).to.be.below(LIVE_RUNS);
    expect(await rowsRemovedByJoins(mark!, true), 'its generic plan').to.be.below(LIVE_RUNS);
  });
});
