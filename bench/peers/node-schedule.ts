/**
 * Peer: node-schedule, in memory (it has no store). `burst`: N one-off jobs at one instant;
 * `steady`: a job every second (node-schedule's recurrence rules work in whole seconds, so it runs
 * only the one-job plan). Lateness uses the fire date node-schedule passes to the job.
 */
import { createRequire } from 'node:module';
import schedule from 'node-schedule';
import { preciseClock } from '../lib/precise-clock.js';
import { childParams, report } from '../lib/result.js';
import { summarize } from '../lib/stats.js';
import { steadyBase } from '../lib/steady-plan.js';

const version = (createRequire(import.meta.url)('node-schedule/package.json') as { version: string }).version;
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the cast sets childParams' inferred type (widened to string without it)
const params = childParams({ mode: 'burst' as 'burst' | 'steady', n: 20_000, durationMs: 30_000 });
const now = preciseClock();
const samples: number[] = [];
let lastStart = -Infinity;

if (params.mode === 'burst') {
  // The add rate on jobs that never come due tells how far ahead the burst must be. node-schedule's
  // adds slow down as jobs accumulate, so a burst whose adds overran its due time is tried again
  // further ahead.
  const probe = Math.max(100, Math.ceil(params.n / 50));
  const probeStart = now();
  for (let i = 0; i < probe; i++) schedule.scheduleJob(`probe-${i}`, new Date('2100-01-01T00:00:00Z'), () => {});
  const perJobMs = (now() - probeStart) / probe;
  for (let i = 0; i < probe; i++) schedule.cancelJob(`probe-${i}`);
  let due: number;
  for (let factor = 1.5; ; factor *= 3) {
    due = Math.ceil(now() + Math.max(1000, factor * perJobMs * params.n + 500));
    samples.length = 0;
    lastStart = -Infinity;
    let resolveAll: () => void = () => {};
    const all = new Promise<void>((resolve) => (resolveAll = resolve));
    for (let i = 0; i < params.n; i++) {
      schedule.scheduleJob(`burst-${i}`, new Date(due), (fireDate: Date) => {
        const started = now();
        samples.push(started - fireDate.getTime());
        lastStart = Math.max(lastStart, started);
        if (samples.length === params.n) resolveAll();
      });
    }
    if (now() < due) {
      await all;
      break;
    }
    for (let i = 0; i < params.n; i++) schedule.cancelJob(`burst-${i}`);
    if (factor > 100) throw new Error('node-schedule could not add the burst ahead of its due time');
  }
  report({ scenario: 'burst memory', subject: `node-schedule ${version}`, count: params.n, rate: params.n / ((lastStart - due) / 1000), lateness: summarize(samples) });
} else {
  const base = steadyBase(2000, 0);
  const end = base + params.durationMs;
  const job = schedule.scheduleJob({ start: new Date(base - 500), rule: '* * * * * *' }, (fireDate: Date) => {
    if (fireDate.getTime() >= base && fireDate.getTime() < end) samples.push(now() - fireDate.getTime());
  });
  await new Promise((resolve) => setTimeout(resolve, end + 100 - Date.now()));
  job.cancel();
  report({ scenario: 'steady 1 memory', subject: `node-schedule ${version}`, count: samples.length, rate: samples.length / (params.durationMs / 1000), lateness: summarize(samples) });
}
await schedule.gracefulShutdown();
