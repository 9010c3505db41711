import { expect } from 'chai';
import { CronTrigger, cronTriggerFactory } from '../../src/triggers/cron/cron-trigger.js';
import { dateTriggerFactory } from '../../src/triggers/date-trigger.js';
import { intervalTriggerFactory } from '../../src/triggers/interval-trigger.js';
import { asInstants, fireTimes, loadFixture, mismatches, type FixtureCase } from './fixture-replay.js';

/*
 * Replays fire-time sequences recorded from APScheduler 3.9.1 (scripts/gen-apscheduler-fixtures.py)
 * through jobclock's triggers. Every instant must be identical, except in the separate, documented
 * lists of cases where APScheduler 3 breaks jobclock's contract (see the last two describe blocks).
 */

const context = (c: FixtureCase) => ({ timezone: 'UTC', now: new Date(c.now) });
const ZONES = ['UTC', 'Europe/London', 'America/New_York', 'Australia/Lord_Howe'];

function expectNoMismatch(failures: string[]): void {
  expect(failures, `${failures.length} mismatching case(s):\n${failures.slice(0, 20).join('\n')}`).to.deep.equal([]);
}

describe('triggers equal APScheduler 3.9.1', () => {
  describe('cron', () => {
    const cases = loadFixture('apscheduler-cron.json');
    for (const zone of ZONES) {
      const inZone = cases.filter((c) => c.options.timezone === zone);
      it(`gives APScheduler's fire times in ${zone} (${inZone.length} cases)`, () => {
        expect(inZone.length).to.be.greaterThan(150);
        expectNoMismatch(mismatches(inZone, (c) => {
          const expected = asInstants(c.apscheduler as string[]);
          return { expected, actual: fireTimes(cronTriggerFactory.create(c.options, context(c)), new Date(c.now), c.length) };
        }));
      });
    }
  });

  it('interval: gives APScheduler\'s fire times', () => {
    const cases = loadFixture('apscheduler-interval.json');
    expectNoMismatch(mismatches(cases, (c) => {
      const expected = asInstants(c.apscheduler as string[]);
      return { expected, actual: fireTimes(intervalTriggerFactory.create(c.options, context(c)), new Date(c.now), c.length) };
    }));
  });

  it('date: reads run_date as APScheduler does (naive strings in the zone, DST gaps and overlaps included)', () => {
    const cases = loadFixture<FixtureCase & { after_first: null }>('apscheduler-date.json');
    expectNoMismatch(mismatches(cases, (c) => ({
      expected: asInstants(c.apscheduler as string[]),
      actual: fireTimes(dateTriggerFactory.create(c.options, context(c)), new Date(c.now), 5),
    })));
  });

  describe('deliberate differences', () => {
    /*
     * APScheduler 3 computes cron times on pytz datetimes. Across a DST change that leaks into its
     * results; jobclock follows its contract instead (a non-existent wall time is skipped, a repeated
     * one fires once, at its later occurrence). The generator derives "expected" independently (the
     * same field search on naive wall times, mapped to instants with zoneinfo) and labels each case:
     *  - "nonexistent wall time not skipped": APScheduler localizes e.g. 02:30 on a spring-forward
     *    day with the old offset and fires one DST shift late;
     *  - "repeated wall time fired twice" / "at its earlier occurrence": after clocks go back,
     *    APScheduler's choice depends on whether its search incremented or set a field;
     *  - "valid wall time skipped": APScheduler adds a wall-clock difference to a datetime still
     *    carrying the old offset, and the normalized result lands one shift off (e.g. 00:00 becomes
     *    01:00 and the midnight run is lost);
     *  - "started in the first pass of a repeated hour": the later occurrences still ahead are skipped.
     */
    const cases = loadFixture('apscheduler-cron-dst-deviations.json');
    it(`cron across DST follows the contract where APScheduler 3 does not (${cases.length} cases)`, () => {
      expect(cases.length).to.be.greaterThan(0);
      for (const c of cases) expect(c.reasons, c.id).to.have.length.greaterThan(0);
      expectNoMismatch(mismatches(cases, (c) => {
        const expected = asInstants(c.expected as string[]);
        return { expected, actual: fireTimes(cronTriggerFactory.create(c.options, context(c)), new Date(c.now), c.length) };
      }));
    });

    /*
     * APScheduler 3's from_crontab passes the day of week through with 0 = Monday (and rejects 7);
     * jobclock reads it as crontab does, 0 and 7 = Sunday. "expected" is APScheduler's own result for
     * the hand-corrected day of week. Compared only where the two dialects agree: a line restricting
     * both day fields needs both to match in APScheduler (AND) but either in crontab (Vixie's OR,
     * cron-parser's, jobclock's) — those cases check that they differ, and README says so.
     */
    const crontab = loadFixture<{ id: string; crontab: string; timezone: string; now: string; expected: string[] }>(
      'apscheduler-crontab.json',
    );
    const bothDays = (line: string) => { const f = line.split(' '); return f[2] !== '*' && f[4] !== '*'; };
    it(`fromCrontab reads day of week as crontab does (${crontab.filter((c) => !bothDays(c.crontab)).length} cases)`, () => {
      expectNoMismatch(mismatches(crontab.filter((c) => !bothDays(c.crontab)), (c) => {
        const trigger = CronTrigger.fromCrontab(c.crontab, c.timezone);
        expect(trigger.toJSON().crontab, c.id).to.equal(c.crontab);
        const expected = asInstants(c.expected);
        return { expected, actual: fireTimes(trigger, new Date(c.now), expected.length) };
      }));
    });
    it('fromCrontab ORs the two day fields where APScheduler ANDs them (the documented difference)', () => {
      const differing = crontab.filter((c) => bothDays(c.crontab));
      expect(differing.length).to.be.greaterThan(0);
      for (const c of differing) {
        const expected = asInstants(c.expected);
        const actual = fireTimes(CronTrigger.fromCrontab(c.crontab, c.timezone), new Date(c.now), expected.length);
        expect(actual, c.id).to.not.deep.equal(expected);
      }
    });
  });
});
