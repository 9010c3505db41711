import { prepareCurrentJob, runAsJob } from '../tasks/current-job.js';
import { invokeTask } from '../tasks/task-registry.js';
import type { TaskInvoker } from './executor.js';
import { PooledExecutor } from './pooled-executor.js';

/**
 * Runs tasks in this process, on the event loop, at most `maxConcurrency` at once (default 10, as
 * APScheduler's thread pool). The default executor: right for I/O-bound tasks.
 *
 * @example
 * new Scheduler({ executors: { default: new AsyncExecutor({ maxConcurrency: 50 }) } })
 */
export class AsyncExecutor extends PooledExecutor {
  constructor(options: { readonly maxConcurrency?: number } = {}) {
    super(options.maxConcurrency ?? 10);
  }

  override async start(): Promise<void> {
    // At start, not on the first run's path: that run is then as punctual as the next ones.
    prepareCurrentJob();
    await super.start();
  }

  // Not async: a plain task's return value (or throw) comes straight back, with no promise per run.
  protected readonly invoke: TaskInvoker = ({ task, args, kwargs, jobId, scheduledRunTime }) =>
    runAsJob({ id: jobId, scheduledRunTime }, () => invokeTask(task.fn, args, kwargs));
}
