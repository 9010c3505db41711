import type { ResolvedTask } from '../tasks/task-registry.js';

/**
 * The executor contract, as APScheduler's `BaseExecutor`: it decides how many runs go on at once and
 * where a task's code runs. The scheduler hands it a submission (all the run times of one due job,
 * run in order, one instance); when a slot is free the executor calls it with an `invoke` function
 * that runs one task call its own way (in this thread, or in a worker thread).
 *
 * @example
 * const executor = new AsyncExecutor({ maxConcurrency: 20 })
 * await executor.submit(async (invoke) => { await invoke(invocation) })
 * executor.submitThen?.(async (invoke) => { await invoke(invocation) }, (failed, error) => failed && console.error(error))
 */
export interface Executor {
  start(): Promise<void>;
  /** Queues a submission; the promise settles when the submission has run (or was dropped at shutdown). */
  submit(submission: Submission): Promise<void>;
  /**
   * Optional, what `submit` does with a callback instead of a promise (a burst of thousands of runs
   * feels every promise): `settled` is called once, with `failed` true and the error when the
   * submission threw or could not be queued; it must not throw. The scheduler uses it when present.
   * The submission may finish in the call itself: then it returns undefined, not a promise.
   */
  submitThen?(submission: InlineSubmission, settled: (failed: boolean, error?: unknown) => void): void;
  /** Stops taking submissions; with `wait`, resolves once the running and queued ones have finished. */
  shutdown(options: { readonly wait: boolean }): Promise<void>;
}

/**
 * One instance of a job: runs its run times in order through `invoke`.
 *
 * @example
 * const submission: Submission = async (invoke) => { await invoke(invocation) }
 */
export type Submission = (invoke: TaskInvoker) => Promise<void>;

/**
 * A {@link Submission} that, when every task call it made answered at once (a task that is not
 * async, on an executor whose `invoke` calls it in this thread), has finished when it returns: it
 * returns undefined then, else the promise. Only `submitThen` is handed one.
 *
 * @example
 * const submission: InlineSubmission = (invoke) => { const result = invoke(invocation); return result instanceof Promise ? result.then(() => {}) : undefined }
 */
export type InlineSubmission = (invoke: TaskInvoker) => Promise<void> | undefined;

/**
 * Calls a task once: a promise that resolves with its return value or rejects with what it threw,
 * or, when the call is made in this thread and the task is not async, what the task returned (a
 * throw then throws). A burst of thousands of plain tasks then costs no promise per run.
 *
 * @example
 * const invoke: TaskInvoker = async ({ task, args, kwargs }) => invokeTask(task.fn, args, kwargs)
 */
export type TaskInvoker = (invocation: TaskInvocation) => unknown;

/**
 * One call of a task: what it runs, with which arguments, for which run of which job.
 *
 * @example
 * await invoke({ task, args: [], kwargs: {}, jobId: 'report', scheduledRunTime: new Date() })
 */
export interface TaskInvocation {
  readonly task: ResolvedTask;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly jobId: string;
  readonly scheduledRunTime: Date;
}
