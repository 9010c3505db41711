import { expect } from 'chai';
import { ValidationError } from '../../src/errors.js';
import { CronTrigger, cronTriggerFactory } from '../../src/triggers/cron/cron-trigger.js';
import { createTrigger } from '../../src/triggers/trigger-registry.js';
import { formatInZone } from '../../src/triggers/timezone.js';
import { fireTimes } from './fixture-replay.js';

const context = { timezone: 'UTC', now: new Date('2030-01-01T00:00:00Z') };

/** Fire times as wall-clock ISO strings with offset in the trigger's zone. */
function local(trigger: CronTrigger, from: string, n: number): string[] {
  return fireTimes(trigger, new Date(from), n).map((t) => formatInZone(new Date(t), trigger.timezone));
}

describe('CronTrigger', () => {
  describe('fromCrontab', () => {
    it('reads day of week as crontab does: 0 and 7 are Sunday, 1 is Monday (APScheduler 3 reads 0 as Monday)', () => {
      const from = '2030-01-01T00:00:00Z'; // Tuesday
      expect(local(CronTrigger.fromCrontab('30 9 * * 0'), from, 1)).to.deep.equal(['2030-01-06T09:30:00+00:00']);
      expect(local(CronTrigger.fromCrontab('30 9 * * 7'), from, 1)).to.deep.equal(['2030-01-06T09:30:00+00:00']);
      expect(local(CronTrigger.fromCrontab('0 8 * * 1'), from, 1)).to.deep.equal(['2030-01-07T08:00:00+00:00']);
    });

    it("ORs day of month and day of week when both are restricted (Vixie cron, not APScheduler's AND)", () => {
      // The 13th and every Friday, January 2030 (the 13th is a Sunday).
      expect(local(CronTrigger.fromCrontab('0 0 13 * fri'), '2030-01-01T00:00:00Z', 4)).to.deep.equal([
        '2030-01-04T00:00:00+00:00', '2030-01-11T00:00:00+00:00', '2030-01-13T00:00:00+00:00', '2030-01-18T00:00:00+00:00',
      ]);
    });

    it('reads L, 5L, 1#2, nicknames and a seconds field', () => {
      const from = '2030-01-01T00:00:00Z';
      expect(local(CronTrigger.fromCrontab('0 0 L * *'), from, 2)).to.deep.equal(['2030-01-31T00:00:00+00:00', '2030-02-28T00:00:00+00:00']);
      expect(local(CronTrigger.fromCrontab('0 18 * * 5L'), from, 1)).to.deep.equal(['2030-01-25T18:00:00+00:00']);
      expect(local(CronTrigger.fromCrontab('0 12 * * MON#2'), from, 1)).to.deep.equal(['2030-01-14T12:00:00+00:00']);
      expect(local(CronTrigger.fromCrontab('@midnight'), from, 1)).to.deep.equal(['2030-01-02T00:00:00+00:00']);
      expect(local(CronTrigger.fromCrontab('30 */20 * * * *'), from, 2)).to.deep.equal(['2030-01-01T00:00:30+00:00', '2030-01-01T00:20:30+00:00']);
    });

    it('fires strictly after now, as cron-parser (keyword cron includes now, as APScheduler)', () => {
      const now = new Date('2030-01-01T09:00:00Z');
      expect(CronTrigger.fromCrontab('0 9 * * *').getNextFireTime(null, now)?.toISOString()).to.equal('2030-01-02T09:00:00.000Z');
      expect(new CronTrigger({ hour: 9 }).getNextFireTime(null, now)?.toISOString()).to.equal('2030-01-01T09:00:00.000Z');
    });

    it('shows the line as written in JSON, with the zone, dates and jitter, and takes a zone name alone', () => {
      const trigger = CronTrigger.fromCrontab('*/15 2-3 1,15 JAN-mar *', {
        timezone: 'America/New_York', start_date: '2030-01-01T00:00:00', end_date: '2030-06-01T00:00:00', jitter: 5,
      });
      expect(trigger.toJSON()).to.deep.equal({
        trigger: 'cron', crontab: '*/15 2-3 1,15 JAN-mar *', timezone: 'America/New_York',
        start_date: '2030-01-01T00:00:00-05:00', end_date: '2030-06-01T00:00:00-04:00', jitter: 5,
      });
      expect(CronTrigger.fromCrontab('0 9 * * 1', 'Europe/Paris').timezone).to.equal('Europe/Paris');
      expect(String(CronTrigger.fromCrontab('@daily'))).to.equal('cron[crontab="@daily"]');
    });

    it('round-trips through JSON with the same schedule', () => {
      const trigger = CronTrigger.fromCrontab('0 9 * * 0', 'Europe/London');
      const copy = cronTriggerFactory.create(stripKind(trigger.toJSON()), context);
      expect(copy.toJSON()).to.deep.equal(trigger.toJSON());
      expect(fireTimes(copy, context.now, 5)).to.deep.equal(fireTimes(trigger, context.now, 5));
    });

    it('refuses a crontab line mixed with keyword fields', () => {
      expect(() => cronTriggerFactory.create({ crontab: '0 9 * * *', hour: 3 }, context)).to.throw(ValidationError, /crontab cannot be combined.*hour/);
    });
  });

  describe('start_date and end_date', () => {
    it('are inclusive', () => {
      const trigger = new CronTrigger({
        minute: '*/10', start_date: '2030-01-01T00:10:00Z', end_date: '2030-01-01T00:30:00Z', timezone: 'UTC',
      });
      expect(fireTimes(trigger, new Date('2029-12-31T00:00:00Z'), 10)).to.deep.equal([
        '2030-01-01T00:10:00.000Z', '2030-01-01T00:20:00.000Z', '2030-01-01T00:30:00.000Z',
      ]);
    });

    it('cuts the sequence off at end_date, also for rare fields', () => {
      const trigger = new CronTrigger({ month: 'feb', day: 29, end_date: '2031-01-01', timezone: 'UTC' });
      expect(trigger.getNextFireTime(null, new Date('2030-01-01T00:00:00Z'))).to.equal(null);
      expect(new CronTrigger({ hour: 1, end_date: '2030-01-01T00:30:00Z' }).getNextFireTime(null, new Date('2030-01-01T00:00:00Z'))).to.equal(null);
    });

    it('reads naive date strings in the trigger\'s zone', () => {
      const trigger = new CronTrigger({ minute: 0, start_date: '2030-07-01 09:30:00', timezone: 'Europe/London' });
      expect(local(trigger, '2030-01-01T00:00:00Z', 1)).to.deep.equal(['2030-07-01T10:00:00+01:00']);
      expect(trigger.toJSON().start_date).to.equal('2030-07-01T09:30:00+01:00');
    });
  });

  describe('previous fire time', () => {
    it('finds the next time strictly after it', () => {
      const trigger = new CronTrigger({ minute: '*/5', timezone: 'UTC' });
      const previous = new Date('2030-01-01T00:05:00Z');
      expect(trigger.getNextFireTime(previous, previous)?.toISOString()).to.equal('2030-01-01T00:10:00.000Z');
      // A late call still continues from the previous fire time (the scheduler decides about misfires).
      expect(trigger.getNextFireTime(previous, new Date('2030-01-01T01:00:00Z'))?.toISOString()).to.equal('2030-01-01T00:10:00.000Z');
    });
  });

  describe('jitter', () => {
    it('adds 0..jitter seconds from the random source, never past end_date', () => {
      const at = (r: number, end?: string) => new CronTrigger({ minute: 0, jitter: 30, end_date: end ?? null, timezone: 'UTC' }, {}, () => r)
        .getNextFireTime(null, new Date('2030-01-01T00:00:01Z'))?.toISOString();
      expect(at(0)).to.equal('2030-01-01T01:00:00.000Z');
      expect(at(0.5)).to.equal('2030-01-01T01:00:15.000Z');
      expect(at(0.999)).to.equal('2030-01-01T01:00:29.970Z');
      expect(at(0.9, '2030-01-01T01:00:10Z')).to.equal('2030-01-01T01:00:10.000Z');
    });

    it('stays within bounds with the real random source', () => {
      const trigger = new CronTrigger({ minute: 0, jitter: 2.5, timezone: 'UTC' });
      for (let i = 0; i < 200; i += 1) {
        const t = trigger.getNextFireTime(null, new Date('2030-01-01T00:00:01Z'))!.getTime() - Date.parse('2030-01-01T01:00:00Z');
        expect(t).to.be.within(0, 2500);
      }
    });

    it('zero or null jitter changes nothing', () => {
      const from = new Date('2030-01-01T00:00:01Z');
      expect(new CronTrigger({ minute: 0, jitter: 0 }, {}, () => 0.7).getNextFireTime(null, from)?.toISOString()).to.equal('2030-01-01T01:00:00.000Z');
      expect(new CronTrigger({ minute: 0, jitter: null }).toJSON()).to.not.have.property('jitter');
    });
  });

  describe('JSON', () => {
    it('round-trips: toJSON → factory.create gives an equal trigger', () => {
      const options = {
        year: '2030-2035', month: 'mar-oct', day: 'last fri,1st mon', week: '*/2', day_of_week: 'mon-fri',
        hour: '*/3', minute: 30, second: '0,30', start_date: '2030-03-01 00:00:00', end_date: '2031-03-31T02:00:00+01:00',
        timezone: 'Europe/London', jitter: 5,
      };
      const trigger = cronTriggerFactory.create(options, context);
      const json = trigger.toJSON();
      expect(json).to.deep.equal({
        trigger: 'cron', year: '2030-2035', month: 'mar-oct', day: 'last fri,1st mon', week: '*/2', day_of_week: 'mon-fri',
        hour: '*/3', minute: '30', second: '0,30', start_date: '2030-03-01T00:00:00+00:00', end_date: '2031-03-31T02:00:00+01:00',
        timezone: 'Europe/London', jitter: 5,
      });
      const copy = createTrigger('cron', stripKind(json), context);
      expect(copy.toJSON()).to.deep.equal(json);
      const plain = (t: typeof trigger) => cronTriggerFactory.create({ ...stripKind(t.toJSON()), jitter: null }, context);
      expect(fireTimes(plain(copy), context.now, 12)).to.deep.equal(fireTimes(plain(trigger), context.now, 12));
    });

    it('uses the scheduler\'s zone when the options name none, and keeps it in JSON', () => {
      const trigger = cronTriggerFactory.create({ hour: 9 }, { timezone: 'America/New_York', now: context.now });
      expect(trigger.timezone).to.equal('America/New_York');
      expect(trigger.toJSON()).to.deep.equal({ trigger: 'cron', hour: '9', timezone: 'America/New_York' });
    });
  });

  describe('daylight saving time: a missing wall time is skipped, a repeated one fires once', () => {
    const zones = [
      // zone, spring-forward day and a time in its gap, fall-back day and a time in its repeat, the repeat's later offset
      { zone: 'Europe/London', gapDay: '2030-03-31', gap: '01:30', repeatDay: '2030-10-27', repeat: '01:30', later: '+00:00', gapMinutes: 60 },
      { zone: 'America/New_York', gapDay: '2030-03-10', gap: '02:30', repeatDay: '2030-11-03', repeat: '01:30', later: '-05:00', gapMinutes: 60 },
      { zone: 'Australia/Lord_Howe', gapDay: '2030-10-06', gap: '02:15', repeatDay: '2030-04-07', repeat: '01:45', later: '+10:30', gapMinutes: 30 },
    ];
    for (const { zone, gapDay, gap, repeatDay, repeat, later, gapMinutes } of zones) {
      const dayBefore = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - 2 * 86_400_000).toISOString();

      it(`${zone}: skips ${gap} on ${gapDay}`, () => {
        const [hour, minute] = gap.split(':');
        const trigger = new CronTrigger({ hour, minute, timezone: zone });
        const days = local(trigger, dayBefore(gapDay), 4).map((t) => t.slice(0, 10));
        expect(days).to.not.include(gapDay);
        expect(days).to.have.length(4);
      });

      it(`${zone}: fires ${repeat} once on ${repeatDay}, at its later occurrence (${later})`, () => {
        const [hour, minute] = repeat.split(':');
        const trigger = new CronTrigger({ hour, minute, timezone: zone });
        const times = local(trigger, dayBefore(repeatDay), 4).filter((t) => t.startsWith(repeatDay));
        expect(times).to.deep.equal([`${repeatDay}T${repeat}:00${later}`]);
      });

      it(`${zone}: every 5 minutes, each existing wall time fires exactly once across both changes`, () => {
        const trigger = new CronTrigger({ minute: '*/5', timezone: zone });
        for (const [day, missing] of [[gapDay, gapMinutes / 5], [repeatDay, 0]] as const) {
          const from = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000);
          const walls = local(trigger, from.toISOString(), 3 * 288).filter((t) => t.startsWith(day)).map((t) => t.slice(0, 19));
          expect(new Set(walls).size, `${day}: no wall time twice`).to.equal(walls.length);
          expect(walls.length, `${day}: every existing wall time`).to.equal(288 - missing);
        }
      });
    }

    it('UTC has neither gaps nor repeats', () => {
      const trigger = new CronTrigger({ hour: 1, minute: 30, timezone: 'UTC' });
      expect(local(trigger, '2030-03-30T12:00:00Z', 2)).to.deep.equal(['2030-03-31T01:30:00+00:00', '2030-04-01T01:30:00+00:00']);
    });

    it('a trigger created inside the first pass of a repeated hour fires the repeated times once, at their later occurrence', () => {
      const trigger = new CronTrigger({ minute: '*/20', timezone: 'Europe/London' });
      // 01:50 BST, ten minutes before the clocks go back to 01:00 GMT.
      expect(local(trigger, '2030-10-27T00:50:00Z', 4)).to.deep.equal([
        '2030-10-27T01:00:00+00:00', '2030-10-27T01:20:00+00:00', '2030-10-27T01:40:00+00:00', '2030-10-27T02:00:00+00:00',
      ]);
    });
  });

  describe('speed', () => {
    it('computes a next fire time in a few microseconds (UTC and a DST zone)', () => {
      for (const timezone of ['UTC', 'Europe/London']) {
        const trigger = new CronTrigger({ day_of_week: 'mon-fri', hour: '8-18', minute: '*/5', timezone });
        let time = new Date('2030-01-01T00:00:00Z');
        const runs = 20_000;
        const started = process.hrtime.bigint();
        for (let i = 0; i < runs; i += 1) time = trigger.getNextFireTime(time, time)!;
        const micros = Number(process.hrtime.bigint() - started) / 1000 / runs;
        expect(micros, `${timezone}: ${micros.toFixed(2)} µs/op`).to.be.below(20);
      }
    });
  });
});

function stripKind(json: Record<string, unknown>): Record<string, unknown> {
  const { trigger: _kind, ...options } = json;
  return options;
}
