import { pathToFileURL } from 'node:url';
import { runAsJob } from '../tasks/current-job.js';

/** What the worker executor sends a worker thread: where the task is and what to call it with. */
export interface WorkerCall {
  readonly file: string;
  readonly exportName: string;
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
  readonly jobId: string;
  readonly scheduledRunTime: number;
}

/** Runs in a Piscina worker: imports the task module (cached by the module system) and calls the task. */
export default async function runTask(call: WorkerCall): Promise<unknown> {
  const module = (await import(pathToFileURL(call.file).href)) as Record<string, unknown>;
  const fn = module[call.exportName];
  if (typeof fn !== 'function') throw new Error(`${call.file} has no exported function "${call.exportName}"`);
  return runAsJob({ id: call.jobId, scheduledRunTime: new Date(call.scheduledRunTime) }, () =>
    (fn as (...a: unknown[]) => unknown)(...call.args, call.kwargs),
  );
}
