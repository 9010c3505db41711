import { expect } from 'chai';
import { sql } from 'kysely';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { SqlJobStore } from '../../src/stores/sql/sql-job-store.js';
import { PG_URL, createTestSchema, requirePostgres, type TestSchema } from '../stores/postgres-test-db.js';
import { createEffectsTable, readEffects, readRuns, startNode, waitFor, type NodeProcess } from './cluster-harness.js';

/**
 * The sleeping nodes' fallback poll: far beyond any wait below, so a job that runs at all was
 * woken by a notification. (How soon after its run time is for the bench to measure.)
 */
const FALLBACK_POLL_MS = 600_000;

describe('cluster: wake-ups by LISTEN/NOTIFY', function () {
  this.timeout(90_000);
  let schema: TestSchema;
  let nodes: NodeProcess[] = [];
  const closing: (() => Promise<void>)[] = [];

  before(async function () {
    await requirePostgres(this);
  });

  beforeEach(async () => {
    schema = await createTestSchema();
    await createEffectsTable(schema);
  });

  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.kill()));
    nodes = [];
    for (const close of closing.splice(0)) await close().catch(() => {});
    await schema?.drop();
  });

  it('fires a job added through one node’s REST API on time on another node, which was asleep', async () => {
    // A serves the API but is paused (it runs nothing); B is awake with nothing due, polling only every 10 minutes.
    const [a, b] = await Promise.all([
      startNode(schema, { http: true, paused: true }),
      startNode(schema, { fallbackPollMs: FALLBACK_POLL_MS }),
    ]);
    nodes = [a, b];
    const add = async (id: string, runDate: Date) => {
      const response = await fetch(`${a.url}/scheduler/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, func: 'cluster:work', trigger: 'date', run_date: runDate.toISOString() }),
      });
      expect(response.status).to.equal(200);
      expect(await waitFor(async () => (await readEffects(schema)).some((row) => row.job_id === id), 30_000), `${id} ran (woken by NOTIFY)`).to.equal(true);
    };
    await add('warm-up', new Date(Date.now() + 200));
    const runDate = new Date(Date.now() + 200);
    await add('soon', runDate);
    const effect = (await readEffects(schema)).find((row) => row.job_id === 'soon');
    expect(effect!.node_id).to.equal(b.nodeId);
    // The side effect is written before the task returns: wait for the run to be recorded as done.
    const done = async () => (await readRuns(schema)).find((row) => row.job_id === 'soon')?.status === 'ok';
    expect(await waitFor(done, 30_000), 'soon recorded ok').to.equal(true);
    const run = (await readRuns(schema)).find((row) => row.job_id === 'soon');
    expect(run).to.include({ node_id: b.nodeId, status: 'ok' });
    console.log(`      lateness: run started ${run!.started_at! - runDate.getTime()} ms, task's side effect ${effect!.started_at - runDate.getTime()} ms after its run time`);
    expect(run!.started_at!, 'not before its run time').to.be.at.least(runDate.getTime());

    // Either node's API reports both as live members of the cluster.
    const info = (await (await fetch(`${a.url}/scheduler`)).json()) as { cluster: { node_id: string; clustered: boolean; nodes: { node_id: string }[] } };
    expect(info.cluster.node_id).to.equal(a.nodeId);
    expect(info.cluster.clustered).to.equal(true);
    expect(info.cluster.nodes.map((node) => node.node_id).sort()).to.deep.equal([a.nodeId, b.nodeId].sort());
  });

  it('listens again after its LISTEN connection is killed, and catches up', async () => {
    const ran: number[] = [];
    const store = new SqlJobStore({ dialect: 'postgres', connectionString: PG_URL }, { schema: schema.name });
    const listener = new Scheduler({ jobstores: { default: store }, cluster: { fallbackPollMs: FALLBACK_POLL_MS }, logger: silentLogger });
    listener.registerTasks('t', { work: () => void ran.push(Date.now()) });
    closing.push(() => listener.close({ wait: false }));
    await listener.start();
    const pid = await store.listenerPid();
    expect(pid).to.be.a('number');
    await sql`select pg_terminate_backend(${pid})`.execute(schema.db);
    expect(await waitFor(async () => ((await store.listenerPid()) ?? pid) !== pid, 20_000), 'listening again').to.equal(true);

    const adder = new Scheduler({
      jobstores: { default: new SqlJobStore({ dialect: 'postgres', connectionString: PG_URL }, { schema: schema.name }) },
      logger: silentLogger,
    });
    adder.registerTasks('t', { work() {} });
    closing.push(() => adder.close());
    const runDate = new Date(Date.now() + 200);
    await adder.addJob({ id: 'after-reconnect', func: 't:work', trigger: 'date', run_date: runDate.toISOString() });
    expect(await waitFor(() => ran.length > 0, 30_000), 'the job ran (woken by NOTIFY on the new connection)').to.equal(true);
    expect(ran[0]!, 'not before its run time').to.be.at.least(runDate.getTime());
  });
});
