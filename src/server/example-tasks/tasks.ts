import { currentJob } from '../../tasks/current-job.js';

// Task module `tasks`: `tasks:daily_cleanup` and `tasks:process_data`, as in Flask-APScheduler's
// "Advanced Job Creation" examples. They only log; replace them with your own task modules
// (SCHEDULER_TASKS=./my-tasks.js).

/** The nightly cleanup of the cron example (`"hour": 2, "minute": 0`). */
export function daily_cleanup(kwargs: Readonly<Record<string, unknown>> = {}): { cleaned: boolean } {
  console.log(`[tasks:daily_cleanup] job ${currentJob()?.id ?? '(none)'} ran`, kwargs);
  return { cleaned: true };
}

/** The one-off job of the date example: `"args": ["data.json"], "kwargs": {"format": "json"}`. */
export function process_data(file: unknown, kwargs: Readonly<Record<string, unknown>> = {}): { file: unknown; format: unknown } {
  console.log(`[tasks:process_data] job ${currentJob()?.id ?? '(none)'} processes ${String(file)}`, kwargs);
  return { file, format: kwargs.format ?? null };
}
