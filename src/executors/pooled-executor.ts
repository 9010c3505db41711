import { SchedulerNotRunningError } from '../errors.js';
import type { Executor, Submission, TaskInvoker } from './executor.js';
import { SlotQueue } from './slot-queue.js';

/**
 * What every executor shares: a concurrency limit, a queue, and a clean shutdown. Subclasses only
 * say how one task call is made.
 */
export abstract class PooledExecutor implements Executor {
  private readonly slots: SlotQueue;
  private readonly running = new Set<Promise<void>>();
  private accepting = false;
  private dropQueued = false;

  protected constructor(readonly maxConcurrency: number) {
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      throw new RangeError(`maxConcurrency must be a positive integer, got ${maxConcurrency}`);
    }
    this.slots = new SlotQueue(maxConcurrency);
  }

  protected abstract readonly invoke: TaskInvoker;

  async start(): Promise<void> {
    this.accepting = true;
    this.dropQueued = false;
  }

  submit(submission: Submission): Promise<void> {
    if (!this.accepting) return Promise.reject(new SchedulerNotRunningError());
    const run = this.runInSlot(submission);
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return run;
  }

  async shutdown({ wait }: { readonly wait: boolean }): Promise<void> {
    this.accepting = false;
    if (!wait) {
      this.dropQueued = true;
      this.slots.drain();
      return;
    }
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async runInSlot(submission: Submission): Promise<void> {
    if (!(await this.slots.acquire())) return;
    try {
      if (!this.dropQueued) await submission(this.invoke);
    } finally {
      this.slots.release();
    }
  }
}
