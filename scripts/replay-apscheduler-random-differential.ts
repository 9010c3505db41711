// Replays the cases of scripts/gen-apscheduler-random-differential.py through jobclock's trigger
// factories (what REST and addJob use) and sorts every difference from APScheduler 3.9.1:
//
//   npx tsx scripts/replay-apscheduler-random-differential.ts [/tmp/apscheduler-random-differential.json] [--all]
//
// Prints a count per kind of difference (the documented ones named after README's "Differences
// from APScheduler" rows) and a few examples of each; "unexplained" is what README does not state.
// Each kind checks that difference itself, not merely its circumstances: a refused date must be
// one APScheduler's date regex takes once the documented leniencies are undone, and every fire
// time one side has and the other lacks must be accounted for by a documented rule, or the whole
// case is unexplained.
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { cronTriggerFactory } from '../src/triggers/cron/cron-trigger.js';
import { dateTriggerFactory } from '../src/triggers/date-trigger.js';
import { intervalTriggerFactory } from '../src/triggers/interval-trigger.js';
import type { Trigger, TriggerFactory } from '../src/triggers/trigger.js';
import { fireTimes } from '../test/triggers/fixture-replay.js';

interface RandomCase {
  readonly id: string;
  readonly kind: 'interval' | 'cron' | 'date';
  readonly options: Readonly<Record<string, unknown>>;
  readonly now: string;
  readonly length: number;
  readonly apscheduler: readonly string[] | string;
  /** The fire times APScheduler gave before it raised, when it did. */
  readonly apscheduler_fires_before_error?: readonly string[];
}

const FACTORIES: Readonly<Record<RandomCase['kind'], TriggerFactory>> = { interval: intervalTriggerFactory, cron: cronTriggerFactory, date: dateTriggerFactory };
const args = process.argv.slice(2);
/** `--all` prints every case of every kind (else a few of each, and up to 20 unexplained). */
const printAll = args.includes('--all');
const path = args.find((arg) => !arg.startsWith('--')) ?? '/tmp/apscheduler-random-differential.json';
const { cases } = JSON.parse(readFileSync(path, 'utf8')) as { cases: RandomCase[] };

function create(c: RandomCase): Trigger {
  return FACTORIES[c.kind].create(c.options, { timezone: 'UTC', now: new Date(c.now) });
}

function jobclockResult(c: RandomCase): string[] | string {
  try {
    return fireTimes(create(c), new Date(c.now), c.length);
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

const DATE_KEYS = ['start_date', 'end_date', 'run_date'];
const dates = (c: RandomCase) => DATE_KEYS.map((key) => c.options[key]).filter((value): value is string => typeof value === 'string');

/** APScheduler 3.9.1's `_DATE_REGEX` (util.py), matched as Python's `re.match(…$)`: `$` also before a final newline. */
const APS_DATE = /^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)?)?\n?$/;

/**
 * The documented leniencies (README rows) a date string needs for APScheduler's regex to take it,
 * or null when undoing all of them still leaves a date APScheduler refuses (then the difference is
 * not one of these).
 */
function leniencies(text: string): string[] | null {
  const used: string[] = [];
  let t = text;
  const undo = (name: string, next: string) => {
    if (next !== t) used.push(name);
    t = next;
  };
  undo('surrounding spaces', t.trim());
  undo('lowercase t/z', t.replace(/^(\d{4}-\d{1,2}-\d{1,2})t/, '$1T').replace(/(:\d{1,2}(?:\.\d+)?)z$/, '$1Z'));
  undo('offset without colon', t.replace(/(:\d{1,2}(?:\.\d+)?[+-]\d\d)(\d\d)?$/, (_, head: string, minutes?: string) => `${head}:${minutes ?? '00'}`));
  undo('fraction over 6 digits', t.replace(/(:\d{1,2}\.\d{6})\d+/, '$1'));
  undo('a time without seconds', t.replace(/^(\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{1,2})(Z|[+-]\d\d:\d\d)?$/, (_, head: string, offset?: string) => `${head}:00${offset ?? ''}`));
  return APS_DATE.test(t) ? used : null;
}

const zoneOf = (c: RandomCase) => (typeof c.options.timezone === 'string' && c.options.timezone !== '' ? c.options.timezone : 'UTC');
const wallOf = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ss");
const offsetAt = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).offset;

/** Whether `wall` (`yyyy-MM-ddTHH:mm:ss`) does not exist in `zone` (a DST gap) or exists twice (an overlap). */
function gapOrOverlap(wall: string, zone: string): boolean {
  const at = DateTime.fromISO(wall, { zone });
  if (at.toFormat("yyyy-MM-dd'T'HH:mm:ss") !== wall) return true;
  return [-1, 1].some((hours) => {
    const other = DateTime.fromMillis(at.toMillis() + hours * 3_600_000, { zone });
    return other.offset !== at.offset && other.toFormat("yyyy-MM-dd'T'HH:mm:ss") === wall;
  }) || [-30, 30].some((minutes) => {
    const other = DateTime.fromMillis(at.toMillis() + minutes * 60_000, { zone });
    return other.offset !== at.offset && other.toFormat("yyyy-MM-dd'T'HH:mm:ss") === wall;
  });
}

/** pytz's zone tables end at 2038-01-19T03:14:07Z (32-bit time): past it, APScheduler keeps the last offset. */
const PYTZ_TABLE_END = Date.UTC(2038, 0, 19, 3, 14, 8);

/**
 * The documented kinds explaining two cron fire-time sequences that differ, or null when some fire
 * time one side has and the other lacks fits none. Compared up to where both sequences reach.
 */
function explainCronTimes(c: RandomCase, theirs: readonly string[], ours: readonly string[]): string[] | null {
  const zone = zoneOf(c);
  const ms = (t: string) => Date.parse(t);
  const kinds = new Set<string>();
  // pytz after 2038: APScheduler's wall time is right, its offset frozen; compare the wall time's true instant.
  const theirsMs = theirs.map((t) => (ms(t) < PYTZ_TABLE_END ? ms(t) : DateTime.fromISO(t.slice(0, 19), { zone }).toMillis()));
  const lastOf = (list: readonly number[]) => (list.length === c.length ? list[list.length - 1] as number : Infinity);
  const end = Math.min(lastOf(theirsMs), lastOf(ours.map(ms)));
  const onlyTheirs: string[] = [];
  const onlyOurs = ours.map(ms).filter((o) => o <= end);
  theirs.forEach((t, i) => {
    const at = theirsMs[i] as number;
    if (at > end) return;
    const match = onlyOurs.indexOf(at);
    if (match < 0) {
      onlyTheirs.push(t);
      return;
    }
    onlyOurs.splice(match, 1);
    if (at !== ms(t)) kinds.add('pytz: fixed offsets after 2038');
  });
  /** Removes the fire times `explained` accounts for. */
  const sweep = <T>(list: T[], kind: string, explained: (item: T) => boolean) => {
    for (let i = list.length - 1; i >= 0; i -= 1) {
      if (explained(list[i] as T)) {
        list.splice(i, 1);
        kinds.add(kind);
      }
    }
  };
  // …and a wall time that in truth does not exist or exists twice, which pytz's frozen offset reads once.
  sweep(onlyTheirs, 'pytz: fixed offsets after 2038', (t) => ms(t) >= PYTZ_TABLE_END && gapOrOverlap(t.slice(0, 19), zone));
  // APScheduler's own DST rows: a non-existent wall time fired shifted, a repeated one fired twice or at its first occurrence.
  sweep(onlyTheirs, 'DST gap/overlap', (t) => gapOrOverlap(t.slice(0, 19), zone));
  sweep(onlyOurs, 'DST gap/overlap', (o) => gapOrOverlap(wallOf(o, zone), zone));
  // APScheduler skips the first fire times after the clocks go forward, when its search crosses the
  // change: it lands the shift late, so it misses a run of fire times lying within the shift of the
  // first (00:00–00:59 on 1 April in Paris). Each run of ours it lacks must be such a run.
  const start = Math.max(Date.parse(c.now), (create(c) as { startDate?: Date | null }).startDate?.getTime() ?? -Infinity);
  const oursMs = ours.map(ms);
  const skipped = new Set<number>();
  for (let i = 0; i < oursMs.length; i += 1) {
    const first = oursMs[i] as number;
    if (!onlyOurs.includes(first) || skipped.has(first) || first >= PYTZ_TABLE_END) continue;
    const shift = offsetAt(first, zone) - offsetAt(i > 0 ? oursMs[i - 1] as number : start, zone);
    if (shift <= 0) continue;
    for (let j = i; j < oursMs.length && onlyOurs.includes(oursMs[j] as number) && (oursMs[j] as number) - first < shift * 60_000; j += 1) {
      skipped.add(oursMs[j] as number);
    }
  }
  sweep(onlyOurs, 'skips the first fire times after clocks go forward', (o) => skipped.has(o));
  return onlyTheirs.length === 0 && onlyOurs.length === 0 ? [...kinds] : null;
}

/**
 * APScheduler reads the digits of a fraction under 6 digits as microseconds (`.5` is 5 µs): for a date
 * or interval trigger whose run_date / start_date has such a fraction, how much later (ms) jobclock's
 * fire times are; null otherwise.
 */
function shortFractionShift(c: RandomCase): number | null {
  if (c.kind === 'cron') return null;
  const date = c.options[c.kind === 'date' ? 'run_date' : 'start_date'];
  const digits = typeof date === 'string' ? /:\d{1,2}\.(\d{1,5})(?!\d)/.exec(date)?.[1] : undefined;
  return digits === undefined ? null : Number(`0.${digits}`) * 1000 - Number(digits) / 1000;
}

const sameTimes = (theirs: readonly string[], ours: readonly string[]) =>
  theirs.length === ours.length && theirs.every((t, i) => new Date(t).toISOString() === ours[i]);

/** The cron options as APScheduler 3 reads them: the text after a name, `last` or `2nd fri` dropped; null when none has any. */
function withoutTextAfterNames(c: RandomCase): Record<string, unknown> | null {
  const lead: Readonly<Record<string, RegExp>> = {
    month: /^[a-z]+(?:-[a-z]+)?/i,
    day_of_week: /^[a-z]+(?:-[a-z]+)?/i,
    day: /^(?:(?:1st|2nd|3rd|4th|5th|last) [a-z]+|last)/i,
  };
  let changed = false;
  const options: Record<string, unknown> = { ...c.options };
  for (const [field, pattern] of Object.entries(lead)) {
    const value = options[field];
    if (typeof value !== 'string') continue;
    options[field] = value.split(',').map((part) => {
      const head = pattern.exec(part.trim())?.[0];
      if (head === undefined || head === part.trim()) return part;
      changed = true;
      return head;
    }).join(',');
  }
  return changed ? options : null;
}

const fractionalInterval = (c: RandomCase) =>
  c.kind === 'interval' && Object.values(c.options).some((value) => typeof value === 'number' && !Number.isInteger(value));

/** The README row (or "unexplained") a difference falls under. */
function kindOf(c: RandomCase, ours: readonly string[] | string): string {
  const theirs = c.apscheduler;
  const start = c.options.start_date;
  const end = c.options.end_date;
  if (typeof theirs !== 'string' && typeof ours === 'string') {
    if (c.options.timezone === '' && /^ValidationError: timezone must be/.test(ours)) return 'refused: timezone ""';
    if (theirs.length === 0 && typeof end === 'string' && /^ValidationError: end_date .* is before start_date/.test(ours)) {
      return typeof start === 'string' ? 'refused: end_date before start_date' : 'refused: end_date before the implied start (now + interval)';
    }
    if (c.kind === 'interval' && /^ValidationError: The interval must be at most 1000 years/.test(ours)) return 'refused: interval over 1000 years';
    if (c.kind === 'cron' && /^ValidationError: Invalid cron field "(?:month|day_of_week|day)"/.test(ours)) {
      // APScheduler reads the name (or `last`, `2nd fri`) at the start of the expression and ignores the rest.
      const kept = withoutTextAfterNames(c);
      if (kept !== null) {
        const again = jobclockResult({ ...c, options: kept });
        if (typeof again !== 'string' && (sameTimes(theirs, again) || (explainCronTimes({ ...c, options: kept }, theirs, again)?.length ?? 0) > 0)) {
          return 'refused: text after a month/weekday name (APScheduler ignores it)';
        }
      }
    }
    return `unexplained: jobclock refuses (${ours.slice(0, 90)})`;
  }
  if (typeof theirs === 'string' && typeof ours !== 'string') {
    if (theirs === 'ValueError: Invalid date string') {
      const used = dates(c).filter((date) => !APS_DATE.test(date)).map(leniencies);
      if (used.length > 0 && used.every((u) => u !== null && u.length > 0)) return `accepted: ${[...new Set(used.flat())].sort().join(' + ')}`;
    }
    if (theirs.startsWith('OverflowError') && ours.length < c.length) {
      const before = c.apscheduler_fires_before_error ?? [];
      const slack = fractionalInterval(c) ? 1 : 0; // APScheduler's float drift, the "fractional interval" row
      if (before.every((t, i) => ours[i] !== undefined && Math.abs(Date.parse(t) - Date.parse(ours[i])) <= slack)) return 'APScheduler overflows past year 9999 (jobclock: no further fire time)';
    }
    return `unexplained: APScheduler refuses (${theirs.slice(0, 90)})`;
  }
  if (typeof theirs === 'string' || typeof ours === 'string') return 'both refuse';
  if (fractionalInterval(c) &&
    theirs.length === ours.length && theirs.every((t, i) => Math.abs(Date.parse(t) - Date.parse(ours[i] as string)) <= 1)) {
    return 'fractional interval (no drift)';
  }
  const shift = shortFractionShift(c);
  if (shift !== null && theirs.length === ours.length &&
    theirs.every((t, i) => Math.abs(Date.parse(ours[i] as string) - Date.parse(t) - shift) <= 1)) {
    return 'fraction of under 6 digits read as a decimal, not as microseconds';
  }
  if (c.kind === 'cron') {
    const kinds = explainCronTimes(c, theirs, ours);
    if (kinds !== null && kinds.length > 0) return kinds.sort().join(' + ');
  }
  return 'unexplained: different fire times';
}

const kinds = new Map<string, string[]>();
let same = 0;
for (const c of cases) {
  const ours = jobclockResult(c);
  const theirs = c.apscheduler;
  const equal = typeof theirs === 'string' || typeof ours === 'string'
    ? typeof theirs === 'string' && typeof ours === 'string'
    : sameTimes(theirs, ours);
  if (equal) {
    same += 1;
    continue;
  }
  const kind = kindOf(c, ours);
  const detail = `${c.id} ${JSON.stringify(c.options)} now ${c.now}\n      APScheduler: ${JSON.stringify(theirs).slice(0, 200)}\n      jobclock:    ${JSON.stringify(ours).slice(0, 200)}`;
  kinds.set(kind, [...(kinds.get(kind) ?? []), detail]);
}
const unexplained = [...kinds].filter(([kind]) => kind.startsWith('unexplained')).reduce((n, [, examples]) => n + examples.length, 0);
console.log(`${cases.length} cases: ${same} agree, ${cases.length - same} differ, ${unexplained} unexplained`);
for (const [kind, examples] of [...kinds].sort((a, b) => b[1].length - a[1].length)) {
  console.log(`\n${examples.length}  ${kind}`);
  for (const example of examples.slice(0, printAll ? examples.length : kind.startsWith('unexplained') ? 20 : 3)) console.log(`    ${example}`);
}
