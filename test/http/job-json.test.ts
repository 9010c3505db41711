import { expect } from 'chai';
import fc from 'fast-check';
import { jobJSONText, jobToJSON } from '../../src/http/job-json.js';
import type { Job } from '../../src/jobs/job.js';
import { jobFromState, stateOf } from '../../src/jobs/job-state.js';
import type { RunRecord, RunStatus } from '../../src/stores/run-history.js';
import { createTrigger } from '../../src/triggers/trigger-registry.js';

/** Instants from 1970 to 2100, some on whole seconds (no milliseconds shown), some not. */
const instant = fc.oneof(fc.integer({ min: 0, max: 4_102_444_800 }).map((s) => new Date(s * 1000)), fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms)));
const zone = fc.constantFrom('UTC', 'Europe/London', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham');
const text = fc.string({ unit: 'binary', maxLength: 12 });

/** Triggers of every kind, with and without their optional fields. */
const trigger = fc.oneof(
  fc.record({ run_date: instant, timezone: zone }).map((options) => createTrigger('date', options, { timezone: 'UTC', now: new Date(0) })),
  fc
    .record(
      { weeks: fc.nat(3), days: fc.nat(3), hours: fc.nat(30), minutes: fc.nat(90), seconds: fc.nat(90), start_date: instant, timezone: zone, jitter: fc.option(fc.nat(60), { nil: undefined }) },
      { requiredKeys: ['seconds', 'start_date', 'timezone'] },
    )
    .map((options) => createTrigger('interval', { ...options, seconds: options.seconds + 1 }, { timezone: 'UTC', now: new Date(0) })),
  fc
    .record({ minute: fc.constantFrom('*', '*/5', '0,30', '15'), hour: fc.constantFrom('*', '9-17', '3'), day_of_week: fc.constantFrom('*', 'mon-fri', 'sun'), timezone: zone, end_date: instant }, { requiredKeys: ['timezone'] })
    .map((options) => createTrigger('cron', options, { timezone: 'UTC', now: new Date(0) })),
);

const job = fc.record({
  id: text,
  name: text,
  func: text,
  args: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  kwargs: fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  trigger,
  executor: text,
  misfireGraceTime: fc.option(fc.oneof(fc.nat(3600), fc.double({ min: 0.001, max: 100, noNaN: true })), { nil: null }),
  coalesce: fc.boolean(),
  maxInstances: fc.integer({ min: 1, max: 50 }),
  nextRunTime: fc.option(instant, { nil: null }),
}) as fc.Arbitrary<Job>;

const status = fc.constantFrom<RunStatus>('claimed', 'running', 'ok', 'error', 'missed', 'skipped_max_instances', 'died');
const run = fc.record({
  jobId: text,
  scheduledRunTime: instant,
  trigger: fc.constantFrom('scheduled' as const, 'manual' as const),
  manualRunId: fc.option(fc.uuid(), { nil: null }),
  nodeId: text,
  status,
  startedAt: fc.option(instant, { nil: null }),
  finishedAt: fc.option(instant, { nil: null }),
  errorMessage: fc.option(text, { nil: null }),
  durationMs: fc.option(fc.nat(), { nil: null }),
}) as fc.Arbitrary<RunRecord>;

describe('jobJSONText (the REST answer for a job, written directly)', () => {
  it('is exactly JSON.stringify(jobToJSON(job, lastRun)), for jobs of every trigger kind, with a last run, none, or not asked', () => {
    fc.assert(
      fc.property(job, fc.option(run, { nil: undefined }), fc.boolean(), (anyJob, lastRun, none) => {
        const asked = none && lastRun === undefined ? null : lastRun;
        const written = jobJSONText(anyJob, asked);
        expect(written).to.equal(JSON.stringify(jobToJSON(anyJob, asked)));
        // Twice: the trigger's part is kept after the first time.
        expect(jobJSONText(anyJob, asked)).to.equal(written);
      }),
      { seed: 20261203, numRuns: 2000 },
    );
  });

  it('is the same for jobs read back from their stored state, read after read, as rows change under one id', () => {
    fc.assert(
      fc.property(fc.array(job, { minLength: 1, maxLength: 4 }), fc.option(run, { nil: null }), (versions, lastRun) => {
        // One id whose row changes from version to version, each read several times (then from the shared row).
        for (const version of [...versions, ...versions]) {
          const stored = { ...version, id: 'one-id' };
          // The same text read with other next run times too (a job that fired, or was paused).
          const nextRunTimes = [stored.nextRunTime, stored.nextRunTime, new Date((stored.nextRunTime?.getTime() ?? 0) + 1500), null];
          for (const nextRunTime of nextRunTimes) {
            const back = jobFromState(stored.id, nextRunTime, JSON.stringify(stateOf(stored)));
            for (const asked of [lastRun, null, undefined]) expect(jobJSONText(back, asked)).to.equal(JSON.stringify(jobToJSON(back, asked)));
          }
        }
      }),
      { seed: 20261204, numRuns: 300 },
    );
  });
});
