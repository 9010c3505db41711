import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ManualClock } from '../../src/clock/clock.js';
import { SchedulerAlreadyRunningError, SchedulerNotRunningError } from '../../src/errors.js';
import type { SchedulerEvent } from '../../src/scheduler/events.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { JobStore } from '../../src/stores/job-store.js';
import { MemoryJobStore } from '../../src/stores/memory.js';
import { createJobStore } from '../../src/stores/store-url.js';
import { gate, T0 } from '../helpers/harness.js';
import { PG_URL, createTestSchema, requirePostgres } from '../stores/postgres-test-db.js';

interface StoreHarness {
  readonly name: string;
  readonly needsPostgres?: boolean;
  create(): Promise<{ store: JobStore; dispose(): Promise<void> }>;
}

const harnesses: StoreHarness[] = [
  { name: 'memory', create: async () => ({ store: new MemoryJobStore(), dispose: async () => {} }) },
  {
    name: 'SQLite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'jobclock-lifecycle-'));
      return { store: createJobStore(`sqlite:${join(dir, 'jobs.sqlite')}`), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL (cluster)',
    needsPostgres: true,
    async create() {
      const schema = await createTestSchema();
      return { store: createJobStore(PG_URL, { schema: schema.name }), dispose: () => schema.drop() };
    },
  },
];

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

for (const harness of harnesses) {
  describe(`scheduler lifecycle: ${harness.name}`, function () {
    let store: JobStore;
    let dispose: () => Promise<void>;
    let scheduler: Scheduler;
    let clock: ManualClock;
    let events: SchedulerEvent[];
    let release: () => void;

    before(async function () {
      if (harness.needsPostgres) await requirePostgres(this);
    });

    beforeEach(async () => {
      ({ store, dispose } = await harness.create());
      clock = new ManualClock(T0);
      scheduler = new Scheduler({
        clock,
        jobstores: { default: store },
        logger: silentLogger,
        // Heartbeats sit on the manual clock: nothing fires unless a test advances it.
        cluster: { heartbeatMs: 3_600_000, leaseMs: 7_200_000, fallbackPollMs: 3_600_000 },
      });
      events = [];
      scheduler.on('*', (event) => events.push(event));
      const blocked = gate();
      release = blocked.open;
      scheduler.registerTasks('t', { blocked: () => blocked.promise, ok: () => 'fine' });
    });

    afterEach(async () => {
      release();
      await scheduler.close({ wait: false });
      await dispose();
    });

    const kinds = () => events.map((event) => event.kind).filter((kind) => kind.startsWith('scheduler_'));

    it('shutdown() while start() is still opening the store waits for the start, then shuts down', async () => {
      const starting = scheduler.start();
      expect(scheduler.running).to.equal(true);
      await Promise.all([starting, scheduler.shutdown()]);
      expect(scheduler.state).to.equal('stopped');
      expect(kinds()).to.deep.equal(['scheduler_started', 'scheduler_shutdown']);
    });

    it('two shutdown()s at once: the second waits for the first; one scheduler_shutdown', async () => {
      await scheduler.start();
      await Promise.all([scheduler.shutdown(), scheduler.shutdown({ wait: false })]);
      expect(scheduler.state).to.equal('stopped');
      expect(kinds()).to.deep.equal(['scheduler_started', 'scheduler_shutdown']);
    });

    it('shutdown() when stopped throws SchedulerNotRunningError, as pause() and resume() do; close() does not', async () => {
      expect(await rejection(scheduler.shutdown())).to.be.instanceOf(SchedulerNotRunningError);
      expect(() => scheduler.pause()).to.throw(SchedulerNotRunningError);
      expect(() => scheduler.resume()).to.throw(SchedulerNotRunningError);
      await scheduler.start();
      await scheduler.close();
      await scheduler.close();
      expect(await rejection(scheduler.shutdown())).to.be.instanceOf(SchedulerNotRunningError);
    });

    it('start() while starting or running throws SchedulerAlreadyRunningError; start() during a shutdown starts after it', async () => {
      const first = scheduler.start();
      expect(await rejection(scheduler.start())).to.be.instanceOf(SchedulerAlreadyRunningError);
      await first;
      expect(await rejection(scheduler.start())).to.be.instanceOf(SchedulerAlreadyRunningError);
      const stopping = scheduler.shutdown();
      await scheduler.start();
      await stopping;
      expect(scheduler.state).to.equal('running');
      expect(kinds()).to.deep.equal(['scheduler_started', 'scheduler_shutdown', 'scheduler_started']);
    });

    it('pause() during start() makes it end paused; resume() during start() undoes that; pause/resume twice is harmless', async () => {
      const starting = scheduler.start();
      scheduler.pause();
      await starting;
      expect(scheduler.state).to.equal('paused');
      scheduler.pause();
      scheduler.resume();
      scheduler.resume();
      expect(scheduler.state).to.equal('running');
      await scheduler.shutdown();
      const again = scheduler.start({ paused: true });
      scheduler.resume();
      await again;
      expect(scheduler.state).to.equal('running');
    });

    it('shutdown({ wait: true }) waits for a running job; wait: false does not', async () => {
      await scheduler.addJob({ id: 'b', func: 't:blocked', trigger: 'interval', hours: 1 });
      await scheduler.start();
      const run = scheduler.runJob('b');
      await new Promise<void>((resolve) => scheduler.on('job_submitted', () => resolve()));
      let stopped = false;
      const stopping = scheduler.shutdown({ wait: true }).then(() => (stopped = true));
      // Many turns of the event loop: the shutdown still waits for the job.
      for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(stopped).to.equal(false);
      release();
      await Promise.all([run, stopping]);

      await scheduler.start();
      const blockedAgain = gate();
      scheduler.registerTasks('u', { blocked: () => blockedAgain.promise });
      await scheduler.addJob({ id: 'c', func: 'u:blocked', trigger: 'interval', hours: 1 });
      void scheduler.runJob('c').catch(() => undefined);
      await scheduler.shutdown({ wait: false });
      expect(scheduler.state).to.equal('stopped');
      blockedAgain.open();
    });

    it('shutdown({ wait: false }) during a shutdown({ wait: true }) ends the wait for running jobs', async () => {
      await scheduler.addJob({ id: 'b', func: 't:blocked', trigger: 'interval', hours: 1 });
      await scheduler.start();
      void scheduler.runJob('b').catch(() => undefined);
      await new Promise<void>((resolve) => scheduler.on('job_submitted', () => resolve()));
      const waiting = scheduler.shutdown({ wait: true });
      await scheduler.shutdown({ wait: false });
      await waiting;
      expect(scheduler.state).to.equal('stopped');
      expect(kinds()).to.deep.equal(['scheduler_started', 'scheduler_shutdown']);
    });

    it('close() while start() is opening the store leaves the scheduler stopped and the store closed', async () => {
      const starting = scheduler.start();
      await Promise.all([starting, scheduler.close()]);
      expect(scheduler.state).to.equal('stopped');
      // The store opens again on demand: jobs can still be read.
      expect(await scheduler.getJobs()).to.deep.equal([]);
    });
  });
}
