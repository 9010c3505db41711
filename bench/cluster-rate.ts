/**
 * The cluster's fire rate with 1, 2 and 3 jobclock processes on one PostgreSQL schema, no-op jobs:
 *
 * - burst: BENCH_BURST date jobs (default 5000) all due at the same instant; rate = jobs / time
 *   from that instant until the last one started (every run is claimed, started and recorded).
 * - steady: BENCH_STEADY interval jobs (default 300) firing every second, spread over the second,
 *   for BENCH_SECONDS (default 10); lateness = started_at − scheduled time, from the runs table.
 *
 * Run: node --import tsx bench/cluster-rate.ts (or `npm run bench -- --only=cluster`, which runs it
 * and reads the `RESULT` lines it prints: one `cluster burst postgres` row per node count, the
 * 3-node row carrying `× 1 node`).
 * Env: JOBCLOCK_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { report } from './lib/result.js';
import type { JobDefinition } from '../src/jobs/job-definition.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { silentLogger } from '../src/scheduler/logger.js';
import { SqlJobStore } from '../src/stores/sql/sql-job-store.js';

const PG_URL = process.env.JOBCLOCK_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BURST = Number(process.env.BENCH_BURST ?? 5000);
const STEADY = Number(process.env.BENCH_STEADY ?? 300);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const NODE_SCRIPT = fileURLToPath(new URL('../test/fixtures/cluster-node.ts', import.meta.url));

const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();

console.log(`cluster fire rate, no-op jobs (${BURST} burst jobs; ${STEADY} jobs/s steady for ${SECONDS} s)`);
console.log('nodes | burst rate (runs/s) | steady: runs ok | lateness p50 | p99 | max');
const burstRates = new Map<number, number>();
for (const size of [1, 2, 3]) {
  const burst = await measure(size, 'burst');
  const steady = await measure(size, 'steady');
  burstRates.set(size, burst.rate);
  const single = burstRates.get(1) ?? NaN;
  report({
    scenario: `cluster burst postgres, ${size} node${size === 1 ? '' : 's'}`,
    subject: 'jobclock',
    count: BURST,
    rate: burst.rate,
    figures: { '× 1 node': burst.rate / single, 'steady p99 ms': steady.p99 },
  });
  console.log(
    `${size}     | ${burst.rate.toFixed(0).padStart(19)} | ${String(steady.ok).padStart(15)} | ${`${steady.p50} ms`.padStart(12)} | ${steady.p99} ms | ${steady.max} ms`,
  );
}
await admin.end();

async function measure(size: number, kind: 'burst' | 'steady') {
  const schema = `jobclock_bench_${randomBytes(6).toString('hex')}`;
  await admin.query(`create schema ${schema}`);
  const nodes: ChildProcess[] = [];
  try {
    for (let n = 0; n < size; n++) nodes.push(await startNode(schema));
    const start = Date.now() + 2000;
    await addJobs(schema, kind === 'burst' ? burstJobs(start) : steadyJobs(start));
    const end = kind === 'burst' ? start : start + SECONDS * 1000;
    await waitUntil(end + 1500);
    if (kind === 'burst') {
      // Wait for the backlog to drain.
      for (;;) {
        const { rows } = await admin.query<{ n: number }>(`select count(*)::int as n from ${schema}.jobclock_runs where status = 'ok'`);
        if ((rows[0]?.n ?? 0) >= BURST) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const { rows } = await admin.query<{ late: number }>(
      `select (started_at - scheduled_run_time)::float8 as late from ${schema}.jobclock_runs where status = 'ok' and scheduled_run_time <= $1 order by 1`,
      [end],
    );
    const late = rows.map((row) => row.late);
    const q = (p: number) => late[Math.min(late.length - 1, Math.floor(p * late.length))] ?? NaN;
    const max = late.at(-1) ?? NaN;
    return { ok: late.length, rate: kind === 'burst' ? (BURST * 1000) / Math.max(1, max) : late.length / SECONDS, p50: q(0.5), p99: q(0.99), max };
  } finally {
    for (const node of nodes) node.kill('SIGKILL');
    await admin.query(`drop schema ${schema} cascade`);
  }
}

function burstJobs(at: number): JobDefinition[] {
  return Array.from({ length: BURST }, (_, n) => ({
    id: `burst-${n}`, func: 'cluster:noop', trigger: 'date', run_date: new Date(at).toISOString(), misfire_grace_time: null,
  }));
}

function steadyJobs(start: number): JobDefinition[] {
  return Array.from({ length: STEADY }, (_, n) => ({
    id: `steady-${n}`, func: 'cluster:noop', trigger: 'interval', seconds: 1,
    start_date: new Date(start + Math.floor((n * 1000) / STEADY)).toISOString(),
    end_date: new Date(start + SECONDS * 1000).toISOString(),
  }));
}

async function addJobs(schema: string, definitions: JobDefinition[]): Promise<void> {
  const scheduler = new Scheduler({
    jobstores: { default: new SqlJobStore({ dialect: 'postgres', connectionString: PG_URL }, { schema }) },
    logger: silentLogger,
  });
  scheduler.registerTasks('cluster', { noop() {} });
  try {
    await scheduler.addJobs(definitions);
  } finally {
    await scheduler.close();
  }
}

async function startNode(schema: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', NODE_SCRIPT, JSON.stringify({ pgUrl: PG_URL, schema, maxConcurrency: 100 })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => line.startsWith('ready ') && resolve());
    child.once('exit', (code) => reject(new Error(`node exited (${code})`)));
  });
  return child;
}

function waitUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}
