import { expect } from 'chai';
import { ValidationError } from '../../src/errors.js';
import { DateTrigger, dateTriggerFactory } from '../../src/triggers/date-trigger.js';
import { parseDateOptionMicros } from '../../src/triggers/microseconds.js';

const context = { timezone: 'UTC', now: new Date('2030-01-01T00:00:00Z') };
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('DateTrigger', () => {
  it('fires once at run_date, even when it is already past (misfires are the scheduler\'s call)', () => {
    const trigger = new DateTrigger({ run_date: '2030-06-01T09:00:00Z' });
    expect(iso(trigger.getNextFireTime(null, new Date('2031-01-01T00:00:00Z')))).to.equal('2030-06-01T09:00:00.000Z');
    expect(trigger.getNextFireTime(new Date('2030-06-01T09:00:00Z'), new Date('2030-06-01T09:00:00Z'))).to.equal(null);
  });

  it('takes a Date, epoch milliseconds, or ISO strings with or without offset', () => {
    const expected = '2030-06-01T08:00:00.000Z';
    for (const run_date of [new Date(expected), Date.parse(expected), '2030-06-01T09:00:00+01:00', '2030-06-01 09:00:00', '2030-06-01T09:00']) {
      const trigger = dateTriggerFactory.create({ run_date, timezone: 'Europe/London' }, context);
      expect(iso(trigger.getNextFireTime(null, context.now)), String(run_date)).to.equal(expected);
    }
  });

  it('takes one-digit date and time parts, as APScheduler 3 does (2026-3-8 2:30:00)', () => {
    const at = (run_date: string) => iso(new DateTrigger({ run_date, timezone: 'Europe/Paris' }).getNextFireTime(null, context.now));
    expect(at('2026-3-8 2:30:00')).to.equal('2026-03-08T01:30:00.000Z');
    expect(at('2026-3-8')).to.equal(at('2026-03-08'));
    expect(at('2026-3-8T2:30:00+05:30')).to.equal('2026-03-07T21:00:00.000Z');
  });

  it('takes one-digit parts with any fraction, lowercase t/z or no seconds; refuses hour 24, as APScheduler 3 does', () => {
    const at = (run_date: string) => iso(new DateTrigger({ run_date, timezone: 'Europe/Paris' }).getNextFireTime(null, context.now));
    expect(at('2026-3-8 2:30:00.5')).to.equal('2026-03-08T01:30:00.500Z');
    expect(at('2026-03-08 2:3:4.12')).to.equal('2026-03-08T01:03:04.120Z');
    expect(at('2026-3-8 2:30:00.123456+05:30')).to.equal('2026-03-07T21:00:00.123Z');
    expect(parseDateOptionMicros('2026-3-8 2:30:00.123456', 'start_date', 'UTC')).to.equal(1772937000123456n);
    expect(parseDateOptionMicros('2026-3-8t2:30:00.000001z', 'start_date', 'UTC')).to.equal(1772937000000001n);
    expect(at('2026-3-8t2:30:00z')).to.equal('2026-03-08T02:30:00.000Z');
    expect(at('2026-3-8 2:30')).to.equal('2026-03-08T01:30:00.000Z');
    for (const run_date of ['2026-03-08T24:00:00', '2026-3-8 24:00:00']) {
      expect(() => new DateTrigger({ run_date }), run_date).to.throw(ValidationError, /hour must be 0 to 23/);
    }
  });

  it('reads naive times in gaps and repeats as APScheduler 3 (pytz is_dst=False) does', () => {
    const at = (run_date: string, timezone: string) => iso(new DateTrigger({ run_date, timezone }).getNextFireTime(null, context.now));
    expect(at('2030-03-31 01:30:00', 'Europe/London')).to.equal('2030-03-31T01:30:00.000Z'); // = 02:30 BST
    expect(at('2030-10-27 01:30:00', 'Europe/London')).to.equal('2030-10-27T01:30:00.000Z'); // the GMT one
    expect(at('2030-04-07 01:45:00', 'Australia/Lord_Howe')).to.equal('2030-04-06T15:15:00.000Z'); // +10:30
  });

  it('adds jitter from the random source', () => {
    const trigger = new DateTrigger({ run_date: '2030-06-01T09:00:00Z', jitter: 60 }, {}, () => 0.5);
    expect(iso(trigger.getNextFireTime(null, context.now))).to.equal('2030-06-01T09:00:30.000Z');
  });

  it('round-trips: toJSON → factory.create gives an equal trigger', () => {
    const trigger = dateTriggerFactory.create({ run_date: '2030-03-31 01:30:00', timezone: 'Europe/London', jitter: 2 }, context);
    const json = trigger.toJSON();
    expect(json).to.deep.equal({ trigger: 'date', run_date: '2030-03-31T02:30:00+01:00', timezone: 'Europe/London', jitter: 2 });
    const { trigger: _kind, ...options } = json;
    expect(dateTriggerFactory.create(options, context).toJSON()).to.deep.equal(json);
    expect(trigger.toString()).to.equal('date[2030-03-31 02:30:00 +01:00]');
  });

  it('keeps milliseconds in JSON when there are any', () => {
    expect(new DateTrigger({ run_date: '2030-01-01T00:00:00.250Z' }).toJSON().run_date).to.equal('2030-01-01T00:00:00.250+00:00');
  });
});
