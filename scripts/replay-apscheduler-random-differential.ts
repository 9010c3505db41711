// Replays the cases of scripts/gen-apscheduler-random-differential.py through jobclock's trigger
// factories (what REST and addJob use) and sorts every difference from APScheduler 3.9.1:
//
//   npx tsx scripts/replay-apscheduler-random-differential.ts [/tmp/apscheduler-random-differential.json]
//
// Prints a count per kind of difference (the documented ones named after README's "Differences
// from APScheduler" rows) and a few examples of each; "unexplained" is what README does not state.
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { cronTriggerFactory } from '../src/triggers/cron/cron-trigger.js';
import { dateTriggerFactory } from '../src/triggers/date-trigger.js';
import { intervalTriggerFactory } from '../src/triggers/interval-trigger.js';
import type { TriggerFactory } from '../src/triggers/trigger.js';
import { fireTimes } from '../test/triggers/fixture-replay.js';

interface RandomCase {
  readonly id: string;
  readonly kind: 'interval' | 'cron' | 'date';
  readonly options: Readonly<Record<string, unknown>>;
  readonly now: string;
  readonly length: number;
  readonly apscheduler: readonly string[] | string;
}

const FACTORIES: Readonly<Record<RandomCase['kind'], TriggerFactory>> = { interval: intervalTriggerFactory, cron: cronTriggerFactory, date: dateTriggerFactory };
const path = process.argv[2] ?? '/tmp/apscheduler-random-differential.json';
const { cases } = JSON.parse(readFileSync(path, 'utf8')) as { cases: RandomCase[] };

function jobclockResult(c: RandomCase): string[] | string {
  try {
    return fireTimes(FACTORIES[c.kind].create(c.options, { timezone: 'UTC', now: new Date(c.now) }), new Date(c.now), c.length);
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

const DATE_KEYS = ['start_date', 'end_date', 'run_date'];
const dates = (c: RandomCase) => DATE_KEYS.map((key) => c.options[key]).filter((value): value is string => typeof value === 'string');

/** Whether an offset change of `zone` lies within a day of `instant`. */
function nearDstChange(zone: unknown, instant: string | undefined): boolean {
  if (typeof zone !== 'string' || zone === '' || instant === undefined) return false;
  const at = DateTime.fromISO(instant, { zone });
  return [-1, 1].some((days) => at.plus({ days }).offset !== at.offset);
}

/** The README row (or "unexplained") a difference falls under. */
function kindOf(c: RandomCase, ours: readonly string[] | string): string {
  const theirs = c.apscheduler;
  const start = c.options.start_date;
  const end = c.options.end_date;
  if (typeof theirs !== 'string' && typeof ours === 'string') {
    if (c.options.timezone === '') return 'refused: timezone ""';
    if (dates(c).some((date) => /^\s|\s$/.test(date))) return 'refused?: surrounding spaces (README says accepted)';
    if (typeof end === 'string' && /end_date .* is before start_date/.test(ours)) return typeof start === 'string' ? 'refused: end_date before start_date' : 'refused: end_date before the implied start (now + interval)';
    if (/1000 years|too long/i.test(ours)) return 'refused: interval over 1000 years';
    return `unexplained: jobclock refuses (${ours.slice(0, 90)})`;
  }
  if (typeof theirs === 'string' && typeof ours !== 'string') {
    if (dates(c).some((date) => /\d[tT]\d|[zZ]$/.test(date) && /[tz]/.test(date))) return 'accepted: lowercase t/z';
    if (dates(c).some((date) => /^\s|\s$/.test(date))) return 'accepted: surrounding spaces';
    if (dates(c).some((date) => /^\S+ \d{1,2}:\d{1,2}$/.test(date.trim()))) return 'accepted: a time without seconds';
    return `unexplained: APScheduler refuses (${theirs.slice(0, 90)})`;
  }
  if (typeof theirs === 'string' || typeof ours === 'string') return 'both refuse';
  const expected = theirs.map((t) => new Date(t).toISOString());
  const at = expected.findIndex((t, i) => ours[i] !== t);
  const i = at >= 0 ? at : Math.min(ours.length, expected.length);
  if (c.kind === 'cron' && (nearDstChange(c.options.timezone, expected[i]) || nearDstChange(c.options.timezone, ours[i]))) return 'DST gap/overlap';
  if (c.kind === 'interval' && Object.values(c.options).some((value) => typeof value === 'number' && !Number.isInteger(value))) return 'fractional interval (no drift)';
  return 'unexplained: different fire times';
}

const kinds = new Map<string, string[]>();
let same = 0;
for (const c of cases) {
  const ours = jobclockResult(c);
  const theirs = c.apscheduler;
  const equal = typeof theirs === 'string' || typeof ours === 'string'
    ? typeof theirs === 'string' && typeof ours === 'string'
    : theirs.length === ours.length && theirs.every((t, i) => new Date(t).toISOString() === ours[i]);
  if (equal) {
    same += 1;
    continue;
  }
  const kind = kindOf(c, ours);
  const detail = `${c.id} ${JSON.stringify(c.options)} now ${c.now}\n      APScheduler: ${JSON.stringify(theirs).slice(0, 200)}\n      jobclock:    ${JSON.stringify(ours).slice(0, 200)}`;
  kinds.set(kind, [...(kinds.get(kind) ?? []), detail]);
}
console.log(`${cases.length} cases: ${same} agree, ${cases.length - same} differ`);
for (const [kind, examples] of [...kinds].sort((a, b) => b[1].length - a[1].length)) {
  console.log(`\n${examples.length}  ${kind}`);
  for (const example of examples.slice(0, 3)) console.log(`    ${example}`);
}
