import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock, settle } from '../../src/clock/clock.js';
import type { Job } from '../../src/jobs/job.js';
import type { SchedulerEvent } from '../../src/scheduler/events.js';
import { silentLogger, type Logger } from '../../src/scheduler/logger.js';
import { advanceDueJob, MAX_RUN_TIMES_PER_BATCH } from '../../src/scheduler/run-times.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { JobStore } from '../../src/stores/job-store.js';
import { MemoryJobStore } from '../../src/stores/memory.js';
import { SqlJobStore } from '../../src/stores/sql/sql-job-store.js';
import { CronTrigger } from '../../src/triggers/cron/cron-trigger.js';
import { IntervalTrigger } from '../../src/triggers/interval-trigger.js';
import type { Trigger } from '../../src/triggers/trigger.js';
import { PG_URL, createTestSchema, requirePostgres, type TestSchema } from '../stores/postgres-test-db.js';

/**
 * The storm issue: a job whose next run time is decades back (1971) must catch up lazily, in
 * bounded batches, without starving other jobs, and survive restarts.
 */
const NOW = new Date('2030-01-01T00:00:00Z');
const PAST = new Date('1971-01-01T00:00:00Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);

function storedJob(trigger: Trigger, options: { coalesce: boolean; misfireGraceTime: number | null }): Job {
  return {
    id: 'storm',
    name: 'storm',
    func: 't:record',
    trigger,
    args: [],
    kwargs: {},
    executor: 'default',
    maxInstances: 1,
    nextRunTime: PAST,
    ...options,
  };
}

/** Waits (in real time, the manual clock standing still) until `condition` holds; fails after a generous deadline. */
async function waitUntil(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('catch-up of a backlog since 1971: advanceDueJob', () => {
  const triggers: [string, Trigger, number][] = [
    ['interval 1 s', new IntervalTrigger({ seconds: 1, start_date: PAST }), 1000],
    ['interval 0.001 s', new IntervalTrigger({ seconds: 0.001, start_date: PAST }), 1],
    ["cron second '*'", new CronTrigger({ second: '*', timezone: 'UTC' }), 1000],
  ];
  for (const [name, trigger, stepMs] of triggers) {
    describe(name, () => {
      it('coalesce: one run at the last fire time ≤ now, next one after now', () => {
        const advance = advanceDueJob(storedJob(trigger, { coalesce: true, misfireGraceTime: null }), at(500));
        const last = 500 - (500 % stepMs);
        expect(advance.runTimes).to.deep.equal([at(last)]);
        expect(advance).to.include({ kind: 'reschedule' }).and.not.have.property('backlog');
        expect(advance.kind === 'reschedule' && advance.nextRunTime).to.deep.equal(at(last + stepMs));
      });

      it('no grace limit: one bounded batch from 1971, the row advancing past it, still due', () => {
        const advance = advanceDueJob(storedJob(trigger, { coalesce: false, misfireGraceTime: null }), NOW);
        expect(advance.runTimes).to.have.length(MAX_RUN_TIMES_PER_BATCH);
        expect(advance.runTimes[0]).to.deep.equal(PAST);
        expect(advance.runTimes.at(-1)).to.deep.equal(new Date(PAST.getTime() + (MAX_RUN_TIMES_PER_BATCH - 1) * stepMs));
        expect(advance).to.deep.include({ kind: 'reschedule', backlog: true, nextRunTime: new Date(PAST.getTime() + MAX_RUN_TIMES_PER_BATCH * stepMs) });
      });

      it('grace 10 s: the runs older than that are one missed span, and the batch starts at the grace window', () => {
        const advance = advanceDueJob(storedJob(trigger, { coalesce: false, misfireGraceTime: 10 }), NOW);
        const threshold = NOW.getTime() - 10_000;
        const expectedCount = trigger instanceof IntervalTrigger ? (threshold - PAST.getTime()) / stepMs : null;
        expect(advance.missed).to.deep.equal({ count: expectedCount, first: PAST, last: new Date(threshold - stepMs) });
        expect(advance.runTimes[0]).to.deep.equal(new Date(threshold));
        expect(advance.runTimes.length).to.be.at.most(MAX_RUN_TIMES_PER_BATCH);
      });
    });
  }
});

/** Schedulers a test made: closed after it (a failed test leaves its own open), before its store is dropped. */
const made: Scheduler[] = [];

/**
 * In a cluster a run's instance lasts until its outcome is written to the runs table (every node
 * counts instances there). Counts, per job, the outcomes written so far; null for a store the
 * scheduler opens itself (from a URL: not a cluster).
 */
function countWrittenOutcomes(store: JobStore | string): Map<string, number> | null {
  const history = typeof store === 'string' ? null : store.runHistory;
  if (!history) return null;
  const written = new Map<string, number>();
  const write = history.recordRuns.bind(history);
  Object.assign(history, {
    recordRuns: async (runs: Parameters<typeof write>[0]) => {
      await write(runs);
      for (const run of runs) written.set(run.jobId, (written.get(run.jobId) ?? 0) + 1);
    },
  });
  return written;
}

/** A scheduler on a manual clock with a storm job from 1971 and an ordinary job due every 10 s. */
function stormScheduler(clock: ManualClock, jobstore: JobStore | string, logger: Logger = silentLogger) {
  const scheduler = new Scheduler({ clock, logger, jobstores: { default: jobstore } });
  made.push(scheduler);
  const events: SchedulerEvent[] = [];
  scheduler.on('*', (event) => events.push(event));
  const ticks: { scheduled: Date; ranAt: Date }[] = [];
  let running = 0;
  let maxRunning = 0;
  let stormRuns = 0;
  scheduler.registerTasks('t', {
    async storm() {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      stormRuns += 1;
      await Promise.resolve();
      running -= 1;
    },
    tick() {},
  });
  scheduler.on('*', (event) => {
    if (event.kind === 'job_executed' && event.jobId === 'tick') ticks.push({ scheduled: event.scheduledRunTime, ranAt: clock.now() });
  });
  return {
    scheduler,
    events,
    ticks,
    stats: () => ({ maxRunning, stormRuns }),
  };
}

/** The job (with start_date in 1971 too: an interval keeps to its start_date's grid). */
const STORM_JOB = {
  id: 'storm',
  func: 't:storm',
  trigger: 'interval',
  seconds: 1,
  start_date: PAST.toISOString(),
  next_run_time: PAST.toISOString(),
  coalesce: false,
  misfire_grace_time: null,
} as const;

for (const [kind, makeStore] of [
  ['memory', async () => ({ store: new MemoryJobStore() as JobStore | string, cleanup: async () => {} })],
  [
    'SQLite',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-storm-'));
      return { store: `sqlite:${path.join(dir, 'jobs.sqlite')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const schema: TestSchema = await createTestSchema();
      return { store: new SqlJobStore({ dialect: 'postgres', connectionString: PG_URL }, { schema: schema.name }), cleanup: () => schema.drop() };
    },
  ],
] as const) {
  describe(`catch-up of a backlog since 1971 in a running scheduler (${kind} store)`, function () {
    // Waits are by condition; the bound is for a slow, loaded machine.
    this.timeout(90_000);
    let cleanup: () => Promise<void> = async () => {};
    let store: JobStore | string;
    before(async function () {
      if (kind === 'PostgreSQL') await requirePostgres(this);
    });
    beforeEach(async () => ({ store, cleanup } = await makeStore()));
    afterEach(async () => {
      // A scheduler still polling its schema would deadlock with the DROP SCHEMA.
      await Promise.all(made.splice(0).map((scheduler) => scheduler.close({ wait: false })));
      await cleanup();
    });

    it('catches up in batches while another job fires on time, within max_instances; the row advances; list, modify, delete work', async () => {
      const clock = new ManualClock(NOW);
      const { scheduler, events, ticks, stats } = stormScheduler(clock, store);
      const written = countWrittenOutcomes(store);
      await scheduler.start();
      await scheduler.addJob(STORM_JOB);
      await scheduler.addJob({ id: 'tick', func: 't:tick', trigger: 'interval', seconds: 10 });
      let previous = PAST.getTime();
      for (let step = 1; step <= 3; step++) {
        await clock.advance(10_000);
        // The clock stands at the tick's time until it has run: it ran on time, whatever the storm job does.
        await waitUntil(() => ticks.length === step, `tick ${step} ran`);
        // As with a real clock, where the write has the 10 s: the clock jumps on once the tick's
        // instance has ended (in a cluster, once its outcome is written behind the storm's).
        if (written) await waitUntil(() => written.get('tick') === step, `tick ${step} was written`);
        const next = (await scheduler.getJob('storm'))!.nextRunTime!.getTime();
        expect(next, 'next_run_time advances monotonically').to.be.at.least(previous);
        previous = next;
      }
      await waitUntil(() => stats().stormRuns > 2 * MAX_RUN_TIMES_PER_BATCH, 'the storm job ran several batches');
      const latest = (await scheduler.getJob('storm'))!.nextRunTime!.getTime();
      expect(latest).to.be.at.least(previous);
      previous = latest;
      // The ordinary job fired at each of its times, at that very time on the clock.
      expect(ticks.map((tick) => tick.scheduled)).to.deep.equal([at(10_000), at(20_000), at(30_000)]);
      for (const tick of ticks) expect(tick.ranAt).to.deep.equal(tick.scheduled);
      // The storm job made progress, one batch at a time, never two instances, never spinning on max_instances.
      expect(stats().maxRunning).to.equal(1);
      expect(events.filter((event) => event.kind === 'job_max_instances')).to.deep.equal([]);
      const batches = events.filter((event) => event.kind === 'job_submitted' && event.jobId === 'storm') as unknown as { scheduledRunTimes: Date[] }[];
      for (const batch of batches) expect(batch.scheduledRunTimes.length).to.be.at.most(MAX_RUN_TIMES_PER_BATCH);
      expect(previous).to.be.above(PAST.getTime()).and.below(NOW.getTime());

      // The row can be listed, modified and deleted while it catches up.
      expect((await scheduler.getJobs()).map((job) => job.id)).to.deep.equal(['storm', 'tick']);
      const modified = await scheduler.modifyJob('storm', { coalesce: true });
      expect(modified.coalesce).to.equal(true);
      await clock.advance(1000);
      // The batch running meanwhile ends, then the rest of the backlog collapses into one run at 31 s.
      await waitUntil(async () => (await scheduler.getJob('storm'))!.nextRunTime!.getTime() === at(32_000).getTime(), 'the backlog coalesced');
      await scheduler.removeJob('storm');
      expect(await scheduler.getJob('storm')).to.equal(null);
      await scheduler.close();
    });

    it('with misfire_grace_time, skips the old runs as one reported span (one event, one history row, one log line)', async () => {
      const clock = new ManualClock(NOW);
      const warnings: string[] = [];
      const logger: Logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
      const { scheduler, events } = stormScheduler(clock, store, logger);
      await scheduler.start();
      await scheduler.addJob({ ...STORM_JOB, misfire_grace_time: 5 });
      await waitUntil(() => events.filter((event) => event.kind === 'job_executed').length === 6, 'the runs within grace ran');
      const missed = events.filter((event) => event.kind === 'job_missed');
      const count = (NOW.getTime() - 5000 - PAST.getTime()) / 1000;
      expect(missed).to.deep.equal([
        { kind: 'job_missed', jobId: 'storm', jobstore: 'default', scheduledRunTime: new Date(NOW.getTime() - 6000), missedRuns: count, firstScheduledRunTime: PAST },
      ]);
      expect(warnings).to.deep.equal([`Job "storm" missed ${count.toLocaleString('en-US')} runs between 1971-01-01T00:00:00.000Z and 2029-12-31T23:59:54.000Z`]);
      const executed = events.filter((event) => event.kind === 'job_executed').map((event) => (event as { scheduledRunTime: Date }).scheduledRunTime);
      expect(executed).to.deep.equal([-5000, -4000, -3000, -2000, -1000, 0].map(at));
      await scheduler.close();
      const runs = await reopenRuns(store, clock);
      expect(runs.filter((run) => run.status === 'missed').map((run) => run.scheduledRunTime)).to.deep.equal([at(-6000)]);
    });

    it('coalesces the whole backlog into one run at the last fire time', async () => {
      const clock = new ManualClock(NOW);
      const { scheduler, events } = stormScheduler(clock, store);
      await scheduler.start();
      await scheduler.addJob({ ...STORM_JOB, seconds: 0.001, coalesce: true });
      await waitUntil(() => events.some((event) => event.kind === 'job_executed'), 'the coalesced run ran');
      await settle();
      const executed = events.filter((event) => event.kind === 'job_executed').map((event) => (event as { scheduledRunTime: Date }).scheduledRunTime);
      expect(executed).to.deep.equal([NOW]);
      expect((await scheduler.getJob('storm'))!.nextRunTime).to.deep.equal(at(1));
      await scheduler.close();
    });

    if (kind === 'PostgreSQL') {
      it('in a cluster, claims the next batch only once the last one is written as ended (a slow history write refuses nothing)', async () => {
        // The cluster counts a job's instances from the runs table. Hold the history writes back:
        // until the first batch is written as ended, the job is not handed out again.
        const sqlStore = store as SqlJobStore;
        const history = sqlStore.runHistory;
        const write = history.recordRuns.bind(history);
        let openGate: () => void = () => {};
        const gate = new Promise<void>((resolve) => (openGate = resolve));
        Object.assign(history, { recordRuns: async (runs: Parameters<typeof write>[0]) => (await gate, write(runs)) });
        const clock = new ManualClock(NOW);
        const { scheduler, events, stats } = stormScheduler(clock, sqlStore);
        scheduler.registerTasks('probe', { ping() {} });
        await scheduler.start();
        await scheduler.addJob(STORM_JOB);
        const executedStorm = () => events.filter((event) => event.kind === 'job_executed' && event.jobId === 'storm').length;
        await waitUntil(() => executedStorm() === MAX_RUN_TIMES_PER_BATCH, 'the first batch ran');
        // A pass over the store (the new job wakes the loop): the storm job is still due, and its
        // batch is done, but its outcomes are not written yet.
        await scheduler.addJob({ id: 'probe', func: 'probe:ping', trigger: 'date', run_date: NOW.toISOString() });
        await waitUntil(() => events.some((event) => event.kind === 'job_executed' && event.jobId === 'probe'), 'the probe ran');
        expect(events.filter((event) => event.kind === 'job_max_instances')).to.deep.equal([]);
        expect(executedStorm()).to.equal(MAX_RUN_TIMES_PER_BATCH);
        openGate();
        await waitUntil(() => stats().stormRuns > 2 * MAX_RUN_TIMES_PER_BATCH, 'the next batches ran');
        expect(events.filter((event) => event.kind === 'job_max_instances')).to.deep.equal([]);
        const statuses = new Set((await scheduler.getRuns('storm', { limit: 50 })).map((run) => run.status));
        expect([...statuses]).to.not.include('skipped_max_instances');
        await scheduler.close();
      });
    }

    if (kind === 'SQLite') {
      it('resumes after a restart where the last process stopped', async () => {
        const clock = new ManualClock(NOW);
        const first = stormScheduler(clock, store);
        await first.scheduler.start();
        const { seconds: _seconds, start_date: _start, ...common } = STORM_JOB;
        await first.scheduler.addJob({ ...common, trigger: 'cron', second: '*' });
        await waitUntil(() => first.stats().stormRuns > MAX_RUN_TIMES_PER_BATCH, 'a batch or two ran');
        await first.scheduler.close();

        const second = stormScheduler(clock, store);
        const stoppedAt = (await second.scheduler.getJob('storm'))!.nextRunTime!;
        expect(stoppedAt.getTime(), 'the stored row had advanced').to.be.at.least(PAST.getTime() + MAX_RUN_TIMES_PER_BATCH * 1000);
        await second.scheduler.start();
        await waitUntil(() => second.events.some((event) => event.kind === 'job_executed'), 'the second process ran the storm job');
        const executed = second.events.filter((event) => event.kind === 'job_executed' && event.jobId === 'storm');
        expect((executed[0] as { scheduledRunTime: Date }).scheduledRunTime).to.deep.equal(stoppedAt);
        expect((await second.scheduler.getJob('storm'))!.nextRunTime!.getTime()).to.be.above(stoppedAt.getTime());
        await second.scheduler.close();
      });
    }
  });
}

/** The run history, read through a scheduler on the same store (a memory store is read in place). */
async function reopenRuns(store: JobStore | string, clock: ManualClock) {
  const scheduler = new Scheduler({ clock, logger: silentLogger, jobstores: { default: store } });
  try {
    return await scheduler.getRuns('storm');
  } finally {
    await scheduler.close();
  }
}
