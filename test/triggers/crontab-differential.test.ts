import { expect } from 'chai';
import { CronExpressionParser } from 'cron-parser';
import fc from 'fast-check';
import { ValidationError } from '../../src/errors.js';
import { CronTrigger } from '../../src/triggers/cron/cron-trigger.js';
import { fireTimes } from './fixture-replay.js';

/*
 * The crontab dialect is cron-parser 5's: for several hundred seeded lines using every feature
 * (lists, ranges, steps, names in mixed case, L, 5L, 1#2, ?, 0/7, nicknames, both day fields),
 * CronTrigger.fromCrontab accepts exactly the lines cron-parser accepts and fires at exactly
 * cron-parser's instants, in UTC and in fixed-offset zones (no DST, where our DST rules and
 * cron-parser's cannot differ).
 */

const ZONES = ['UTC', 'Etc/GMT-5', 'Asia/Kolkata', 'Etc/GMT+11', 'Asia/Kathmandu'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly', '@midnight', '@weekdays', '@weekends'];

const mixedCase = (name: string) =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((upper) => Array.from(name).map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));

/** A value of a field: a number, or a name (month and day of week) in random case. */
function value(min: number, max: number, names: readonly string[] | null) {
  const number = fc.integer({ min, max }).map(String);
  if (!names) return number;
  return fc.oneof(number, fc.integer({ min: 0, max: names.length - 1 }).chain((i) => mixedCase(names[i] as string)));
}

/** `n` as a number or, half the time when the field has names, as its name in random case. */
function name(n: number, names: readonly string[] | null, min: number): fc.Arbitrary<string> {
  const text = names?.[n - min];
  return text === undefined ? fc.constant(String(n)) : fc.oneof(fc.constant(String(n)), mixedCase(text));
}

/** One comma-free part: `*`, `*\/n`, `a`, `a-b`, `a-b/n`, `a/n`, sometimes out of range. */
function atom(min: number, max: number, names: readonly string[] | null = null) {
  const v = value(min, max, names);
  const range = fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).chain(([a, b]) =>
    fc.tuple(name(Math.min(a, b), names, min), name(Math.max(a, b), names, min)));
  const step = fc.integer({ min: 1, max: Math.max(2, Math.ceil((max - min) / 2)) });
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant('*') },
    { weight: 2, arbitrary: step.map((n) => `*/${n}`) },
    { weight: 3, arbitrary: v },
    { weight: 2, arbitrary: range.map(([a, b]) => `${a}-${b}`) },
    { weight: 1, arbitrary: fc.tuple(range, step).map(([[a, b], n]) => `${a}-${b}/${n}`) },
    { weight: 1, arbitrary: fc.tuple(v, step).map(([a, n]) => `${a}/${n}`) },
    // Refused by cron-parser: out of range, backwards.
    { weight: 1, arbitrary: fc.oneof(fc.integer({ min: max + 1, max: max + 3 }).map(String), fc.constant(`${max}-${min}`)) },
  );
}

const list = (part: fc.Arbitrary<string>) => fc.oneof(
  { weight: 3, arbitrary: part },
  { weight: 1, arbitrary: fc.array(part, { minLength: 2, maxLength: 3 }).map((parts) => parts.join(',')) },
);

const second = list(atom(0, 59));
const minute = list(atom(0, 59));
const hour = list(atom(0, 23));
const dayOfMonth = fc.oneof(
  { weight: 4, arbitrary: fc.constant('*') },
  { weight: 1, arbitrary: fc.constant('?') },
  { weight: 4, arbitrary: list(fc.oneof({ weight: 4, arbitrary: atom(1, 31) }, { weight: 1, arbitrary: fc.constant('L') })) },
);
const month = fc.oneof(fc.constant('*'), list(atom(1, 12, MONTHS)));
const dayOfWeek = fc.oneof(
  { weight: 4, arbitrary: fc.constant('*') },
  { weight: 1, arbitrary: fc.constant('?') },
  { weight: 4, arbitrary: list(atom(0, 7, DAYS)) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 5 })).map(([d, n]) => `${d}#${n}`) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 5 })).chain(([d, n]) => mixedCase(DAYS[d] as string).map((name) => `${name}#${n}`)) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 7 }).map((d) => `${d}L`) },
);

const fiveFields = fc.tuple(minute, hour, dayOfMonth, month, dayOfWeek).map((f) => f.join(' '));
const sixFields = fc.tuple(second, minute, hour, dayOfMonth, month, dayOfWeek).map((f) => f.join(' '));
const line = fc.oneof(
  { weight: 6, arbitrary: fiveFields },
  { weight: 2, arbitrary: sixFields },
  { weight: 1, arbitrary: fc.constantFrom(...NICKNAMES) },
);

const start = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2060, 0, 1) }).map((ms) => new Date(ms));
const COUNT = 12;

/** cron-parser's own iteration from `now`, or null when it refuses the line. */
function cronParserTimes(text: string, zone: string, now: Date): string[] | null {
  let expression;
  try {
    expression = CronExpressionParser.parse(text === '@midnight' ? '@daily' : text, { currentDate: now, tz: zone });
  } catch {
    return null;
  }
  return expression.take(COUNT).map((date) => date.toISOString() as string);
}

describe('crontab lines: CronTrigger.fromCrontab against cron-parser 5 (seeded differential)', () => {
  it('accepts what cron-parser accepts and fires at its instants, in UTC and fixed-offset zones', function () {
    this.timeout(120_000);
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(line, fc.constantFrom(...ZONES), start, (text, zone, now) => {
        const expected = cronParserTimes(text, zone, now);
        if (expected === null) {
          refused += 1;
          expect(() => CronTrigger.fromCrontab(text, { timezone: zone }), text).to.throw(ValidationError, /Invalid crontab/);
          return;
        }
        accepted += 1;
        const trigger = CronTrigger.fromCrontab(text, { timezone: zone });
        expect(trigger.toJSON(), text).to.deep.equal({ trigger: 'cron', crontab: text, timezone: zone });
        expect(fireTimes(trigger, now, expected.length), `${text} in ${zone} from ${now.toISOString()}`).to.deep.equal(expected);
      }),
      { seed: 20260308, numRuns: 1000 },
    );
    // The generator must exercise both sides, or the comparison proves little.
    expect(accepted).to.be.greaterThan(350);
    expect(refused).to.be.greaterThan(100);
  });
});
