/**
 * Peer: graphile-worker on PostgreSQL, for the PostgreSQL burst: N jobs with one `runAt`, run by one
 * process (concurrency 10, as jobclock's default executor). Future jobs are found by polling; the
 * poll interval is set to 100 ms (graphile-worker's default is 2 s), which bounds its lateness floor.
 */
import { createRequire } from 'node:module';
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import { PG_URL, dropSchema, freshSchemaName } from '../lib/places.js';
import { preciseClock } from '../lib/precise-clock.js';
import { childParams, report } from '../lib/result.js';
import { summarize } from '../lib/stats.js';

const version = (createRequire(import.meta.url)('graphile-worker/package.json') as { version: string }).version;
const params = childParams({ n: 5000, concurrency: 10, pollInterval: 100 });
const now = preciseClock();
const schema = freshSchemaName('gw');
const quiet = new Logger(() => () => {});
const samples: number[] = [];
let lastStart = -Infinity;
let resolveAll: () => void = () => {};
const all = new Promise<void>((resolve) => (resolveAll = resolve));

const utils = await makeWorkerUtils({ connectionString: PG_URL, schema, logger: quiet });
try {
  await utils.migrate();
  const runner = await run({
    connectionString: PG_URL,
    schema,
    concurrency: params.concurrency,
    pollInterval: params.pollInterval,
    noHandleSignals: true,
    logger: quiet,
    taskList: {
      tick: async (payload) => {
        const started = now();
        const { due } = payload as { due: number };
        if (due > 4e12) return; // a probe job
        samples.push(started - due);
        lastStart = Math.max(lastStart, started);
        if (samples.length === params.n) resolveAll();
      },
    },
  });
  const addMany = async (count: number, due: number) => {
    // Ten adds in flight at once: the pool's size.
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < count) {
          next++;
          await utils.addJob('tick', { due }, { runAt: new Date(due), maxAttempts: 1 });
        }
      }),
    );
  };
  const probe = Math.max(100, Math.ceil(params.n / 50));
  const probeStart = now();
  await addMany(probe, 4102444800000 + 1); // 2100-01-01: never due
  const perJobMs = (now() - probeStart) / probe;
  const due = Math.ceil(now() + Math.max(1000, 1.5 * perJobMs * params.n + 500));
  await addMany(params.n, due);
  if (now() > due) throw new Error(`adding ended ${Math.round(now() - due)} ms after the jobs were due`);
  await all;
  await runner.stop();
  report({
    scenario: 'burst postgres',
    subject: `graphile-worker ${version}`,
    count: params.n,
    rate: params.n / ((lastStart - due) / 1000),
    lateness: summarize(samples),
    figures: { 'poll interval ms': params.pollInterval },
  });
} finally {
  await utils.release();
  await dropSchema(schema);
}
