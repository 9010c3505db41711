/**
 * steady: the plan of bench/lib/steady-plan.ts (1 job each second, or 1,000 staggered interval jobs)
 * for `durationMs`; reports the lateness of every run scheduled in that window.
 */
import { childParams, report } from '../lib/result.js';
import { summarize } from '../lib/stats.js';
import { expectedRuns, steadyBase, steadyPlan } from '../lib/steady-plan.js';
import { addAll, benchScheduler, benchStore, LatenessRecorder, sleep, type StoreKind } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the cast sets childParams' inferred type (widened to string without it)
const params = childParams({ store: 'memory' as StoreKind, jobs: 1, durationMs: 30_000, phaseMs: 0, scenario: '' });
const place = benchStore(params.store);
const recorder = new LatenessRecorder();
const scheduler = benchScheduler(place.create(), recorder);
try {
  await scheduler.start();
  const base = steadyBase(2000, params.phaseMs);
  const plan = steadyPlan(params.jobs, base);
  await addAll(
    scheduler,
    plan.map((job, i) => ({
      id: `steady-${i}`,
      func: 'bench:tick',
      trigger: 'interval' as const,
      seconds: job.intervalMs / 1000,
      start_date: new Date(job.startMs),
      misfire_grace_time: null,
    })),
  );
  if (Date.now() > base) throw new Error('adding the steady jobs took longer than the lead');
  await sleep(base + params.durationMs + 100 - Date.now());
  await scheduler.shutdown({ wait: true });
  const expected = expectedRuns(plan, base, params.durationMs);
  const samples = recorder.samplesBefore(base + params.durationMs);
  report({
    scenario: params.scenario || `steady ${params.jobs} ${params.store}`,
    subject: 'jobclock',
    count: samples.length,
    rate: samples.length / (params.durationMs / 1000),
    lateness: summarize(samples),
    figures: { 'runs expected': expected },
  });
} finally {
  await scheduler.close({ wait: false });
  await place.remove();
}
