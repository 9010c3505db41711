import { AsyncLocalStorage } from 'node:async_hooks';
import { isPromiseLike } from '../util/promise-like.js';

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
// import `jobclock` from its own node_modules while the server runs from another): keep it global,
// with the count of runs in progress that decides when it is switched on.
const SLOT_KEY = Symbol.for('jobclock.currentJob.slot');
interface CurrentJobSlot {
  readonly storage: AsyncLocalStorage<CurrentJob>;
  running: number;
  switchingOff: boolean;
}
const globalSlot = globalThis as { [SLOT_KEY]?: CurrentJobSlot };
const slot: CurrentJobSlot = (globalSlot[SLOT_KEY] ??= { storage: new AsyncLocalStorage<CurrentJob>(), running: 0, switchingOff: false });

/**
 * The job whose task is running in this async context, or undefined outside a run. A run lasts
 * from the task's call until the promise it returns settles (a synchronous task: until it returns);
 * work a task leaves going after that sees undefined once no run is in progress.
 *
 * @example
 * export async function report() { console.log('run of', currentJob()?.id) }
 */
export function currentJob(): CurrentJob | undefined {
  return slot.storage.getStore();
}

/**
 * Runs `fn` with `job` as the current job, until its result (a promise: once settled) is there.
 *
 * The storage is switched on only while runs are in progress. On Node 20, an enabled
 * AsyncLocalStorage installs promise hooks that every promise in the process then pays for: about
 * a sixth of a REST request's time on a server that has run a job.
 */
export function runAsJob<T>(job: CurrentJob, fn: () => T): T {
  slot.running++;
  let result: T;
  try {
    result = slot.storage.run(job, fn);
  } catch (error) {
    leaveRun();
    throw error;
  }
  if (!isPromiseLike(result)) {
    leaveRun();
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      leaveRun();
      return value;
    },
    (error: unknown) => {
      leaveRun();
      throw error;
    },
  ) as T;
}

function leaveRun(): void {
  // Switched off once the event loop has come round with no run in progress, not at once: runs
  // that follow each other in a burst would otherwise switch Node's hooks off and on for each one,
  // and that costs more than the hooks themselves.
  if (--slot.running === 0 && !slot.switchingOff) {
    slot.switchingOff = true;
    setImmediate(switchOffWhenIdle).unref();
  }
}

function switchOffWhenIdle(): void {
  slot.switchingOff = false;
  if (slot.running === 0) slot.storage.disable();
}

/**
 * Makes the current-job storage ready before the first run: Node sets up its async hooks on the
 * first `run`, which cost the first run of a started scheduler about a millisecond of lateness.
 * Idempotent and cheap after the first call.
 */
export function prepareCurrentJob(): void {
  runAsJob(PREPARING, () => undefined);
}

const PREPARING: CurrentJob = Object.freeze({ id: '', scheduledRunTime: new Date(0) });
