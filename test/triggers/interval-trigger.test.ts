import { expect } from 'chai';
import { IntervalTrigger, intervalTriggerFactory } from '../../src/triggers/interval-trigger.js';
import { timedeltaMicros } from '../../src/triggers/microseconds.js';
import { fireTimes } from './fixture-replay.js';

const now = new Date('2030-01-01T12:00:00Z');
const context = { timezone: 'UTC', now };
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('IntervalTrigger', () => {
  describe('the first fire time', () => {
    it('is start_date when it is still ahead', () => {
      const trigger = new IntervalTrigger({ minutes: 10, start_date: '2030-01-01T13:00:00Z' });
      expect(iso(trigger.getNextFireTime(null, now))).to.equal('2030-01-01T13:00:00.000Z');
    });

    it('is the first start + k·interval at or after now when start_date is past', () => {
      const trigger = new IntervalTrigger({ minutes: 10, start_date: '2030-01-01T11:03:00Z' });
      expect(iso(trigger.getNextFireTime(null, now))).to.equal('2030-01-01T12:03:00.000Z');
      expect(iso(trigger.getNextFireTime(null, new Date('2030-01-01T12:03:00Z')))).to.equal('2030-01-01T12:03:00.000Z');
      expect(iso(trigger.getNextFireTime(null, new Date('2030-01-01T12:03:00.001Z')))).to.equal('2030-01-01T12:13:00.000Z');
    });

    it('defaults start_date to now + interval (context.now), and keeps it in JSON for restarts', () => {
      const trigger = intervalTriggerFactory.create({ hours: 1, minutes: 30 }, context);
      expect(iso(trigger.getNextFireTime(null, now))).to.equal('2030-01-01T13:30:00.000Z');
      expect(trigger.toJSON()).to.deep.equal({ trigger: 'interval', hours: 1, minutes: 30, start_date: '2030-01-01T13:30:00+00:00', timezone: 'UTC' });
    });
  });

  it('adds the interval to the previous fire time', () => {
    const trigger = new IntervalTrigger({ seconds: 90.5, start_date: now });
    expect(fireTimes(trigger, now, 3)).to.deep.equal(['2030-01-01T12:00:00.000Z', '2030-01-01T12:01:30.500Z', '2030-01-01T12:03:01.000Z']);
  });

  it('sums every unit, fractions included', () => {
    const trigger = new IntervalTrigger({ weeks: 1, days: 1.5, hours: 2, minutes: 3, seconds: 4 });
    expect(trigger.intervalMs).to.equal(((7 * 24 + 36 + 2) * 3600 + 3 * 60 + 4) * 1000);
    expect(trigger.toString()).to.equal('interval[8 days, 14:03:04]');
    expect(new IntervalTrigger({ minutes: 5 }).toString()).to.equal('interval[0:05:00]');
  });

  it('uses one second when every unit is zero, as APScheduler 3', () => {
    const trigger = new IntervalTrigger({ seconds: 0, minutes: 0 }, context);
    expect(trigger.intervalMs).to.equal(1000);
    expect(trigger.toJSON()).to.include({ seconds: 1 });
    expect(new IntervalTrigger({}, context).intervalMs).to.equal(1000);
  });

  it('stops after end_date (inclusive)', () => {
    const trigger = new IntervalTrigger({ minutes: 10, start_date: now, end_date: '2030-01-01T12:20:00Z' });
    expect(fireTimes(trigger, now, 10)).to.deep.equal(['2030-01-01T12:00:00.000Z', '2030-01-01T12:10:00.000Z', '2030-01-01T12:20:00.000Z']);
    expect(trigger.getNextFireTime(null, new Date('2030-01-01T12:20:00.001Z'))).to.equal(null);
  });

  it('counts in absolute time across DST: 24 hours stay 24 hours', () => {
    const trigger = new IntervalTrigger({ days: 1, start_date: '2030-03-30 12:00:00', timezone: 'Europe/London' });
    expect(fireTimes(trigger, new Date('2030-03-30T00:00:00Z'), 3)).to.deep.equal([
      '2030-03-30T12:00:00.000Z', '2030-03-31T12:00:00.000Z', '2030-04-01T12:00:00.000Z', // 12:00 GMT, then 13:00 BST
    ]);
  });

  it('applies jitter (0..jitter seconds) and then the end_date cut-off, as APScheduler 3', () => {
    const make = (r: number) => new IntervalTrigger({ minutes: 1, start_date: now, end_date: '2030-01-01T12:01:05Z', jitter: 10 }, {}, () => r);
    expect(iso(make(0.25).getNextFireTime(null, now))).to.equal('2030-01-01T12:00:02.500Z');
    expect(iso(make(0.4).getNextFireTime(now, now))).to.equal('2030-01-01T12:01:04.000Z');
    expect(make(0.6).getNextFireTime(now, now)).to.equal(null);
  });

  it('keeps microseconds: k-th fire time = start + k × interval in µs, exposed as its millisecond (rounded down)', () => {
    const trigger = intervalTriggerFactory.create({ seconds: 0.3, start_date: '2030-01-01T00:00:00.000900Z' }, context);
    expect(trigger.toJSON().start_date).to.equal('2030-01-01T00:00:00.000900+00:00');
    // 10 000 runs later: 3000 s + 900 µs, not a float sum's drift.
    const later = trigger.getNextFireTime(new Date(Date.parse('2030-01-01T00:49:59.700Z')), now);
    expect(iso(later)).to.equal('2030-01-01T00:50:00.000Z');
    const defaulted = new IntervalTrigger({ seconds: 0.0005 + 1 }, { now: new Date('2030-01-01T00:00:00.001Z') });
    expect(defaulted.startMicros - BigInt(Date.parse('2030-01-01T00:00:00.001Z')) * 1000n).to.equal(1_000_500n);
  });

  it('rounds the interval to whole µs as Python timedelta does (half to even, CPython accumulation order)', () => {
    expect(timedeltaMicros({ seconds: 0.3 })).to.equal(300_000n);
    expect(timedeltaMicros({ minutes: 1.0001 })).to.equal(60_006_000n);
    expect(timedeltaMicros({ seconds: 0.0000005 })).to.equal(0n); // 0.5 µs → even
    expect(timedeltaMicros({ seconds: 0.0000015 })).to.equal(2n);
    expect(timedeltaMicros({ seconds: 0.1, minutes: 0.1, hours: 0.1, days: 0.1, weeks: 0.1 })).to.equal(69_486_100_000n);
    expect(new IntervalTrigger({ seconds: 0.0000004 }).intervalMicros).to.equal(1_000_000n); // rounds to 0: one second
  });

  it('round-trips: toJSON → factory.create gives an equal trigger', () => {
    const trigger = intervalTriggerFactory.create(
      { weeks: 0, hours: 2, seconds: 1.5, start_date: '2030-03-31 00:30:00', end_date: '2030-04-30', timezone: 'Europe/London', jitter: 3 },
      context,
    );
    const json = trigger.toJSON();
    expect(json).to.deep.equal({
      trigger: 'interval', hours: 2, seconds: 1.5, start_date: '2030-03-31T00:30:00+00:00', end_date: '2030-04-30T00:00:00+01:00',
      timezone: 'Europe/London', jitter: 3,
    });
    const { trigger: _kind, ...options } = json;
    const copy = intervalTriggerFactory.create(options, { timezone: 'UTC', now: new Date('2040-01-01T00:00:00Z') });
    expect(copy.toJSON()).to.deep.equal(json);
    expect((copy as IntervalTrigger).intervalMs).to.equal((trigger as IntervalTrigger).intervalMs);
  });
});
