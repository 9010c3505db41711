import { currentJob } from '../../tasks/current-job.js';

// Task module `mymodule`, so the REST examples of Flask-APScheduler work as written:
//   curl -X POST http://localhost:5000/scheduler/jobs -H "Content-Type: application/json" \
//     -d '{"id": "test_job", "func": "mymodule:my_function", "trigger": "interval", "seconds": 30}'

/** Logs that it ran, with its arguments; returns a short summary. A task is called as `fn(...args, kwargs)`. */
export function my_function(...args: unknown[]): string {
  const kwargs = args.pop();
  const job = currentJob();
  console.log(`[mymodule:my_function] job ${job?.id ?? '(none)'} ran`, { args, kwargs });
  return `my_function ran with ${args.length} argument(s)`;
}
