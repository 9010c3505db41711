import { SchedulerNotRunningError } from '../errors.js';
import type { Executor, InlineSubmission, Submission, TaskInvoker } from './executor.js';
import { RunQueue } from './run-queue.js';

/** A submission waiting for a slot, with what to call once it has settled. */
interface Queued {
  readonly submission: InlineSubmission;
  readonly settled: (failed: boolean, error?: unknown) => void;
}

/**
 * What every executor shares: a concurrency limit, a queue, and a clean shutdown. Subclasses only
 * say how one task call is made.
 *
 * A queued submission is a plain entry, not a suspended call: a burst of thousands of due jobs
 * costs one entry each until a slot frees, and starting the next is O(1).
 */
export abstract class PooledExecutor implements Executor {
  private readonly queue = new RunQueue<Queued>();
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private accepting = false;

  protected constructor(readonly maxConcurrency: number) {
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      throw new RangeError(`maxConcurrency must be a positive integer, got ${maxConcurrency}`);
    }
  }

  protected abstract readonly invoke: TaskInvoker;

  async start(): Promise<void> {
    this.accepting = true;
  }

  submit(submission: Submission): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on whatever the submission threw
      this.submitThen(submission, (failed, error) => (failed ? reject(error) : resolve()));
    });
  }

  submitThen(submission: InlineSubmission, settled: (failed: boolean, error?: unknown) => void): void {
    if (!this.accepting) {
      settled(true, new SchedulerNotRunningError());
      return;
    }
    const entry: Queued = { submission, settled };
    if (this.active < this.maxConcurrency) {
      this.active++;
      // Started on the next microtask, as if the slot had been awaited: never inside the caller.
      queueMicrotask(() => this.run(entry));
    } else {
      this.queue.push(entry);
    }
  }

  async shutdown({ wait }: { readonly wait: boolean }): Promise<void> {
    this.accepting = false;
    if (!wait) {
      // Queued submissions are dropped: their promises resolve without running them.
      for (let entry = this.queue.shift(); entry; entry = this.queue.shift()) entry.settled(false);
      return;
    }
    if (this.active === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Runs `first` in this slot and, while submissions finish in the call itself (plain tasks), the
   * queued ones after it, in this loop: a burst of thousands costs neither a promise nor a stack
   * frame per run. A submission still going when it returns takes the slot until it settles.
   */
  private run(first: Queued): void {
    for (let entry: Queued | undefined = first; entry; entry = this.queue.shift()) {
      let running: Promise<void> | undefined;
      try {
        running = entry.submission(this.invoke);
      } catch (error) {
        entry.settled(true, error);
        continue;
      }
      if (running !== undefined) {
        const settling = entry;
        running.then(
          () => this.finished(settling, false),
          (error: unknown) => this.finished(settling, true, error),
        );
        return;
      }
      entry.settled(false);
    }
    this.slotFreed();
  }

  private finished(entry: Queued, failed: boolean, error?: unknown): void {
    entry.settled(failed, error);
    const next = this.queue.shift();
    if (next) this.run(next);
    else this.slotFreed();
  }

  private slotFreed(): void {
    this.active--;
    if (this.active === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}
