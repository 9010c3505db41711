import { expect } from 'chai';
import { CronTrigger, DateTrigger, IntervalTrigger, ValidationError, previewFireTimes } from '../../src/index.js';

describe('previewFireTimes', () => {
  const now = new Date('2030-03-29T12:00:00Z');

  it('gives the next fire times of a cron trigger across a DST change', () => {
    const trigger = new CronTrigger({ hour: '9', minute: '30', timezone: 'Europe/London' });
    const times = previewFireTimes(trigger, { count: 3, now }).map((time) => time.toISOString());
    expect(times).to.deep.equal(['2030-03-30T09:30:00.000Z', '2030-03-31T08:30:00.000Z', '2030-04-01T08:30:00.000Z']);
  });

  it('starts at the given first fire time', () => {
    const trigger = new IntervalTrigger({ minutes: 5, start_date: '2030-01-01T00:00:00Z', timezone: 'UTC' });
    const times = previewFireTimes(trigger, { count: 2, now, first: new Date('2030-01-01T00:10:00Z') });
    expect(times.map((time) => time.toISOString())).to.deep.equal(['2030-01-01T00:10:00.000Z', '2030-01-01T00:15:00.000Z']);
  });

  it('stops when the trigger finishes', () => {
    const once = new DateTrigger({ run_date: '2030-04-01T00:00:00Z', timezone: 'UTC' });
    expect(previewFireTimes(once, { count: 10, now })).to.have.length(1);
    const past = new DateTrigger({ run_date: '2020-04-01T00:00:00Z', timezone: 'UTC' });
    expect(previewFireTimes(past, { count: 10, now, first: null })).to.have.length(1);
  });

  it('answers [] for a trigger past its end date', () => {
    const ended = new CronTrigger({ hour: '9', end_date: '2020-01-01T00:00:00Z', timezone: 'UTC' });
    expect(previewFireTimes(ended, { now })).to.deep.equal([]);
  });

  it('gives ten by default and refuses a bad count', () => {
    const trigger = new IntervalTrigger({ seconds: 1, timezone: 'UTC' });
    expect(previewFireTimes(trigger, { now })).to.have.length(10);
    expect(previewFireTimes(trigger, { now, count: 1000 })).to.have.length(1000);
    for (const count of [0, -1, 1001, 1.5, Number.NaN]) {
      expect(() => previewFireTimes(trigger, { now, count }), String(count)).to.throw(ValidationError, /count/);
    }
  });
});
