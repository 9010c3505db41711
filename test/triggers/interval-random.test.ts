import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { IntervalTrigger, intervalTriggerFactory } from '../../src/triggers/interval-trigger.js';
import { loadFixture } from './fixture-replay.js';

/*
 * A random differential against APScheduler 3.9.1 (scripts/gen-apscheduler-interval-random.py):
 * fractional units, start dates with microseconds, sequences of hundreds of fire times, `now` up to
 * 50 years after the start. Each sequence is stored as the SHA-256 of its milliseconds (an APScheduler
 * µs fire time rounded down to its millisecond), plus samples that make a mismatch readable.
 */

interface RandomCase {
  readonly id: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly interval_us: number;
  readonly now: string;
  readonly length: number;
  readonly count: number;
  readonly first: string | null;
  readonly last: string | null;
  readonly samples: readonly (readonly [number, string])[];
  readonly sha256: string;
}

function replay(c: RandomCase): number[] {
  const trigger = intervalTriggerFactory.create(c.options, { timezone: 'UTC', now: new Date(c.now) });
  const fires: number[] = [];
  let previous: Date | null = null;
  for (let i = 0; i < c.length; i += 1) {
    const next = trigger.getNextFireTime(previous, previous ?? new Date(c.now));
    if (next === null) break;
    fires.push(next.getTime());
    previous = next;
  }
  return fires;
}

function mismatch(c: RandomCase): string | null {
  const trigger = intervalTriggerFactory.create(c.options, { timezone: 'UTC', now: new Date(c.now) }) as IntervalTrigger;
  if (trigger.intervalMicros !== BigInt(c.interval_us)) return `interval ${trigger.intervalMicros} µs, APScheduler ${c.interval_us} µs`;
  const fires = replay(c);
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  if (fires.length !== c.count) return `${fires.length} fire times, APScheduler ${c.count}`;
  if (iso(fires[0]) !== c.first) return `first ${iso(fires[0])}, APScheduler ${c.first}`;
  for (const [i, expected] of c.samples) if (iso(fires[i]) !== expected) return `#${i} ${iso(fires[i])}, APScheduler ${expected}`;
  if (iso(fires.at(-1)) !== c.last) return `last ${iso(fires.at(-1))}, APScheduler ${c.last}`;
  const hash = createHash('sha256').update(fires.join(',')).digest('hex');
  return hash === c.sha256 ? null : 'a fire time between the samples differs (sha256)';
}

describe('IntervalTrigger equals APScheduler 3.9.1 on random fractional intervals', () => {
  const cases = loadFixture<RandomCase>('apscheduler-interval-random.json');

  it(`gives the identical instants in ${cases.length} random cases (µs arithmetic, no drift)`, () => {
    expect(cases.length).to.be.greaterThan(2000);
    const failures: string[] = [];
    for (const c of cases) {
      const problem = mismatch(c);
      if (problem !== null) failures.push(`${c.id} ${JSON.stringify(c.options)}: ${problem}`);
    }
    expect(failures, `${failures.length} mismatching case(s):\n${failures.slice(0, 20).join('\n')}`).to.deep.equal([]);
  });
});
