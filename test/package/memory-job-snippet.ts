/**
 * JavaScript for the child processes of the package tests: with `Scheduler` and `silentLogger` in
 * scope (from `import` or `require` of jobclock), inside an async context, it starts a memory-store
 * scheduler, runs one job and leaves the run count in `ran` and the running scheduler in `scheduler`.
 */
export const RUN_ONE_MEMORY_JOB = `
const scheduler = new Scheduler({ jobstores: { default: 'memory:' }, logger: silentLogger });
let ran = 0;
scheduler.registerTasks('app', { tick: () => { ran += 1; } });
await scheduler.start();
await scheduler.addJob({ id: 'now', func: 'app:tick', trigger: 'date', run_date: new Date() });
// Waits for the job (up to 30 s on a slow machine), no fixed sleep.
for (let i = 0; i < 3000 && ran === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
`;
