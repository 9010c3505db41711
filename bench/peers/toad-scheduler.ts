/**
 * Peer: toad-scheduler, in memory (no store, no one-off jobs, so steady only). Each job is a
 * `SimpleIntervalJob` started at its planned first run (`runImmediately`); lateness is measured
 * against the plan's grid (first run + k × interval), which is what a user asked for.
 */
import { createRequire } from 'node:module';
import { SimpleIntervalJob, Task, ToadScheduler } from 'toad-scheduler';
import { preciseClock } from '../lib/precise-clock.js';
import { childParams, report } from '../lib/result.js';
import { summarize } from '../lib/stats.js';
import { expectedRuns, steadyBase, steadyPlan } from '../lib/steady-plan.js';

const version = (createRequire(import.meta.url)('toad-scheduler/package.json') as { version: string }).version;
const params = childParams({ jobs: 1, durationMs: 30_000, phaseMs: 0, store: 'memory' });
const now = preciseClock();
const scheduler = new ToadScheduler();
const base = steadyBase(2000, params.phaseMs);
const end = base + params.durationMs;
const plan = steadyPlan(params.jobs, base);
const samples: number[] = [];

plan.forEach((planned, i) => {
  let runs = 0;
  const task = new Task(`steady-${i}`, () => {
    const scheduled = planned.startMs + runs++ * planned.intervalMs;
    if (scheduled < end) samples.push(now() - scheduled);
  });
  setTimeout(() => {
    scheduler.addSimpleIntervalJob(new SimpleIntervalJob({ milliseconds: planned.intervalMs, runImmediately: true }, task, { id: `steady-${i}` }));
  }, planned.startMs - Date.now());
});
await new Promise((resolve) => setTimeout(resolve, end + 100 - Date.now()));
scheduler.stop();
report({
  scenario: `steady ${params.jobs} memory`,
  subject: `toad-scheduler ${version}`,
  count: samples.length,
  rate: samples.length / (params.durationMs / 1000),
  lateness: summarize(samples),
  figures: { 'runs expected': expectedRuns(plan, base, params.durationMs) },
});
