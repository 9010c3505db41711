import type { Clock, TimerHandle } from '../clock/clock.js';
import { JobStoreUnavailableError } from '../errors.js';
import type { AcquiredJob } from '../stores/job-store.js';
import { Backoff } from './backoff.js';
import type { Logger } from './logger.js';
import { advanceDueJob } from './run-times.js';
import type { StoreRegistry } from './store-registry.js';

/** What the wake loop works with; the scheduler passes them in. */
export interface WakeLoopParts {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stores: StoreRegistry;
  /** Due jobs fetched per store query. */
  readonly batchSize: number;
  /** In a cluster, the longest sleep between passes, in case a wake-up notification was lost. */
  readonly fallbackPollMs: number;
  /** Whether due jobs should run now (the scheduler is running, not paused or stopped). */
  readonly active: () => boolean;
  /** Receives each job a store handed out, already advanced (the dispatcher). */
  readonly dispatch: (jobstore: string, acquired: AcquiredJob) => void;
  /** Called at the end of every pass (run-history trimming rides on it). */
  readonly onPass?: () => void;
  /** Jobs of a store still running a batch of their backlog: left out of the pass (the dispatcher's). */
  readonly catchingUp?: (jobstore: string) => ReadonlySet<string>;
  /**
   * Back-pressure (the dispatcher's): null when fewer than `below` submissions wait for the
   * executors, else a promise that resolves once fewer do.
   */
  readonly room?: (below: number) => Promise<void> | null;
}

/** The first acquire of a pass asks for this many due jobs (or the batch size, if smaller)… */
export const FIRST_BATCH_SIZE = 25;
/** …and each next one for this many times more, up to the batch size. */
export const BATCH_GROWTH = 4;

/**
 * The longest the loop waits for the executors to take in a batch before acquiring the next one
 * anyway: back-pressure spreads a burst, it never holds due jobs back for long-running tasks.
 */
export const MAX_BACK_PRESSURE_WAIT_MS = 200;

/**
 * The scheduler's one timer: sleeps until the earliest next run time of any store (no polling,
 * except a long fallback poll in a cluster), then makes passes over the stores until nothing more
 * is due: each store hands out its due jobs in batches, advanced by {@link advanceDueJob} in the
 * same step, and each goes to `dispatch`. Between batches it waits (at most
 * {@link MAX_BACK_PRESSURE_WAIT_MS}) until the executors have taken in most of the last one, so a
 * burst of due jobs is acquired as slots free up rather than all at once. After a failed pass it backs off (0.5 s doubling up to
 * 30 s): quietly when the store is unreachable (its health logged the outage once), with the stack
 * for any other error (a bug).
 *
 * @example
 * const loop = new WakeLoop({ clock, logger, stores, batchSize: 500, fallbackPollMs: 30_000, active: () => true, dispatch })
 * loop.wakeUp()
 */
export class WakeLoop {
  private timer: TimerHandle | null = null;
  private armedFor: number | null = null;
  private processing: Promise<void> | null = null;
  private rerun = false;
  /** For failed passes that are not a store outage (an unreachable store backs off on its own health). */
  private readonly failures = new Backoff();
  /** The error of the failed passes going on (logged with its stack once), and how often it came back. */
  private lastFailure: string | null = null;
  private repeats = 0;
  private soon = false;
  /** When the last pass over the stores began; null before the first. */
  private lastPassAt: Date | null = null;

  constructor(private readonly parts: WakeLoopParts) {}

  /** Re-examines the stores now (coalesced: at most one pass runs and one more is queued). */
  wakeUp(): void {
    if (!this.parts.active()) return;
    this.disarm();
    if (this.processing) {
      this.rerun = true;
      return;
    }
    this.processing = this.processUntilIdle().finally(() => {
      this.processing = null;
      // A wake-up that came after the last pass had ended but before this callback ran would be lost.
      if (this.rerun) this.wakeUp();
    });
  }

  /**
   * Wakes up on the next turn of the event loop (a catch-up batch has run): a backlog's batches then
   * take turns with requests and timers instead of chaining on microtasks.
   */
  wakeUpSoon(): void {
    // One pending at most: several batches ending in one turn ask for one pass, not one each.
    if (this.soon) return;
    this.soon = true;
    setImmediate(() => {
      this.soon = false;
      this.wakeUp();
    });
  }

  /** Wakes up only if something is due at `at` (epoch ms) before the loop would wake anyway. */
  wakeUpBy(at: number): void {
    if (this.processing || this.armedFor === null || at < this.armedFor) this.wakeUp();
  }

  /** A store says another process changed a job (or notifications may have been lost: `nextRunTime` null). */
  wakeUpFromStore(nextRunTime: Date | null): void {
    if (nextRunTime === null) this.wakeUp();
    else this.wakeUpBy(nextRunTime.getTime());
  }

  /** Cancels the timer (the loop sleeps until the next `wakeUp`). */
  disarm(): void {
    if (this.timer) this.parts.clock.clearTimer(this.timer);
    this.timer = null;
    this.armedFor = null;
  }

  /** Resolves once a pass in progress (if any) has finished. */
  async idle(): Promise<void> {
    await this.processing;
  }

  /** When the loop last woke and looked for due jobs; null before the first pass. */
  get lastWake(): Date | null {
    return this.lastPassAt;
  }

  private async processUntilIdle(): Promise<void> {
    const { clock, active } = this.parts;
    let nextWake: number | null;
    do {
      this.rerun = false;
      try {
        nextWake = await this.processDueJobs();
        this.failures.reset();
        this.lastFailure = null;
      } catch (error) {
        // Claims and the unique run key keep the retry from duplicating runs.
        nextWake = clock.now().getTime() + this.retryDelay(error);
      }
    } while (this.rerun && active());
    if (active()) this.arm(nextWake);
  }

  /**
   * How long to wait after a failed pass; logs only what is not a store outage: the stack once,
   * then a line per retry while the same error repeats.
   */
  private retryDelay(error: unknown): number {
    if (error instanceof JobStoreUnavailableError && error.storeAlias !== null) return this.parts.stores.health(error.storeAlias).nextRetryMs();
    const delay = this.failures.next();
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (message === this.lastFailure) {
      this.repeats += 1;
      this.parts.logger.error(`Processing due jobs failed again (${this.repeats + 1} times in a row: ${message}); retrying in ${delay} ms`);
    } else {
      this.lastFailure = message;
      this.repeats = 0;
      this.parts.logger.error(`Processing due jobs failed; retrying in ${delay} ms`, error);
    }
    return delay;
  }

  /** One pass over every store; returns when the next job is due (epoch ms), or null. */
  private async processDueJobs(): Promise<number | null> {
    const { clock, stores, batchSize, active, dispatch } = this.parts;
    let nextWake: number | null = null;
    // While a backlog is caught up, passes chain on microtasks (SQLite answers synchronously, a
    // finished batch asks for the next pass): give requests and timers a turn before each one.
    if ([...stores.entries()].some(([alias]) => (this.parts.catchingUp?.(alias).size ?? 0) > 0)) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.lastPassAt = clock.now();
    for (const [alias, store] of stores.entries()) {
      if (!active()) return null;
      const now = clock.now();
      // Read afresh for each query: dispatching a job with a backlog adds it.
      const catchingUp = () => this.parts.catchingUp?.(alias);
      // A pass starts small and grows to the batch size: the first due jobs of a burst start once a
      // few are read, not once a whole batch is read and advanced (on SQLite, ~10 ms for 500).
      let limit = Math.min(batchSize, FIRST_BATCH_SIZE);
      for (;;) {
        const acquired = await store.acquireDueJobs(now, limit, (job) => advanceDueJob(job, now), catchingUp());
        for (const item of acquired) dispatch(alias, item);
        if (acquired.length < limit || !active()) break;
        limit = Math.min(batchSize, limit * BATCH_GROWTH);
        await this.roomForNextBatch();
        if (!active()) return null;
      }
      const storeNext = await store.getNextRunTime(catchingUp());
      if (storeNext && (nextWake === null || storeNext.getTime() < nextWake)) nextWake = storeNext.getTime();
    }
    // After the due jobs are out, so a trim's first statement never delays a run.
    this.parts.onPass?.();
    return nextWake;
  }

  /**
   * Waits until fewer than half a batch of submissions are pending (bounded): the due runs of a
   * burst then stay in the store, not in executor queues, and only a batch or so lives at once.
   */
  private async roomForNextBatch(): Promise<void> {
    const room = this.parts.room?.(Math.max(1, Math.floor(this.parts.batchSize / 2)));
    if (!room) return;
    const { clock } = this.parts;
    let timer: TimerHandle | null = null;
    await Promise.race([room, new Promise<void>((resolve) => (timer = clock.setTimer(resolve, MAX_BACK_PRESSURE_WAIT_MS)))]);
    if (timer) clock.clearTimer(timer);
  }

  private arm(wakeAt: number | null): void {
    const { clock } = this.parts;
    this.disarm();
    // In a cluster, NOTIFY wakes us for jobs changed elsewhere; a long fallback poll covers lost ones.
    const pollAt = this.parts.stores.clustered ? clock.now().getTime() + this.parts.fallbackPollMs : null;
    const at = wakeAt === null ? pollAt : pollAt === null ? wakeAt : Math.min(wakeAt, pollAt);
    if (at === null) return;
    // Due already (a job committed between this pass's acquire and its next-run-time query): pass
    // again on the next turn. A timer would do the same on the system clock, but a ManualClock
    // fires timers only when advanced, and the job would wait for a wake-up that never comes.
    if (at <= clock.now().getTime()) {
      this.wakeUpSoon();
      return;
    }
    this.armedFor = at;
    // Precise: a job's start is due on its millisecond, not when Node's timer gets round to it.
    this.timer = clock.setTimer(() => {
      this.timer = null;
      this.armedFor = null;
      this.wakeUp();
    }, at - clock.now().getTime(), { precise: true });
  }
}
