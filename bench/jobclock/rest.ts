/**
 * REST: requests per second and latency of GET one job, GET a page of 100 jobs and POST a new job,
 * measured with autocannon (10 connections) against the real server (`node dist/src/server/main.bundle.js`,
 * what `npm start` runs) on an SQLite file store holding `jobs` jobs. The REST floor, a bare Koa app
 * answering a constant JSON (bench/peers/koa-floor.ts, in its own process), is measured with the same
 * settings, half of its time before jobclock's runs and half after, and each jobclock figure is also
 * given as a fraction of it (steadier than the absolute figure on a shared machine).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { silentLogger } from '../../src/scheduler/logger.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { createJobStore } from '../../src/stores/store-url.js';
import { tempDir } from '../lib/places.js';
import { childParams, report } from '../lib/result.js';
import { REPO_ROOT, startServerProcess } from '../lib/server-process.js';
import { addAll } from './harness.js';

const params = childParams({ jobs: 10_000, durationS: 10, connections: 10 });
const temp = tempDir('rest');
const storeUrl = `sqlite:${temp.dir}/jobs.sqlite`;

// The jobs are stored before the server starts, as they would be by earlier runs.
const filler = new Scheduler({ jobstores: { default: createJobStore(storeUrl) }, logger: silentLogger });
filler.registerTasks('examples', { echo: () => undefined });
const id = (i: number) => `rest-${String(i).padStart(6, '0')}`;
await addAll(filler, Array.from({ length: params.jobs }, (_, i) => ({ id: id(i), func: 'examples:echo', trigger: 'interval' as const, hours: 1 + (i % 24), args: [i] })));
await filler.close();

const floorRate = await measureFloor(params.durationS / 2);
const server = await startServerProcess({ env: { SCHEDULER_STORE: storeUrl } });
const rates: { scenario: string; rate: number; count: number; latency: autocannon.Histogram; failures: number; note: string }[] = [];
try {
  const random = () => Math.floor(Math.random() * params.jobs);
  let posted = 0;
  const cases: { scenario: string; request: autocannon.Request }[] = [
    { scenario: 'REST GET /jobs/:id', request: { method: 'GET', setupRequest: (req) => ({ ...req, path: `/scheduler/jobs/${id(random())}` }) } },
    { scenario: 'REST GET /jobs?limit=100', request: { method: 'GET', setupRequest: (req) => ({ ...req, path: `/scheduler/jobs?limit=100&after=${id(random())}` }) } },
    {
      scenario: 'REST POST /jobs',
      request: {
        method: 'POST',
        path: '/scheduler/jobs',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ id: `posted-${posted++}`, func: 'examples:echo', trigger: 'interval', minutes: 30, args: ['hello'], kwargs: { n: posted } }),
        }),
      },
    },
  ];
  for (const { scenario, request } of cases) {
    const result = await autocannon({ url: server.url, connections: params.connections, duration: params.durationS, requests: [request] });
    const failures = result.errors + result.timeouts + result.non2xx;
    const note = failures ? `${failures} requests failed (errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx})` : '';
    rates.push({ scenario, rate: result.requests.average, count: result.requests.total, latency: result.latency, failures, note });
  }
} finally {
  await server.stop();
  temp.remove();
}
const floor = mergeFloor(floorRate, await measureFloor(params.durationS / 2));
report({
  scenario: 'REST floor: bare Koa, constant JSON',
  subject: `Koa ${koaVersion()}`,
  count: floor.count,
  rate: floor.rate,
  lateness: { count: floor.count, p50: floor.p50, p99: floor.p99, max: floor.max },
  figures: { failures: floor.failures },
});
for (const { scenario, rate, count, latency, failures, note } of rates) {
  report({
    scenario,
    subject: 'jobclock',
    count,
    rate,
    lateness: { count, p50: latency.p50, p99: latency.p99, max: latency.max },
    figures: { failures, '% of Koa floor': (100 * rate) / floor.rate },
    note,
  });
}

interface FloorRun {
  readonly count: number;
  readonly seconds: number;
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly failures: number;
}

/** The bare Koa app in its own process, GET with the same autocannon settings, for `seconds`. */
async function measureFloor(seconds: number): Promise<FloorRun> {
  const floorServer = await startServerProcess({ env: {}, entry: 'dist/bench/peers/koa-floor.js' });
  try {
    const result = await autocannon({ url: `${floorServer.url}/scheduler/jobs/floor`, connections: params.connections, duration: seconds });
    const count = result.requests.total;
    return { count, seconds, rate: count / seconds, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, failures: result.errors + result.timeouts + result.non2xx };
  } finally {
    await floorServer.stop();
  }
}

/** Both halves as one run: the rate over their whole time, the worse of their latencies. */
function mergeFloor(a: FloorRun, b: FloorRun): FloorRun {
  const seconds = a.seconds + b.seconds;
  const count = a.count + b.count;
  return { count, seconds, rate: count / seconds, p50: Math.max(a.p50, b.p50), p99: Math.max(a.p99, b.p99), max: Math.max(a.max, b.max), failures: a.failures + b.failures };
}

function koaVersion(): string {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', 'koa', 'package.json'), 'utf8')) as { version: string }).version;
}
