import { expect } from 'chai';
import { ValidationError } from '../../src/errors.js';
import { CronTrigger, cronTriggerFactory } from '../../src/triggers/cron/cron-trigger.js';
import { dateTriggerFactory } from '../../src/triggers/date-trigger.js';
import { intervalTriggerFactory } from '../../src/triggers/interval-trigger.js';
import type { TriggerFactory } from '../../src/triggers/trigger.js';

const context = { timezone: 'UTC', now: new Date('2030-01-01T00:00:00Z') };

function rejects(factory: TriggerFactory, options: Record<string, unknown>, message: RegExp): void {
  expect(() => factory.create(options, context), JSON.stringify(options)).to.throw(ValidationError, message);
}

describe('trigger validation', () => {
  describe('cron fields', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ hour: 24 }, /Invalid cron field "hour": value 24 is out of range 0-23/],
      [{ hour: '24' }, /"hour".*24.*0-23/],
      [{ minute: '60' }, /"minute".*60.*0-59/],
      [{ second: '0-60' }, /"second".*60/],
      [{ day: '0' }, /"day".*0.*1-31/],
      [{ month: '13' }, /"month".*13/],
      [{ day_of_week: '7' }, /"day_of_week".*7.*0-6/],
      [{ week: '54' }, /"week".*54/],
      [{ year: '1969' }, /"year".*1969/],
      [{ minute: '*/0' }, /"minute".*step/],
      [{ minute: '5/0' }, /"minute".*step/],
      [{ hour: '*/24' }, /"hour".*step 24/],
      [{ hour: '5-3' }, /"hour".*5-3.*starts after it ends/],
      [{ day_of_week: 'fri-mon' }, /"day_of_week".*starts after it ends/],
      [{ month: 'foo' }, /"month".*unknown month name "foo"/],
      [{ month: 'janx' }, /"month".*janx/],
      [{ day_of_week: 'funday' }, /"day_of_week".*unknown weekday name "funday"/],
      [{ day: '1st funday' }, /"day".*funday/],
      [{ day: '6th mon' }, /"day".*6th mon/],
      [{ day: 'last' + 'x' }, /"day".*lastx/],
      [{ hour: 'abc' }, /"hour": "abc" is not a valid expression/],
      [{ hour: '' }, /"hour"/],
      [{ hour: '1,,2' }, /"hour"/],
      [{ hour: '-1' }, /"hour"/],
      [{ hour: 2.5 }, /"hour".*2\.5/],
      [{ hour: Number.NaN }, /"hour".*NaN/],
      [{ hour: { every: 2 } }, /"hour".*an object/],
      [{ hour: true }, /"hour".*true/],
      [{ hour: ['1'] }, /"hour".*an array/],
      [{ day_of_week: 'mon-fri/2' }, /"day_of_week"/], // APScheduler 3 silently drops the step
      [{ month: 'jan' , day: 'mon' }, /"day"/],
    ];
    for (const [options, message] of cases) {
      it(`rejects ${JSON.stringify(options, (_k, v: unknown) => (Number.isNaN(v) ? 'NaN' : v))}`, () => rejects(cronTriggerFactory, options, message));
    }
  });

  it('rejects unknown option keys, naming them', () => {
    rejects(cronTriggerFactory, { hours: 2 }, /Unknown option "hours" for the cron trigger/);
    rejects(intervalTriggerFactory, { minute: 2 }, /Unknown option "minute" for the interval trigger/);
    rejects(dateTriggerFactory, { run_date: '2030-01-01', when: 1 }, /"when"/);
  });

  it('rejects bad time zones', () => {
    rejects(cronTriggerFactory, { hour: 1, timezone: 'Mars/Olympus' }, /timezone "Mars\/Olympus" is not a known IANA time zone/);
    rejects(intervalTriggerFactory, { minutes: 1, timezone: 5 }, /timezone must be an IANA time zone name.*number/);
    rejects(dateTriggerFactory, { run_date: '2030-01-01', timezone: '' }, /timezone/);
    expect(() => cronTriggerFactory.create({ hour: 1 }, { ...context, timezone: 'Nowhere/Land' })).to.throw(ValidationError);
  });

  it('rejects bad dates', () => {
    rejects(cronTriggerFactory, { hour: 1, start_date: 'tomorrow' }, /start_date "tomorrow" is not an ISO 8601 date/);
    rejects(cronTriggerFactory, { hour: 1, end_date: {} }, /end_date.*an object/);
    rejects(intervalTriggerFactory, { minutes: 1, start_date: Number.NaN }, /start_date/);
    rejects(dateTriggerFactory, { run_date: '2030-13-01' }, /run_date/);
    rejects(dateTriggerFactory, { run_date: new Date(Number.NaN) }, /run_date/);
    rejects(dateTriggerFactory, {}, /run_date is required/);
  });

  it('rejects an end_date before the start_date', () => {
    rejects(cronTriggerFactory, { hour: 1, start_date: '2030-02-01', end_date: '2030-01-01' }, /end_date \(2030-01-01T00:00:00\+00:00\) is before start_date/);
    rejects(intervalTriggerFactory, { hours: 1, start_date: '2030-02-01', end_date: '2030-01-01' }, /end_date.*before start_date/);
    // The default start (now + interval) counts too: such a trigger could never fire.
    rejects(intervalTriggerFactory, { hours: 1, end_date: '2030-01-01T00:30:00Z' }, /end_date.*before start_date/);
  });

  it('rejects bad interval lengths', () => {
    rejects(intervalTriggerFactory, { seconds: -5 }, /seconds must be a non-negative number, got -5/);
    rejects(intervalTriggerFactory, { minutes: '5' }, /minutes must be a non-negative number, got "5"/);
    rejects(intervalTriggerFactory, { hours: Number.NaN }, /hours.*NaN/);
    rejects(intervalTriggerFactory, { days: Number.POSITIVE_INFINITY }, /days/);
    rejects(intervalTriggerFactory, { weeks: {} }, /weeks.*an object/);
  });

  it('rejects bad jitter', () => {
    rejects(cronTriggerFactory, { hour: 1, jitter: -1 }, /jitter must be a number of seconds from 0 to 31622400, or null, got -1/);
    rejects(intervalTriggerFactory, { minutes: 1, jitter: '5' }, /jitter.*"5"/);
    rejects(dateTriggerFactory, { run_date: '2030-01-01', jitter: Number.NaN }, /jitter/);
  });

  it('rejects bad crontab lines, naming the field and the reason', () => {
    expect(() => CronTrigger.fromCrontab('* * * *')).to.throw(ValidationError, /expected 5 fields .* or 6 with seconds first, got 4/);
    expect(() => CronTrigger.fromCrontab('* * * * * * *')).to.throw(ValidationError, /got 7/);
    expect(() => CronTrigger.fromCrontab('')).to.throw(ValidationError, /got 0/);
    expect(() => CronTrigger.fromCrontab('* * * * 8')).to.throw(ValidationError, /day of week field "8".*expected range 0-7/);
    expect(() => CronTrigger.fromCrontab('* * * * 5-1')).to.throw(ValidationError, /day of week field "5-1".*min\(5\) > max\(1\)/);
    expect(() => CronTrigger.fromCrontab('* * * * */0')).to.throw(ValidationError, /day of week field "\*\/0"/);
    expect(() => CronTrigger.fromCrontab('61 * * * *')).to.throw(ValidationError, /minute field "61".*got value 61/);
    expect(() => CronTrigger.fromCrontab('61 * * * * *')).to.throw(ValidationError, /second field "61"/);
    expect(() => CronTrigger.fromCrontab('0 0 * foo *')).to.throw(ValidationError, /month field "foo".*"foo"/);
    expect(() => CronTrigger.fromCrontab('0 0 31 2 *')).to.throw(ValidationError, /day of month field "31" with the month field "2"/);
    expect(() => CronTrigger.fromCrontab('@reboot')).to.throw(ValidationError, /@reboot .*no meaning for a scheduler/);
    expect(() => CronTrigger.fromCrontab('@fortnightly')).to.throw(ValidationError, /unknown nickname/);
    expect(() => CronTrigger.fromCrontab('H 9 * * *')).to.throw(ValidationError, /minute field "H": hashed values \(H\) are not supported/);
    expect(() => CronTrigger.fromCrontab(5 as unknown as string)).to.throw(ValidationError, /crontab must be a string/);
  });
});
