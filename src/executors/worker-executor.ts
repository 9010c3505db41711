import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Piscina } from 'piscina';
import { ValidationError } from '../errors.js';
import type { TaskInvoker } from './executor.js';
import { PooledExecutor } from './pooled-executor.js';
import type { WorkerCall } from './worker-entry.js';

/**
 * Runs tasks in worker threads (a Piscina pool), so CPU-bound tasks do not stall the scheduler.
 * Tasks must come from task module files (a worker imports the file itself); args and kwargs are
 * copied to the worker, as JSON values are.
 *
 * @example
 * new Scheduler({ executors: { default: new AsyncExecutor(), cpu: new WorkerExecutor({ maxThreads: 2 }) } })
 * await scheduler.addJob({ id: 'hash', func: 'crunch:hashAll', trigger: 'interval', minutes: 5, executor: 'cpu' })
 */
export class WorkerExecutor extends PooledExecutor {
  private pool: Piscina | null = null;

  constructor(private readonly options: { readonly maxThreads?: number; readonly idleTimeoutMs?: number } = {}) {
    super(options.maxThreads ?? Math.max(1, availableParallelism()));
  }

  override async start(): Promise<void> {
    // Imported here, not at the top: an application that never starts a worker executor (most
    // use only the async one) does not load the thread pool.
    const { Piscina: Pool } = await import('piscina');
    this.pool ??= new Pool({
      filename: workerEntryFile(),
      minThreads: 0,
      maxThreads: this.maxConcurrency,
      idleTimeout: this.options.idleTimeoutMs ?? 30_000,
    });
    await super.start();
  }

  override async shutdown(options: { readonly wait: boolean }): Promise<void> {
    await super.shutdown(options);
    const pool = this.pool;
    this.pool = null;
    await pool?.destroy();
  }

  protected readonly invoke: TaskInvoker = async ({ task, args, kwargs, jobId, scheduledRunTime }) => {
    if (!task.file) {
      throw new ValidationError(
        `Task "${task.reference}" was registered by code; the worker executor runs only tasks from task module files`,
      );
    }
    if (!this.pool) throw new Error('WorkerExecutor is not started');
    const call: WorkerCall = {
      file: task.file,
      exportName: task.exportName,
      args: [...args],
      kwargs: { ...kwargs },
      jobId,
      scheduledRunTime: scheduledRunTime.getTime(),
    };
    return this.pool.run(call);
  };
}

/**
 * The compiled worker next to this file; under a TypeScript loader (tests) the .ts source. Named
 * from `src/`'s level, so it also resolves from the bundled server (dist/src/server/main.bundle.js).
 */
function workerEntryFile(): string {
  const compiled = fileURLToPath(new URL('../executors/worker-entry.js', import.meta.url));
  return existsSync(compiled) ? compiled : fileURLToPath(new URL('../executors/worker-entry.ts', import.meta.url));
}
