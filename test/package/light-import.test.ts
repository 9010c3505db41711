import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { RUN_ONE_MEMORY_JOB } from './memory-job-snippet.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** The optional or heavy packages a memory-store application must not pay for. */
const HEAVY = ['pg', 'better-sqlite3', 'koa', '@koa/router', 'piscina', 'prom-client', 'pino'] as const;

// Records every module the child loads: ES modules through a loader hook (they appear in no registry
// a program can read), CommonJS ones from require's cache, so a lazy `createRequire` counts too.
const HOOKS = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function load(url, context, next) { appendFileSync(log, url + '\\n'); return next(url, context); }
`;

// The child: imports the built package by its name (the repository refers to itself through its
// \`exports\` map, so this is dist/, what users get), runs a job on a memory store, and reports which
// heavy packages were loaded after each step.
const CHILD = `
import { register, createRequire } from 'node:module';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
const log = join(mkdtempSync(join(tmpdir(), 'jobclock-light-')), 'loaded.txt');
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), import.meta.url, { data: { log } });
const heavy = ${JSON.stringify(HEAVY)};
const loaded = () => {
  const urls = [...readFileSync(log, 'utf8').split('\\n'), ...Object.keys(createRequire(import.meta.url).cache)];
  return heavy.filter((name) => urls.some((url) => url.includes('/node_modules/' + name + '/')));
};
const report = {};
const { Scheduler, silentLogger, createJobStore, schedulerRouter, metricsMiddleware } = await import('jobclock');
report.imported = loaded();
${RUN_ONE_MEMORY_JOB}
report.ran = ran;
report.memoryScheduler = loaded();
schedulerRouter(scheduler);
report.router = loaded();
await metricsMiddleware(scheduler, { defaultMetrics: false });
report.metrics = loaded();
await scheduler.shutdown();
const sqlite = createJobStore('sqlite::memory:');
await sqlite.open({ onUnreadableJob: () => {} });
await sqlite.close();
report.sqliteStore = loaded();
console.log(JSON.stringify(report));
`;

describe('import { Scheduler } from "jobclock" (light import)', function () {
  this.timeout(60_000);

  it('loads no driver, Koa, worker pool, metrics or log library for a memory store; each loads when it is used', async function () {
    const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', CHILD], { cwd: REPO });
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(report.ran, 'the job ran on the memory store').to.equal(1);
    expect(report.imported, 'loaded by the import').to.deep.equal([]);
    expect(report.memoryScheduler, 'loaded by a memory-store scheduler').to.deep.equal([]);
    // The same detector sees the packages once they are used, so the empty lists above mean something.
    expect(report.router).to.deep.equal(['@koa/router']);
    expect(report.metrics).to.deep.equal(['@koa/router', 'prom-client']);
    expect(report.sqliteStore).to.deep.equal(['better-sqlite3', '@koa/router', 'prom-client']);
  });
});
