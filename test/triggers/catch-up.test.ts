import { expect } from 'chai';
import fc from 'fast-check';
import { countFireTimes, fireTimeAtOrAfter, lastFireTimeAtOrBefore } from '../../src/triggers/catch-up.js';
import { CronTrigger } from '../../src/triggers/cron/cron-trigger.js';
import { DateTrigger } from '../../src/triggers/date-trigger.js';
import { IntervalTrigger } from '../../src/triggers/interval-trigger.js';
import type { Trigger, TriggerJSON } from '../../src/triggers/trigger.js';

/** The reference: the sequence the scheduler would walk from `current`, one getNextFireTime at a time. */
function walk(trigger: Trigger, current: Date, until: number, now: Date): number[] {
  const fires = [current.getTime()];
  for (;;) {
    const next = trigger.getNextFireTime(new Date(fires.at(-1) as number), now);
    if (next === null || next.getTime() > until) return fires;
    fires.push(next.getTime());
  }
}

/** Checks the three primitives against the walk over [current, current + span]. */
function agreeWithWalk(trigger: Trigger, current: Date, span: number, probes: readonly number[]): void {
  const end = current.getTime() + span;
  const farNow = new Date(end + 1);
  const fires = walk(trigger, current, end + 1, farNow);
  for (const offset of probes) {
    const time = current.getTime() + (offset % (span + 1));
    const label = `${String(trigger)} from ${current.toISOString()} at ${new Date(time).toISOString()}`;
    const first = fires.find((f) => f >= time);
    const last = fires.filter((f) => f <= time).at(-1) as number;
    const count = fires.filter((f) => f < time).length;
    const after = fireTimeAtOrAfter(trigger, current, new Date(time), farNow);
    // Past the walked window the walk cannot tell "finished" from "later": only compare inside it.
    if (first !== undefined) expect(after?.getTime(), `fireTimeAtOrAfter ${label}`).to.equal(first);
    else if (after !== null) expect(after.getTime(), `fireTimeAtOrAfter ${label}`).to.be.greaterThan(end + 1);
    expect(lastFireTimeAtOrBefore(trigger, current, new Date(time)).getTime(), `lastFireTimeAtOrBefore ${label}`).to.equal(last);
    const counted = countFireTimes(trigger, current, new Date(time));
    if (counted !== null) expect(counted, `countFireTimes ${label}`).to.equal(count);
    else expect(count, `countFireTimes gave up on ${label}`).to.be.greaterThan(1000);
  }
}

const BASE = Date.parse('2030-01-01T00:00:00Z');
const iso = (d: Date | null) => d?.toISOString() ?? null;
/** An ISO string with microseconds, which a Date cannot carry. */
const withMicros = (ms: number, micros: number) => new Date(ms).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);

describe('catch-up primitives', () => {
  describe('agree with walking getNextFireTime on small backlogs', () => {
    it('interval: fractional seconds, µs start dates, end_date, sub-millisecond intervals', () => {
      fc.assert(fc.property(
        fc.oneof(
          fc.double({ min: 0.0001, max: 5, noNaN: true }),
          fc.constantFrom(0.3, 0.001, 0.0015, 1 / 3, 1.0001, 0.0004, 90.5),
        ),
        fc.integer({ min: 0, max: 86_400_000 }),
        fc.integer({ min: 0, max: 999 }),
        fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: undefined }),
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        (seconds, startOffset, micros, endOffset, skip, probes) => {
          const startMs = BASE + startOffset;
          const trigger = new IntervalTrigger({
            seconds,
            start_date: withMicros(startMs, micros),
            ...(endOffset === undefined ? {} : { end_date: withMicros(startMs + endOffset, endOffset === 0 ? micros : 999 - micros) }),
          });
          let current = trigger.getNextFireTime(null, new Date(startMs)) as Date;
          for (let i = 0; i < skip; i += 1) current = trigger.getNextFireTime(current, current) ?? current;
          agreeWithWalk(trigger, current, Math.ceil(seconds * 1000 * 150), probes);
        },
      ));
    });

    const zones = ['UTC', 'Europe/London', 'America/New_York', 'Australia/Lord_Howe'];
    // Just before each zone's 2030 DST changes, so backlogs cross them.
    const changes: Record<string, readonly string[]> = {
      UTC: ['2030-03-31T00:58:00Z'],
      'Europe/London': ['2030-03-31T00:58:00Z', '2030-10-27T00:58:00Z'],
      'America/New_York': ['2030-03-10T06:58:00Z', '2030-11-03T05:58:00Z'],
      'Australia/Lord_Howe': ['2030-04-06T14:58:00Z', '2030-10-05T15:58:00Z'],
    };
    const expressions: readonly [Record<string, string>, number][] = [
      [{ second: '*' }, 400_000],
      [{ second: '*/7', minute: '*/3' }, 3_600_000],
      [{ minute: '*/10' }, 5 * 3_600_000],
      [{ hour: '1-2', minute: '0,30' }, 3 * 86_400_000],
      [{ hour: '2', minute: '30' }, 20 * 86_400_000],
    ];

    it('cron: second "*", DST changes in several zones, end_date', () => {
      fc.assert(fc.property(
        fc.constantFrom(...zones),
        fc.nat(),
        fc.constantFrom(...expressions),
        fc.integer({ min: 0, max: 300_000 }),
        fc.option(fc.double({ min: 0.1, max: 1, noNaN: true }), { nil: undefined }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
        (zone, which, [fields, span], shift, endFraction, probes) => {
          const zoneChanges = changes[zone] as readonly string[];
          const from = new Date(Date.parse(zoneChanges[which % zoneChanges.length] as string) - shift);
          const end = endFraction === undefined ? undefined : new Date(from.getTime() + Math.floor(span * endFraction));
          const trigger = new CronTrigger({ ...fields, timezone: zone, ...(end ? { end_date: end } : {}) });
          const current = trigger.getNextFireTime(null, from);
          if (current === null) return;
          agreeWithWalk(trigger, current, span, probes);
        },
      ), { numRuns: 60 });
    });

    it('a third-party trigger (no catch-up methods) is walked', () => {
      const inner = new IntervalTrigger({ seconds: 2.5, start_date: new Date(BASE), end_date: new Date(BASE + 100_000) });
      const plain: Trigger = {
        kind: 'interval',
        timezone: 'UTC',
        getNextFireTime: (previous, now) => inner.getNextFireTime(previous, now),
        toJSON: (): TriggerJSON => inner.toJSON(),
        toString: () => 'plain',
      };
      agreeWithWalk(plain, new Date(BASE), 120_000, [0, 1, 2499, 2500, 50_001, 99_999, 100_000, 119_000]);
    });
  });

  describe('large backlogs: current in 1971, now in 2026, answered promptly', () => {
    const current = new Date('1971-01-01T00:00:00Z');
    const now = new Date('2026-01-01T12:00:00.500Z');

    it('interval of seconds: 0.001 (every millisecond)', () => {
      const trigger = new IntervalTrigger({ seconds: 0.001, start_date: current });
      expect(iso(lastFireTimeAtOrBefore(trigger, current, now))).to.equal('2026-01-01T12:00:00.500Z');
      expect(iso(fireTimeAtOrAfter(trigger, current, now, now))).to.equal('2026-01-01T12:00:00.500Z');
      expect(countFireTimes(trigger, current, now)).to.equal(now.getTime() - current.getTime());
      expect(iso(trigger.getNextFireTime(lastFireTimeAtOrBefore(trigger, current, now), now))).to.equal('2026-01-01T12:00:00.501Z');
    });

    it('interval of seconds: 0.3, with µs start: exact k·interval, no drift after 5.8 billion runs', () => {
      const trigger = new IntervalTrigger({ seconds: 0.3, start_date: '1971-01-01T00:00:00.000100Z' });
      // (now − start) = 1735732800.4999 s → k = 5785776001, fire = start + k·0.3 s = …12:00:00.3001
      expect(iso(lastFireTimeAtOrBefore(trigger, current, now))).to.equal('2026-01-01T12:00:00.300Z');
      expect(iso(fireTimeAtOrAfter(trigger, current, now, now))).to.equal('2026-01-01T12:00:00.600Z');
      expect(countFireTimes(trigger, current, now)).to.equal(5_785_776_002);
    });

    it('cron with second "*": binary search for the last, null count', () => {
      const trigger = new CronTrigger({ second: '*', timezone: 'Europe/London' });
      expect(iso(lastFireTimeAtOrBefore(trigger, current, now))).to.equal('2026-01-01T12:00:00.000Z');
      expect(iso(fireTimeAtOrAfter(trigger, current, now, now))).to.equal('2026-01-01T12:00:01.000Z');
      expect(countFireTimes(trigger, current, now)).to.equal(null);
      expect(countFireTimes(trigger, current, new Date('1971-01-01T00:01:00Z'))).to.equal(60);
    });

    it('cron at 01:30 London across 55 years of DST changes', () => {
      const trigger = new CronTrigger({ hour: 1, minute: 30, timezone: 'Europe/London' });
      expect(iso(lastFireTimeAtOrBefore(trigger, current, new Date('2026-07-01T12:00:00Z')))).to.equal('2026-07-01T00:30:00.000Z');
      expect(iso(lastFireTimeAtOrBefore(trigger, current, new Date('2026-01-01T01:29:59Z')))).to.equal('2025-12-31T01:30:00.000Z');
    });
  });

  describe('finished triggers, jitter and date triggers', () => {
    it('end_date: null after it, the last fire time before it, counts stop there', () => {
      const trigger = new IntervalTrigger({ minutes: 10, start_date: new Date(BASE), end_date: new Date(BASE + 3_600_000) });
      const later = new Date(BASE + 10 * 3_600_000);
      expect(fireTimeAtOrAfter(trigger, new Date(BASE), later, later)).to.equal(null);
      expect(lastFireTimeAtOrBefore(trigger, new Date(BASE), later).getTime()).to.equal(BASE + 3_600_000);
      expect(countFireTimes(trigger, new Date(BASE), later)).to.equal(7);
    });

    it('jitter: answers are un-jittered; a jittered (off-schedule) current goes on every interval from itself', () => {
      const trigger = new IntervalTrigger({ minutes: 1, start_date: new Date(BASE), jitter: 30 }, {}, () => 0.5);
      const jittered = trigger.getNextFireTime(null, new Date(BASE)) as Date; // BASE + 15 s
      expect(jittered.getTime()).to.equal(BASE + 15_000);
      const now = new Date(BASE + 10 * 60_000 + 20_000);
      expect(lastFireTimeAtOrBefore(trigger, jittered, now).getTime()).to.equal(BASE + 10 * 60_000 + 15_000);
      expect(fireTimeAtOrAfter(trigger, jittered, now, now)?.getTime()).to.equal(BASE + 11 * 60_000 + 15_000);
      expect(fireTimeAtOrAfter(trigger, jittered, jittered, now)).to.equal(jittered);
      expect(countFireTimes(trigger, jittered, now)).to.equal(11);
      // The run after the catch-up gets its jitter from getNextFireTime (added on, as APScheduler 3 does).
      expect(trigger.getNextFireTime(new Date(BASE + 10 * 60_000 + 15_000), now)?.getTime()).to.equal(BASE + 11 * 60_000 + 30_000);
    });

    it('off-schedule current with a fractional interval agrees with the walk', () => {
      fc.assert(fc.property(fc.constantFrom(0.3, 0.0015, 1.0001, 0.0004), fc.integer({ min: 1, max: 999 }), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
        (seconds, shift, probes) => {
          const trigger = new IntervalTrigger({ seconds, start_date: new Date(BASE), end_date: new Date(BASE + seconds * 100_000) });
          const current = new Date(BASE + Math.floor(seconds * 1000 * 3) + (shift % 293) + 1);
          agreeWithWalk(trigger, current, Math.ceil(seconds * 1000 * 150), probes);
        }));
    });

    it('date trigger: its one fire time', () => {
      const trigger = new DateTrigger({ run_date: new Date(BASE) });
      const now = new Date(BASE + 1);
      expect(fireTimeAtOrAfter(trigger, new Date(BASE), now, now)).to.equal(null);
      expect(fireTimeAtOrAfter(trigger, new Date(BASE), new Date(BASE), now)?.getTime()).to.equal(BASE);
      expect(lastFireTimeAtOrBefore(trigger, new Date(BASE), now).getTime()).to.equal(BASE);
      expect(countFireTimes(trigger, new Date(BASE), now)).to.equal(1);
      expect(countFireTimes(trigger, new Date(BASE), new Date(BASE))).to.equal(0);
    });
  });
});
