/**
 * The floor for the steady runs: no scheduler at all, one `setTimeout` per planned run of the
 * steady plan, in this Node.js on this machine. Whatever lateness it shows is the event loop's and
 * the operating system's timer latency, which any Node.js scheduler's lateness includes.
 */
import { preciseClock } from '../lib/precise-clock.js';
import { childParams, report } from '../lib/result.js';
import { summarize } from '../lib/stats.js';
import { expectedRuns, steadyBase, steadyPlan } from '../lib/steady-plan.js';

const params = childParams({ jobs: 1, durationMs: 30_000, phaseMs: 0 });
const now = preciseClock();
const base = steadyBase(2000, params.phaseMs);
const end = base + params.durationMs;
const plan = steadyPlan(params.jobs, base);
const samples: number[] = [];

for (const planned of plan) {
  const next = (scheduled: number) => {
    if (scheduled >= end) return;
    setTimeout(() => {
      samples.push(now() - scheduled);
      next(scheduled + planned.intervalMs);
    }, scheduled - Date.now());
  };
  next(planned.startMs);
}
await new Promise((resolve) => setTimeout(resolve, end + 100 - Date.now()));
report({
  scenario: `steady ${params.jobs} memory`,
  subject: 'setTimeout alone (floor)',
  count: samples.length,
  rate: samples.length / (params.durationMs / 1000),
  lateness: summarize(samples),
  figures: { 'runs expected': expectedRuns(plan, base, params.durationMs) },
});
