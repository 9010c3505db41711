import { expect } from 'chai';
import { CronTrigger, type CronTriggerOptions } from '../../src/triggers/cron/cron-trigger.js';
import { buildCronFields } from '../../src/triggers/cron/fields.js';
import { fireTimes } from './fixture-replay.js';

/** The first `n` fire times (UTC ISO) of a UTC cron trigger from `from`. */
function fires(options: CronTriggerOptions, from: string, n = 4): string[] {
  return fireTimes(new CronTrigger({ timezone: 'UTC', ...options }), new Date(from), n).map((t) => t.replace('.000Z', 'Z'));
}

describe('cron expression syntax (UTC)', () => {
  const jan1 = '2030-01-01T00:00:00Z'; // a Tuesday

  it('*: every value', () => {
    expect(fires({ minute: '*' }, jan1, 3)).to.deep.equal(['2030-01-01T00:00:00Z', '2030-01-01T00:01:00Z', '2030-01-01T00:02:00Z']);
  });

  it('*/n: every n-th value counted from the minimum', () => {
    expect(fires({ minute: '*/20' }, '2030-01-01T00:05:00Z')).to.deep.equal([
      '2030-01-01T00:20:00Z', '2030-01-01T00:40:00Z', '2030-01-01T01:00:00Z', '2030-01-01T01:20:00Z',
    ]);
    expect(fires({ day: '*/10' }, jan1)).to.deep.equal([
      '2030-01-01T00:00:00Z', '2030-01-11T00:00:00Z', '2030-01-21T00:00:00Z', '2030-01-31T00:00:00Z',
    ]);
  });

  it('a, a-b, a/n, a-b/n', () => {
    expect(fires({ hour: '5' }, jan1, 2)).to.deep.equal(['2030-01-01T05:00:00Z', '2030-01-02T05:00:00Z']);
    expect(fires({ hour: '22-23' }, jan1, 3)).to.deep.equal(['2030-01-01T22:00:00Z', '2030-01-01T23:00:00Z', '2030-01-02T22:00:00Z']);
    expect(fires({ minute: '50/4' }, jan1, 4)).to.deep.equal([
      '2030-01-01T00:50:00Z', '2030-01-01T00:54:00Z', '2030-01-01T00:58:00Z', '2030-01-01T01:50:00Z',
    ]);
    expect(fires({ hour: '9-17/4' }, jan1, 4)).to.deep.equal([
      '2030-01-01T09:00:00Z', '2030-01-01T13:00:00Z', '2030-01-01T17:00:00Z', '2030-01-02T09:00:00Z',
    ]);
  });

  it('comma lists, with spaces around commas, numbers as numbers', () => {
    expect(fires({ hour: '3, 1 ,2' }, jan1, 3)).to.deep.equal(['2030-01-01T01:00:00Z', '2030-01-01T02:00:00Z', '2030-01-01T03:00:00Z']);
    expect(fires({ hour: 7, minute: 5 }, jan1, 1)).to.deep.equal(['2030-01-01T07:05:00Z']);
  });

  it('second fields', () => {
    expect(fires({ second: '*/15' }, '2030-01-01T00:00:01Z', 3)).to.deep.equal([
      '2030-01-01T00:00:15Z', '2030-01-01T00:00:30Z', '2030-01-01T00:00:45Z',
    ]);
  });

  it('month names and ranges, case-insensitive', () => {
    expect(fires({ month: 'Mar-apr,DEC', day: 1 }, jan1)).to.deep.equal([
      '2030-03-01T00:00:00Z', '2030-04-01T00:00:00Z', '2030-12-01T00:00:00Z', '2031-03-01T00:00:00Z',
    ]);
  });

  it('day_of_week: 0 = Monday, names, mon-fri', () => {
    expect(fires({ day_of_week: 0 }, jan1, 1)).to.deep.equal(['2030-01-07T00:00:00Z']); // Monday
    expect(fires({ day_of_week: 'sun' }, jan1, 1)).to.deep.equal(['2030-01-06T00:00:00Z']);
    expect(fires({ day_of_week: 'mon-fri', hour: 9 }, '2030-01-04T10:00:00Z', 2)).to.deep.equal([
      '2030-01-07T09:00:00Z', '2030-01-08T09:00:00Z',
    ]);
  });

  it('day: last, last fri, 1st mon … 5th', () => {
    expect(fires({ day: 'last' }, jan1, 3)).to.deep.equal(['2030-01-31T00:00:00Z', '2030-02-28T00:00:00Z', '2030-03-31T00:00:00Z']);
    expect(fires({ day: 'last fri' }, jan1, 2)).to.deep.equal(['2030-01-25T00:00:00Z', '2030-02-22T00:00:00Z']);
    expect(fires({ day: '1st mon' }, jan1, 2)).to.deep.equal(['2030-01-07T00:00:00Z', '2030-02-04T00:00:00Z']);
    expect(fires({ day: '3rd wed' }, jan1, 1)).to.deep.equal(['2030-01-16T00:00:00Z']);
    // Only months with five Fridays: March, May and August 2030.
    expect(fires({ day: '5th fri' }, jan1, 3)).to.deep.equal(['2030-03-29T00:00:00Z', '2030-05-31T00:00:00Z', '2030-08-30T00:00:00Z']);
  });

  it('week: ISO week numbers', () => {
    // ISO week 1 of 2031 starts on Monday 2030-12-30.
    expect(fires({ week: 1, day_of_week: 'mon' }, jan1, 1)).to.deep.equal(['2030-12-30T00:00:00Z']);
    expect(fires({ week: '2' }, jan1, 2)).to.deep.equal(['2030-01-07T00:00:00Z', '2030-01-08T00:00:00Z']);
  });

  it('year', () => {
    expect(fires({ year: '2032', month: 'feb', day: 'last' }, jan1)).to.deep.equal(['2032-02-29T00:00:00Z']);
    expect(fires({ year: '2030-2031', month: 12, day: 25 }, jan1)).to.deep.equal(['2030-12-25T00:00:00Z', '2031-12-25T00:00:00Z']);
  });

  it('a field that never matches ends the trigger instead of hanging', () => {
    expect(fires({ month: 'feb', day: 30 }, jan1)).to.deep.equal([]);
  });

  it('rounds fire times up to whole seconds (datetime_ceil)', () => {
    expect(fires({ second: '*' }, '2030-01-01T00:00:00.001Z', 1)).to.deep.equal(['2030-01-01T00:00:01Z']);
  });

  describe('defaults, as APScheduler 3', () => {
    it('fields below the least significant given one take their minimum, the others *', () => {
      expect(buildCronFields({ hour: '2' }).map(String)).to.deep.equal(['*', '*', '*', '*', '*', '2', '0', '0']);
      expect(buildCronFields({ month: 'jun' }).map(String)).to.deep.equal(['*', 'jun', '1', '*', '*', '0', '0', '0']);
      expect(buildCronFields({ day_of_week: 'fri', minute: 5 }).map(String)).to.deep.equal(['*', '*', '*', '*', 'fri', '*', '5', '0']);
    });

    it('no field at all means every second (APScheduler 3 does the same)', () => {
      expect(fires({}, jan1, 2)).to.deep.equal(['2030-01-01T00:00:00Z', '2030-01-01T00:00:01Z']);
    });

    it('JSON lists only the given fields, in APScheduler\'s str() form', () => {
      const trigger = new CronTrigger({ day_of_week: 'MON-Fri', hour: '9-17/4', minute: 0, month: 'jan', timezone: 'UTC' });
      expect(trigger.toJSON()).to.deep.equal({ trigger: 'cron', month: 'jan', day_of_week: 'mon-fri', hour: '9-17/4', minute: '0', timezone: 'UTC' });
      expect(trigger.toString()).to.equal("cron[month='jan', day_of_week='mon-fri', hour='9-17/4', minute='0']");
      expect(new CronTrigger({ day: '2ND tue,last', minute: '5/10' }).toJSON()).to.include({ day: '2nd tue,last', minute: '5/10' });
    });
  });
});
