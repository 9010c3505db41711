import { setTimeout as sleepMs } from 'node:timers/promises';
import { currentJob } from '../../tasks/current-job.js';

// Task module `examples`: small tasks to try the API with, silent unless asked.

/** Returns what it was given: `{ job, args, kwargs }` (see `POST /scheduler/jobs/<id>/run`). */
export function echo(...args: unknown[]): { job: string | null; args: unknown[]; kwargs: unknown } {
  const kwargs = args.pop();
  return { job: currentJob()?.id ?? null, args, kwargs };
}

/** Waits `seconds` (first argument or `kwargs.seconds`, default 1): a long-running job. */
export async function sleep(...args: unknown[]): Promise<number> {
  const kwargs = (args.pop() ?? {}) as { seconds?: unknown };
  const seconds = Number(args[0] ?? kwargs.seconds ?? 1);
  await sleepMs(Math.max(0, Number.isFinite(seconds) ? seconds : 1) * 1000);
  return seconds;
}

/** Throws an error with the given message (first argument or `kwargs.message`): what a failing job looks like. */
export function fail(...args: unknown[]): never {
  const kwargs = (args.pop() ?? {}) as { message?: unknown };
  throw new Error(String(args[0] ?? kwargs.message ?? 'examples:fail failed, as asked'));
}
