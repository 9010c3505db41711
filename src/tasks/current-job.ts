import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a running task can learn about its run.
 *
 * @example
 * const job: CurrentJob | undefined = currentJob()
 * console.log(job?.id, job?.scheduledRunTime)
 */
export interface CurrentJob {
  readonly id: string;
  readonly scheduledRunTime: Date;
}

// One storage per process, however many copies of the package are loaded (a user's task module may
// import `jobclock` from its own node_modules while the server runs from another): keep it global.
const STORAGE_KEY = Symbol.for('jobclock.currentJob');
const globalSlot = globalThis as { [STORAGE_KEY]?: AsyncLocalStorage<CurrentJob> };
const storage: AsyncLocalStorage<CurrentJob> = (globalSlot[STORAGE_KEY] ??= new AsyncLocalStorage<CurrentJob>());

/**
 * The job whose task is running in this async context, or undefined outside a run.
 *
 * @example
 * export async function report() { console.log('run of', currentJob()?.id) }
 */
export function currentJob(): CurrentJob | undefined {
  return storage.getStore();
}

/** Runs `fn` with `job` as the current job. */
export function runAsJob<T>(job: CurrentJob, fn: () => T): T {
  return storage.run(job, fn);
}

/**
 * Makes the current-job storage ready before the first run: Node installs its async hooks on the
 * first `run`, which cost the first run of a started scheduler about a millisecond of lateness.
 * Idempotent and cheap after the first call.
 */
export function prepareCurrentJob(): void {
  // A store other than the current one (undefined): Node skips the set-up for the same store.
  storage.run(PREPARING, () => undefined);
}

const PREPARING: CurrentJob = Object.freeze({ id: '', scheduledRunTime: new Date(0) });
