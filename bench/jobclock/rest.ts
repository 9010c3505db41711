/**
 * REST: requests per second and latency of GET one job, GET a page of 100 jobs and POST a new job,
 * measured with autocannon (10 connections) against the real server (`node dist/src/server/main.js`,
 * what `npm start` runs) on an SQLite file store holding `jobs` jobs.
 */
import autocannon from 'autocannon';
import { silentLogger } from '../../src/scheduler/logger.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { createJobStore } from '../../src/stores/store-url.js';
import { tempDir } from '../lib/places.js';
import { childParams, report } from '../lib/result.js';
import { startServerProcess } from '../lib/server-process.js';
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

const server = await startServerProcess({ env: { SCHEDULER_STORE: storeUrl } });
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
    report({
      scenario,
      subject: 'jobclock',
      count: result.requests.total,
      rate: result.requests.average,
      lateness: { count: result.requests.total, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      figures: { failures },
      note: failures ? `${failures} requests failed (errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx})` : '',
    });
  }
} finally {
  await server.stop();
  temp.remove();
}
