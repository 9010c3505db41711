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
    this.timeout(20_000);
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

    /** Lets the clock run, then waits for the store round trips the runs started. */
    async function advance(ms: number): Promise<void> {
      for (let step = 0; step < ms; step += 1000) {
        await clock.advance(Math.min(1000, ms - step));
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    }

    it('records every outcome: ok, error, missed, skipped at max_instances; newest first, with a limit', async () => {
      await scheduler.start();
      await scheduler.addJob({ id: 'good', func: 't:ok', trigger: 'interval', seconds: 10 });
      await scheduler.addJob({ id: 'bad', func: 't:fail', trigger: 'interval', seconds: 10 });
      await scheduler.addJob({ id: 'slow', func: 't:slow', trigger: 'interval', seconds: 10, coalesce: false });
      await advance(30_000);
      const good = await scheduler.getRuns('good');
      expect(good.map((run) => [run.scheduledRunTime.toISOString(), run.status, run.nodeId])).to.deep.equal([
        [at(30).toISOString(), 'ok', 'node-1'],
        [at(20).toISOString(), 'ok', 'node-1'],
        [at(10).toISOString(), 'ok', 'node-1'],
      ]);
      expect(good[0]!.durationMs).to.equal(0);
      expect(good[0]!.finishedAt).to.deep.equal(at(30));
      expect(await scheduler.getRuns('good', { limit: 1 })).to.have.length(1);
      const bad = await scheduler.getRuns('bad', { limit: 1 });
      expect(bad[0]).to.include({ status: 'error', errorMessage: 'broken on purpose' });
      const slow = await scheduler.getRuns('slow');
      // A cluster records the run as running when it starts; a single process writes it when it ends.
      const live = store.cluster ? ['running'] : [];
      expect(slow.map((run) => run.status)).to.deep.equal(['skipped_max_instances', 'skipped_max_instances', ...live]);

      // A late run (past misfire_grace_time) is recorded as missed.
      await scheduler.pauseJob('good');
      await advance(1000);
      clock.jumpTo(at(100));
      await scheduler.resumeJob('good');
      await scheduler.modifyJob('good', { next_run_time: at(95).toISOString() });
      await advance(1000);
      const [missed] = await scheduler.getRuns('good', { limit: 1 });
      expect(missed).to.include({ status: 'missed' });
      expect(missed!.scheduledRunTime).to.deep.equal(at(95));

      const last = await scheduler.getLastRuns(['good', 'bad', 'nothing']);
      expect([...last.keys()].sort()).to.deep.equal(['bad', 'good']);
      expect(last.get('good')!.status).to.equal('missed');
    });

    it('trims by count per job and by age, in batches, and never a live run', async () => {
      await scheduler.getJobs(); // opens the store
      const history = store.runHistory!;
      const record = (jobId: string, seconds: number, status: RunRecord['status'] = 'ok'): RunRecord => ({
        jobId,
        scheduledRunTime: at(seconds),
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
  });
}
