/**
 * The restart half of scale.ts: a fresh process opens the store holding a million jobs, starts the
 * scheduler, and reports how soon the first due job fired and how much memory the idle scheduler holds.
 */
import { createJobStore } from '../../src/stores/store-url.js';
import { childParams, report } from '../lib/result.js';
import { benchScheduler, LatenessRecorder, sleep, within, type StoreKind } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the cast sets childParams' inferred type (widened to string without it)
const params = childParams({ store: 'sqlite' as StoreKind, url: '', schema: null as string | null, due: 10 });
const recorder = new LatenessRecorder();
const scheduler = benchScheduler(createJobStore(params.url, { schema: params.schema }), recorder);
const startCalled = recorder.preciseNow();
await scheduler.start();
recorder.expect(1);
await within(recorder.done, 30_000, 'no job fired within 30 s of the restart');
const firstFire = recorder.firstStart;
recorder.expect(params.due);
await within(recorder.done, 30_000, 'the due jobs did not all fire within 30 s');
// Idle: nothing is due for an hour. Let the loop settle, then collect garbage and measure.
await sleep(2000);
(globalThis as { gc?: () => void }).gc?.();
const memory = process.memoryUsage();
report({
  scenario: `scale restart ${params.store}`,
  subject: 'jobclock',
  figures: {
    'start() to first fire ms': firstFire - startCalled,
    'process start to first fire ms': firstFire - performance.timeOrigin,
    'idle RSS MB': memory.rss / 2 ** 20,
    'idle heap MB': memory.heapUsed / 2 ** 20,
  },
});
await scheduler.close({ wait: true });
