/**
 * scale: `n` jobs (default 1,000,000) in an SQLite file or PostgreSQL store. Reports the time to
 * add them through the bulk path (`addJobs`, batches of 10,000), then restarts: a fresh process
 * (scale-restart.ts) opens the store and starts the scheduler; reported are the time from
 * `start()` (and from process start) to the first fire of one of the 10 jobs already due, and the
 * resident memory of the scheduler once idle.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childParams, parseResults, report } from '../lib/result.js';
import { benchScheduler, benchStore, LatenessRecorder, type StoreKind } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the cast sets childParams' inferred type (widened to string without it)
const params = childParams({ store: 'sqlite' as StoreKind, n: 1_000_000 });
const place = benchStore(params.store);
const CHUNK = 10_000;
const DUE = 10;
try {
  const filler = benchScheduler(place.create(), new LatenessRecorder());
  const start = performance.now();
  for (let from = 0; from < params.n; from += CHUNK) {
    const count = Math.min(CHUNK, params.n - from);
    await filler.addJobs(
      Array.from({ length: count }, (_, k) => {
        const i = from + k;
        // A few jobs are overdue at the restart; the rest are spread over the next day.
        return i < DUE
          ? { id: `scale-${i}`, func: 'bench:tick', trigger: 'date' as const, run_date: new Date(Date.now() - 1000), misfire_grace_time: null }
          : { id: `scale-${i}`, func: 'bench:tick', trigger: 'interval' as const, minutes: 60 + (i % 1440), args: [i] };
      }),
    );
  }
  const addSeconds = (performance.now() - start) / 1000;
  await filler.close();
  report({ scenario: `scale add ${params.store}`, subject: 'jobclock', count: params.n, rate: params.n / addSeconds, figures: { 'add s': addSeconds } });

  const restart = fileURLToPath(new URL('./scale-restart.js', import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', restart, JSON.stringify({ store: params.store, url: place.url, schema: place.schema, due: DUE })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the restarted scheduler exited with ${code}`);
  for (const result of parseResults(output).results) report({ ...result, count: params.n });
} finally {
  await place.remove();
}
