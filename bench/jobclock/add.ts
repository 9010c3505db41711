/**
 * add: jobs added per second through the scheduler API, one awaited `addJob` at a time (as an
 * application adds them) and through the bulk `addJobs` (batches of 10,000), on one store.
 */
import { childParams, report } from '../lib/result.js';
import { addAll, benchScheduler, benchStore, LatenessRecorder, type StoreKind } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the cast sets childParams' inferred type (widened to string without it)
const params = childParams({ store: 'memory' as StoreKind, n: 5000, bulk: 50_000 });
const place = benchStore(params.store);
const scheduler = benchScheduler(place.create(), new LatenessRecorder());
const definition = (prefix: string, i: number) => ({
  id: `${prefix}-${i}`,
  func: 'bench:tick',
  trigger: 'interval' as const,
  minutes: 5 + (i % 55),
  args: [i, 'some text'],
  kwargs: { n: i },
});
try {
  await scheduler.start();
  // A warm-up, so the one-off costs (JIT, first statements) are not counted.
  for (let i = 0; i < 200; i++) await scheduler.addJob(definition('warm', i));
  let start = performance.now();
  for (let i = 0; i < params.n; i++) await scheduler.addJob(definition('one', i));
  report({ scenario: `add API addJob ${params.store}`, subject: 'jobclock', count: params.n, rate: params.n / ((performance.now() - start) / 1000) });
  const bulk = Array.from({ length: params.bulk }, (_, i) => definition('bulk', i));
  start = performance.now();
  await addAll(scheduler, bulk);
  report({ scenario: `add API addJobs ${params.store}`, subject: 'jobclock', count: params.bulk, rate: params.bulk / ((performance.now() - start) / 1000) });
} finally {
  await scheduler.close({ wait: false });
  await place.remove();
}
