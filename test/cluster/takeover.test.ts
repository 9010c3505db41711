import { expect } from 'chai';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { advanceDueJob } from '../../src/scheduler/run-times.js';
import type { NodeIdentity } from '../../src/stores/job-store.js';
import { SqlJobStore } from '../../src/stores/sql/sql-job-store.js';
import { PG_URL, createTestSchema, requirePostgres, type TestSchema } from '../stores/postgres-test-db.js';
import { readRuns, waitFor } from './cluster-harness.js';

/**
 * A node that claimed runs and stopped (no clean shutdown, no heartbeat) before starting them:
 * after the lease, another node takes them over and the misfire rules decide; a run it had
 * started is marked `died`, not run again.
 */
describe('cluster: lease takeover', function () {
  this.timeout(120_000);
  let schema: TestSchema;
  const closing: (() => Promise<void>)[] = [];

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

  /** Only the doomed node's lease matters here; a live node's is long, so a busy machine cannot make it lapse. */
  function newScheduler(nodeId: string): Scheduler {
    const scheduler = new Scheduler({
      nodeId,
      jobstores: { default: new SqlJobStore({ dialect: 'postgres', connectionString: PG_URL }, { schema: schema.name }) },
      cluster: { leaseMs: 60_000, heartbeatMs: 100 },
      logger: silentLogger,
    });
    closing.push(() => scheduler.close({ wait: false }));
    return scheduler;
  }

  it('runs an expired claim on another node (or records it missed), and marks a started run that lost its node as died', async () => {
    const ran: string[] = [];
    const tasks = { work: (kwargs: { tag: string }) => void ran.push(kwargs.tag) };
    const adder = newScheduler('adder');
    adder.registerTasks('t', tasks);
    const due = new Date(Date.now() + 300);
    const common = { func: 't:work', trigger: 'date', run_date: due.toISOString() } as const;
    await adder.addJob({ ...common, id: 'patient', misfire_grace_time: null, kwargs: { tag: 'patient' } });
    await adder.addJob({ ...common, id: 'strict', misfire_grace_time: 1, kwargs: { tag: 'strict' } });
    await adder.addJob({ ...common, id: 'started', misfire_grace_time: null, kwargs: { tag: 'started' } });

    // The doomed node: claims the three runs through the store, starts one, then goes silent.
    const doomed = new SqlJobStore({ dialect: 'postgres', connectionString: PG_URL }, { schema: schema.name });
    closing.push(() => doomed.close());
    const node: NodeIdentity = { id: 'doomed', hostname: 'h', pid: 1, startedAt: new Date(), leaseMs: 500 };
    await doomed.open({ onUnreadableJob: () => {}, node });
    await waitFor(() => Date.now() >= due.getTime(), 10_000);
    const now = new Date();
    const claimed = await doomed.acquireDueJobs(now, 10, (job) => advanceDueJob(job, now));
    expect(claimed.map((item) => item.advance.runTimes.length)).to.deep.equal([1, 1, 1]);
    const started = await doomed.cluster!.startRuns([{ jobId: 'started', scheduledRunTime: due, status: 'running' }], now);
    expect(started.size).to.equal(1);
    await doomed.close();

    // A live node picks them up once the lease has run out (500 ms after the claim). It starts only
    // once "strict" is past its 1 s grace, so that one is missed however fast the takeover is.
    await waitFor(() => Date.now() > due.getTime() + 1100, 10_000);
    const survivor = newScheduler('survivor');
    survivor.registerTasks('t', tasks);
    await survivor.start();
    const settled = async () => (await readRuns(schema)).every((run) => !['claimed', 'running'].includes(run.status));
    expect(await waitFor(settled, 20_000), 'the survivor settles every run').to.equal(true);
    await survivor.shutdown();

    const runs = Object.fromEntries((await readRuns(schema)).map((run) => [run.job_id, run]));
    expect(runs.patient).to.include({ status: 'ok', node_id: 'survivor' });
    expect(runs.strict).to.include({ status: 'missed', node_id: 'survivor' });
    expect(runs.started).to.include({ status: 'died', node_id: 'doomed' });
    expect(ran).to.deep.equal(['patient']);
    const [history] = await survivor.getRuns('started');
    expect(history?.errorMessage).to.match(/doomed stopped during the run/);
  });

  it('does not start a run whose claim another node took over meanwhile', async () => {
    const store = new SqlJobStore({ dialect: 'postgres', connectionString: PG_URL }, { schema: schema.name });
    closing.push(() => store.close());
    const adder = newScheduler('adder');
    adder.registerTasks('t', { work() {} });
    const due = new Date(Date.now() - 10);
    await adder.addJob({ id: 'j', func: 't:work', trigger: 'date', run_date: due.toISOString(), misfire_grace_time: null });
    await store.open({ onUnreadableJob: () => {}, node: { id: 'slow', hostname: 'h', pid: 1, startedAt: new Date(), leaseMs: 200 } });
    const now = new Date();
    await store.acquireDueJobs(now, 10, (job) => advanceDueJob(job, now));
    // The lease lapses before "slow" gets round to starting the run; another store takes the claim.
    await waitFor(() => Date.now() > now.getTime() + 250, 10_000);
    const other = new SqlJobStore({ dialect: 'postgres', connectionString: PG_URL }, { schema: schema.name });
    closing.push(() => other.close());
    await other.open({ onUnreadableJob: () => {}, node: { id: 'other', hostname: 'h', pid: 2, startedAt: new Date(), leaseMs: 5000 } });
    const taken = await other.cluster!.takeOverExpiredRuns(new Date(), 10);
    expect(taken.map((item) => item.job.id)).to.deep.equal(['j']);
    expect((await store.cluster!.startRuns([{ jobId: 'j', scheduledRunTime: due, status: 'running' }], new Date())).size).to.equal(0);
    expect((await other.cluster!.startRuns([{ jobId: 'j', scheduledRunTime: due, status: 'running' }], new Date())).size).to.equal(1);
  });
});
