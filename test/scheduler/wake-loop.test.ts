import { expect } from 'chai';
import { ManualClock, settle } from '../../src/clock/clock.js';
import type { Job } from '../../src/jobs/job.js';
import type { AcquiredJob, JobAdvance } from '../../src/stores/job-store.js';
import { MemoryJobStore } from '../../src/stores/memory.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { StoreRegistry } from '../../src/scheduler/store-registry.js';
import { BATCH_GROWTH, FIRST_BATCH_SIZE, MAX_BACK_PRESSURE_WAIT_MS, WakeLoop } from '../../src/scheduler/wake-loop.js';
import { BASE_TIME, at, intervalJob } from '../stores/job-fixtures.js';

/** A memory store whose due-job query fails the first `failures` times (the database is away). */
class FlakyStore extends MemoryJobStore {
  constructor(private failures: number) {
    super();
  }

  override async acquireDueJobs(now: Date, limit: number, advance: (job: Job) => JobAdvance): Promise<AcquiredJob[]> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('connection refused');
    }
    return super.acquireDueJobs(now, limit, advance);
  }
}

/** A memory store that notes the limit of each due-job query. */
class LimitRecordingStore extends MemoryJobStore {
  readonly limits: number[] = [];

  override async acquireDueJobs(now: Date, limit: number, advance: (job: Job) => JobAdvance): Promise<AcquiredJob[]> {
    this.limits.push(limit);
    return super.acquireDueJobs(now, limit, advance);
  }
}

/** A memory store where a job is committed between a pass's due-job query and its next-run-time query. */
class RacingStore extends MemoryJobStore {
  private raced = false;

  constructor(private readonly late: Job) {
    super();
  }

  override async acquireDueJobs(now: Date, limit: number, advance: (job: Job) => JobAdvance): Promise<AcquiredJob[]> {
    const acquired = await super.acquireDueJobs(now, limit, advance);
    if (!this.raced) {
      this.raced = true;
      await super.addJob(this.late);
    }
    return acquired;
  }
}

function wakeLoop(stores: Record<string, MemoryJobStore>) {
  const clock = new ManualClock(BASE_TIME);
  const registry = StoreRegistry.of(stores, () => ({ onUnreadableJob: () => undefined }));
  const dispatched: { jobstore: string; id: string; runTimes: readonly Date[]; at: Date }[] = [];
  const loop = new WakeLoop({
    clock,
    logger: silentLogger,
    stores: registry,
    batchSize: 2,
    fallbackPollMs: 30_000,
    active: () => true,
    dispatch: (jobstore, { job, advance }) => dispatched.push({ jobstore, id: job.id, runTimes: advance.runTimes, at: clock.now() }),
  });
  return { clock, registry, loop, dispatched };
}

describe('wake loop', () => {
  it('sleeps on one timer until the earliest job of any store, then hands each due job over once, advanced', async () => {
    const main = new MemoryJobStore();
    const other = new MemoryJobStore();
    const { clock, registry, loop, dispatched } = wakeLoop({ default: main, other });
    await registry.open();
    await main.addJob(intervalJob('later', at(20)));
    await other.addJob(intervalJob('soon', at(10)));
    loop.wakeUp();
    await settle();
    expect(clock.pendingTimers).to.equal(1);
    expect(clock.nextTimerAt).to.deep.equal(at(10));

    await clock.advance(10_000);
    expect(dispatched).to.deep.equal([{ jobstore: 'other', id: 'soon', runTimes: [at(10)], at: at(10) }]);
    expect((await other.lookupJob('soon'))?.nextRunTime).to.deep.equal(at(20));
    expect(clock.nextTimerAt).to.deep.equal(at(20));
  });

  it('passes again at once when a job fell due between its queries (no timer is armed in the past)', async () => {
    const store = new RacingStore(intervalJob('late', at(-5)));
    const { clock, registry, loop, dispatched } = wakeLoop({ default: store });
    await registry.open();
    loop.wakeUp();
    // The clock never moves: the job must be handed over all the same.
    for (let turn = 0; turn < 100 && dispatched.length === 0; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(dispatched.map((item) => item.id)).to.deep.equal(['late']);
    expect(clock.now()).to.deep.equal(BASE_TIME);
  });

  it('fetches due jobs in batches until a store has none left', async () => {
    const store = new MemoryJobStore();
    const { registry, loop, dispatched } = wakeLoop({ default: store });
    await registry.open();
    for (const id of ['a', 'b', 'c', 'd', 'e']) await store.addJob(intervalJob(id, BASE_TIME));
    loop.wakeUp();
    await loop.idle();
    expect(dispatched.map((item) => item.id)).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
  });

  it('starts a pass with a small batch and grows it to the batch size, so the first due jobs start soon', async () => {
    const store = new LimitRecordingStore();
    const registry = StoreRegistry.of({ default: store }, () => ({ onUnreadableJob: () => undefined }));
    const dispatched: string[] = [];
    const batchSize = FIRST_BATCH_SIZE * BATCH_GROWTH * 2;
    const loop = new WakeLoop({
      clock: new ManualClock(BASE_TIME),
      logger: silentLogger,
      stores: registry,
      batchSize,
      fallbackPollMs: 30_000,
      active: () => true,
      dispatch: (_jobstore, { job }) => dispatched.push(job.id),
    });
    await registry.open();
    const due = 3 * batchSize;
    await store.addJobs(Array.from({ length: due }, (_, i) => intervalJob(`j${String(i).padStart(4, '0')}`, BASE_TIME)));
    loop.wakeUp();
    await loop.idle();
    expect(dispatched).to.have.length(due);
    const first = FIRST_BATCH_SIZE;
    expect(store.limits.slice(0, 3)).to.deep.equal([first, first * BATCH_GROWTH, batchSize]);
    expect(store.limits.slice(3).every((limit) => limit === batchSize)).to.equal(true);
  });

  it('backs off after store errors, doubling, and fires the job once the store answers', async () => {
    const store = new FlakyStore(2);
    const { clock, registry, loop, dispatched } = wakeLoop({ default: store });
    await registry.open();
    await store.addJob(intervalJob('j', at(0)));
    loop.wakeUp();
    await settle();
    expect(clock.nextTimerAt).to.deep.equal(at(0.5));
    await clock.advance(500);
    expect(clock.nextTimerAt).to.deep.equal(at(1.5));
    await clock.advance(1_000);
    expect(dispatched.map((item) => [item.id, item.at])).to.deep.equal([['j', at(1.5)]]);
  });

  it('wakes early for a job due before its timer, and not for one due after', async () => {
    const store = new MemoryJobStore();
    const { clock, registry, loop } = wakeLoop({ default: store });
    await registry.open();
    await store.addJob(intervalJob('far', at(60)));
    loop.wakeUp();
    await settle();
    await store.addJob(intervalJob('farther', at(90)));
    loop.wakeUpBy(at(90).getTime());
    await settle();
    expect(clock.nextTimerAt).to.deep.equal(at(60));
    await store.addJob(intervalJob('near', at(5)));
    loop.wakeUpBy(at(5).getTime());
    await settle();
    expect(clock.nextTimerAt).to.deep.equal(at(5));
    expect(clock.pendingTimers).to.equal(1);
  });

  it('acquires the next batch only once the executors took in most of the last one, or after the longest wait', async () => {
    const store = new MemoryJobStore();
    const clock = new ManualClock(BASE_TIME);
    const registry = StoreRegistry.of({ default: store }, () => ({ onUnreadableJob: () => undefined }));
    await registry.open();
    for (let i = 0; i < 7; i++) await store.addJob(intervalJob(`j${i}`, at(-1), { misfireGraceTime: null }));
    // Pending submissions as the dispatcher counts them: the test settles them by hand.
    let pending = 0;
    let roomMade: (() => void) | null = null;
    const settleOne = () => {
      pending -= 1;
      roomMade?.();
    };
    const dispatched: string[] = [];
    const loop = new WakeLoop({
      clock,
      logger: silentLogger,
      stores: registry,
      batchSize: 4,
      fallbackPollMs: 30_000,
      active: () => true,
      dispatch: (_jobstore, { job }) => {
        dispatched.push(job.id);
        pending += 1;
      },
      room: (below) => {
        expect(below).to.equal(2);
        if (pending < below) return null;
        return new Promise<void>((resolve) => (roomMade = () => pending < below && resolve()));
      },
    });
    loop.wakeUp();
    await settle();
    // One batch out; the others wait in the store, still due at their run time.
    expect(dispatched).to.have.length(4);
    expect((await store.lookupJob('j4'))?.nextRunTime).to.deep.equal(at(-1));
    settleOne();
    settleOne();
    await settle();
    expect(dispatched).to.have.length(4);
    settleOne();
    await settle();
    // Fewer than half a batch pending: the rest is acquired.
    expect(dispatched).to.have.length(7);
    expect((await store.lookupJob('j4'))?.nextRunTime).to.deep.equal(at(9));

    // Executors that never catch up hold the loop back for MAX_BACK_PRESSURE_WAIT_MS at most.
    for (let i = 7; i < 15; i++) await store.addJob(intervalJob(`j${i}`, at(0), { misfireGraceTime: null }));
    loop.wakeUp();
    await settle();
    expect(dispatched).to.have.length(11);
    await clock.advance(MAX_BACK_PRESSURE_WAIT_MS);
    await settle();
    expect(dispatched).to.have.length(15);
  });
});
