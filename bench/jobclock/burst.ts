/**
 * burst: N no-op jobs, all due at one instant T, on one store. Reports the fire rate (N over the time
 * from T to the last start) and each run's lateness (start − T).
 *
 * Run by bench/run.ts as `node dist/bench/jobclock/burst.js '{"store":"sqlite","n":5000}'` (`scenario` names
 * the row when one store is measured at two sizes).
 */
import { childParams, report } from '../lib/result.js';
import { summarize } from '../lib/stats.js';
import { addAll, benchScheduler, benchStore, LatenessRecorder, within, type StoreKind } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the cast sets childParams' inferred type (widened to string without it)
const params = childParams({ store: 'memory' as StoreKind, n: 20_000, minLeadMs: 1000, cluster: true, scenario: '' });
const place = benchStore(params.store, { cluster: params.cluster });
const recorder = new LatenessRecorder();
const scheduler = benchScheduler(place.create(), recorder);
try {
  await scheduler.start();
  const probe = Math.max(100, Math.ceil(params.n / 50));
  // The add rate, on jobs that never come due, tells how far ahead T must be for all N to be in.
  const probeStart = recorder.preciseNow();
  await addAll(scheduler, Array.from({ length: probe }, (_, i) => ({ id: `probe-${i}`, func: 'bench:tick', trigger: 'date', run_date: '2100-01-01T00:00:00Z' })));
  const perJobMs = (recorder.preciseNow() - probeStart) / probe;
  const due = Math.ceil(recorder.preciseNow() + Math.max(params.minLeadMs, 1.5 * perJobMs * params.n + 500));
  const definitions = Array.from({ length: params.n }, (_, i) => ({
    id: `burst-${i}`,
    func: 'bench:tick',
    trigger: 'date' as const,
    run_date: new Date(due),
    misfire_grace_time: null,
  }));
  await addAll(scheduler, definitions);
  const addedBy = recorder.preciseNow();
  // CPU time from here to the last start (the wait for T costs next to none): on a busy machine it
  // compares two builds more steadily than the wall-clock rate does.
  const cpuBefore = process.cpuUsage();
  if (addedBy > due) throw new Error(`adding ${params.n} jobs ended ${Math.round(addedBy - due)} ms after they were due`);
  recorder.expect(params.n);
  await within(recorder.done, due - Date.now() + 300_000, `only ${recorder.samples.length} of ${params.n} jobs ran within 5 minutes`);
  const cpu = process.cpuUsage(cpuBefore);
  const lateness = summarize(recorder.samples);
  report({
    scenario: params.scenario || `burst ${params.store}${params.store === 'postgres' && !params.cluster ? ' (cluster off)' : ''}`,
    subject: 'jobclock',
    count: params.n,
    rate: params.n / ((recorder.lastStart - due) / 1000),
    lateness,
    figures: { 'lead ms': due - Math.round(addedBy), 'first start ms': Math.round(recorder.firstStart - due),
      'cpu µs/run': Math.round(((cpu.user + cpu.system) / params.n) * 10) / 10, 'rss MB': Math.round(process.memoryUsage().rss / 2 ** 20),
      // maxRSS is in KiB: the process's peak, the jobs, their runs' history and the samples included.
      'peak rss MB': Math.round(process.resourceUsage().maxRSS / 1024),
    },
  });
} finally {
  await scheduler.close({ wait: false });
  await place.remove();
}
