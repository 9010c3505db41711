import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ManualClock } from '../../src/clock/clock.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import type { JobStore } from '../../src/stores/job-store.js';
import { MemoryJobStore } from '../../src/stores/memory.js';
import type { RunRecord } from '../../src/stores/run-history.js';
import { createJobStore } from '../../src/stores/store-url.js';
import { waitFor } from './cluster-harness.js';
import { PG_URL, createTestSchema, requirePostgres, type TestSchema } from '../stores/postgres-test-db.js';

const T0 = new Date('2030-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

interface HistoryHarness {
  readonly name: string;
  readonly needsPostgres?: boolean;
  /** A fresh store (and how to clean up after it). */
  create(): Promise<{ store: JobStore; dispose(): Promise<void> }>;
}

const harnesses: HistoryHarness[] = [
  { name: 'memory', create: async () => ({ store: new MemoryJobStore(), dispose: async () => {} }) },
  {
    name: 'SQLite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'jobclock-runs-'));
      return { store: createJobStore(`sqlite:${join(dir, 'jobs.sqlite')}`), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL, cluster on',
    needsPostgres: true,
    async create() {
      const schema: TestSchema = await createTestSchema();
      return { store: createJobStore(PG_URL, { schema: schema.name }), dispose: () => schema.drop() };
    },
  },
];

for (const harness of harnesses) {
  describe(`run history: ${harness.name}`, function () {
    this.timeout(120_000);
    let store: JobStore;
    let dispose: () => Promise<void>;
    let scheduler: Scheduler;
    let clock: ManualClock;

    before(async function () {
      if (harness.needsPostgres) await requirePostgres(this);
    });

    beforeEach(async () => {
      ({ store, dispose } = await harness.create());
      clock = new ManualClock(T0);
      scheduler = new Scheduler({
        clock,
        nodeId: 'node-1',
        jobstores: { default: store },
        logger: silentLogger,
        // A cluster's heartbeat would sit on the manual clock too; give it room.
        cluster: { heartbeatMs: 3_600_000, leaseMs: 7_200_000, fallbackPollMs: 3_600_000 },
      });
      scheduler.registerTasks('t', {
        ok: () => 'fine',
        fail: () => {
          throw new Error('broken on purpose');
        },
        slow: () => new Promise<void>(() => {}),
      });
    });

    afterEach(async () => {
      await scheduler.close({ wait: false });
      await dispose();
    });

    /**
     * Polls until `check` holds; fails the test after a generous (real-time) deadline. Each poll
     * fires the timers due at the current (manual) instant: the loop's wake-up for a job due now
     * is a zero-delay timer, which a manual clock fires only when asked.
     */
    async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
      const checked = async () => {
        await clock.advance(0);
        return check();
      };
      if (!(await waitFor(checked, 30_000))) throw new Error(`timed out waiting until ${what}`);
    }

    const statuses = async (jobId: string) => (await scheduler.getRuns(jobId)).map((run) => run.status);
    const count = (list: readonly string[], status: string) => list.filter((item) => item === status).length;
    /**
     * The loop has done its pass and sleeps until `next`, its next job's fire time. (Any timer in
     * the future is not enough: the cluster heartbeat's is there from the start, before the loop's.)
     */
    const sleepsUntil = (next: Date) => () => clock.nextTimerAt?.getTime() === next.getTime();

    it('records every outcome: ok, error, missed, skipped at max_instances; newest first, with a limit', async () => {
      await scheduler.start();
      await scheduler.addJob({ id: 'good', func: 't:ok', trigger: 'interval', seconds: 10 });
      await scheduler.addJob({ id: 'bad', func: 't:fail', trigger: 'interval', seconds: 10 });
      await scheduler.addJob({ id: 'slow', func: 't:slow', trigger: 'interval', seconds: 10, coalesce: false });
      await until('the loop sleeps', sleepsUntil(at(10)));
      for (let fire = 1; fire <= 3; fire++) {
        // Straight to the fire time (nothing is due before it), then wait until its runs are recorded.
        await clock.advance(10_000);
        await until(`the runs of fire ${fire} are recorded`, async () => {
          const [good, bad, slow] = await Promise.all([statuses('good'), statuses('bad'), statuses('slow')]);
          return count(good, 'ok') === fire && count(bad, 'error') === fire && count(slow, 'skipped_max_instances') === fire - 1 && sleepsUntil(at(10 * (fire + 1)))();
        });
      }
      const good = await scheduler.getRuns('good');
      expect(good.map((run) => [run.scheduledRunTime.toISOString(), run.status, run.nodeId, run.trigger])).to.deep.equal([
        [at(30).toISOString(), 'ok', 'node-1', 'scheduled'],
        [at(20).toISOString(), 'ok', 'node-1', 'scheduled'],
        [at(10).toISOString(), 'ok', 'node-1', 'scheduled'],
      ]);
      expect(good[0]!.durationMs).to.equal(0);
      expect(good[0]!.finishedAt).to.deep.equal(at(30));
      expect(await scheduler.getRuns('good', { limit: 1 })).to.have.length(1);
      const bad = await scheduler.getRuns('bad', { limit: 1 });
      expect(bad[0]).to.include({ status: 'error', errorMessage: 'broken on purpose' });
      // A cluster records the run as running when it starts; a single process writes it when it ends.
      const live = store.cluster ? ['running'] : [];
      await until('the slow run is recorded as it should be', async () => (await statuses('slow')).length === 2 + live.length);
      expect(await statuses('slow')).to.deep.equal(['skipped_max_instances', 'skipped_max_instances', ...live]);

      // A late run (past misfire_grace_time) is recorded as missed. Resumed between two fire
      // times (its next one, at 110 s, is not due), so only the run time set next can run.
      await scheduler.pauseJob('good');
      clock.jumpTo(at(101));
      await scheduler.resumeJob('good');
      await scheduler.modifyJob('good', { next_run_time: at(96).toISOString() });
      await until('the late run is recorded as missed', async () => (await statuses('good'))[0] === 'missed');
      const [missed] = await scheduler.getRuns('good', { limit: 1 });
      expect(missed!.scheduledRunTime).to.deep.equal(at(96));

      const last = await scheduler.getLastRuns(['good', 'bad', 'nothing']);
      expect([...last.keys()].sort()).to.deep.equal(['bad', 'good']);
      expect(last.get('good')!.status).to.equal('missed');
    });

    it('records manual runs (runJob) as manual, with outcome and duration, never over a scheduled run of the same ms', async () => {
      await scheduler.start();
      await scheduler.addJob({ id: 'good', func: 't:ok', trigger: 'interval', seconds: 10 });
      await scheduler.addJob({ id: 'bad', func: 't:fail', trigger: 'interval', seconds: 10 });
      await until('the loop sleeps', sleepsUntil(at(10)));
      await clock.advance(10_000);
      await until('the scheduled run is recorded', async () => count(await statuses('good'), 'ok') === 1 && sleepsUntil(at(20))());
      // Two manual runs in the very millisecond of the scheduled one (the clock stands still).
      expect(clock.now()).to.deep.equal(at(10));
      expect(await scheduler.runJob('good')).to.equal('fine');
      expect(await scheduler.runJob('good')).to.equal('fine');
      const failed = await scheduler.runJob('bad').catch((error: Error) => error);
      expect(failed).to.be.instanceOf(Error);
      await until('the manual runs are recorded', async () => (await statuses('good')).length === 3 && (await statuses('bad')).length === 2);
      const good = await scheduler.getRuns('good');
      expect(good.map((run) => [run.scheduledRunTime.toISOString(), run.status, run.trigger]).sort()).to.deep.equal([
        [at(10).toISOString(), 'ok', 'manual'],
        [at(10).toISOString(), 'ok', 'manual'],
        [at(10).toISOString(), 'ok', 'scheduled'],
      ]);
      const manual = good.filter((run) => run.trigger === 'manual');
      expect(new Set(manual.map((run) => run.manualRunId)).size).to.equal(2);
      for (const run of manual) expect(run).to.include({ durationMs: 0, nodeId: 'node-1' });
      const bad = (await scheduler.getRuns('bad')).find((run) => run.trigger === 'manual');
      expect(bad).to.include({ status: 'error', errorMessage: 'broken on purpose' });
      expect(bad!.startedAt).to.deep.equal(at(10));

      // Trimming counts manual runs with the scheduled ones, per job.
      expect(await store.runHistory!.trimRuns({ maxPerJob: 1 }, clock.now(), 100)).to.equal(3);
      expect(await statuses('good')).to.have.length(1);
    });

    it('trims by count per job and by age, in batches, and never a live run', async () => {
      await scheduler.getJobs(); // opens the store
      const history = store.runHistory!;
      const record = (jobId: string, seconds: number, status: RunRecord['status'] = 'ok'): RunRecord => ({
        jobId,
        scheduledRunTime: at(seconds),
        trigger: 'scheduled',
        manualRunId: null,
        nodeId: 'n',
        status,
        startedAt: at(seconds),
        finishedAt: at(seconds),
        errorMessage: null,
        durationMs: 0,
      });
      await history.recordRuns([
        ...Array.from({ length: 10 }, (_, n) => record('a', n)),
        record('b', 1),
        record('b', 2),
        record('c', 0, 'running'),
      ]);
      expect(await history.trimRuns({ maxPerJob: 3 }, at(100), 4)).to.equal(4);
      expect(await history.trimRuns({ maxPerJob: 3 }, at(100), 4)).to.equal(3);
      expect(await history.trimRuns({ maxPerJob: 3 }, at(100), 4)).to.equal(0);
      expect((await history.getRuns('a')).map((run) => run.scheduledRunTime.getTime())).to.deep.equal([at(9), at(8), at(7)].map(Number));
      expect(await history.trimRuns({ maxAgeMs: 92_000 }, at(100), 100)).to.equal(3); // a@7, b@1, b@2: before at(8)
      expect((await history.getRuns('b')).length).to.equal(0);
      expect(await history.trimRuns({ maxPerJob: 0, maxAgeMs: 0 }, at(100), 100)).to.equal(2);
      expect((await history.getRuns('c')).map((run) => run.status)).to.deep.equal(['running']);
    });

    it('keeps a job\'s runs in time order as they arrive in any order, a record of the same run replacing the first', async () => {
      await scheduler.getJobs(); // opens the store
      const history = store.runHistory!;
      const record = (seconds: number, status: RunRecord['status'], manualRunId: string | null = null): RunRecord => ({
        jobId: 'j',
        scheduledRunTime: at(seconds),
        trigger: manualRunId === null ? 'scheduled' : 'manual',
        manualRunId,
        nodeId: 'n',
        status,
        startedAt: at(seconds),
        finishedAt: at(seconds),
        errorMessage: null,
        durationMs: 0,
      });
      await history.recordRuns([record(5, 'ok')]);
      await history.recordRuns([record(9, 'ok'), record(2, 'ok')]);
      await history.recordRuns([record(7, 'ok'), record(5, 'error', 'm1')]);
      await history.recordRuns([record(9, 'error'), record(1, 'ok')]);
      const runs = await history.getRuns('j', { limit: 10 });
      const seconds = (run: RunRecord) => (run.scheduledRunTime.getTime() - at(0).getTime()) / 1000;
      expect(runs.map(seconds)).to.deep.equal([9, 7, 5, 5, 2, 1]);
      expect(runs[0]?.status).to.equal('error');
      // A manual run of the same millisecond is a run of its own.
      expect(runs.filter((run) => seconds(run) === 5).map((run) => `${run.status} ${run.manualRunId}`).sort()).to.deep.equal(['error m1', 'ok null']);
    });
  });
}
