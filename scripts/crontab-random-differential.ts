// A seeded differential of random crontab lines against cron-parser 5, in code and over REST:
//
//   npx tsx scripts/crontab-random-differential.ts [LINES] [SEED]
//
// For each line (every feature of README's "Crontab lines": names in mixed case, nicknames with
// @midnight, L / 5L / 1#2, 0 and 7 as Sunday, ?, steps, 6 fields with seconds, both day fields, and
// lines cron-parser refuses, @reboot, never-firing ones, odd spacing) in a zone without DST:
//  - CronTrigger.fromCrontab accepts exactly what cron-parser accepts (else ValidationError) and
//    fires at cron-parser's instants from a random `now`;
//  - POST /jobs {"trigger": "cron", "crontab": line, "timezone": zone} on a memory-store server
//    answers 200 with the line as written, next_run_time = cron-parser's next fire time, and the
//    job's preview continues as cron-parser does; with a start_date, next_run_time is exactly the
//    first fire time at or after it; a refused line gets 400 with error_message and stores nothing.
// Prints the counts and every mismatch; exits 1 on any.
import { CronExpressionParser } from 'cron-parser';
import { ValidationError } from '../src/errors.js';
import { CronTrigger } from '../src/triggers/cron/cron-trigger.js';
import { startTestServer } from '../test/http/http-harness.js';
import { fireTimes } from '../test/triggers/fixture-replay.js';

const LINES = Number(process.argv[2] ?? 600);
let seed = Number(process.argv[3] ?? 20261203) >>> 0;
/** mulberry32: a small seeded PRNG, so a run is reproducible. */
function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const mixedCase = (name: string) => Array.from(name).map((c) => (random() < 0.5 ? c.toUpperCase() : c)).join('');

const ZONES = ['UTC', 'Etc/GMT-5', 'Etc/GMT+11', 'Asia/Kolkata', 'Asia/Kathmandu', 'Etc/GMT-14', 'Asia/Tokyo', 'Africa/Nairobi'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@weekdays', '@weekends', '@minutely', '@reboot', '@DAILY', '@Hourly', '@every'];
const COUNT = 10;

function valueOf(n: number, min: number, names: readonly string[] | null): string {
  const name = names?.[n - min];
  return name !== undefined && random() < 0.5 ? mixedCase(name) : String(n);
}

function atom(min: number, max: number, names: readonly string[] | null): string {
  const a = int(min, max);
  const b = int(a, max);
  const step = int(1, Math.max(2, Math.ceil((max - min) / 2)));
  const roll = random();
  if (roll < 0.2) return '*';
  if (roll < 0.3) return `*/${step}`;
  if (roll < 0.55) return valueOf(a, min, names);
  if (roll < 0.72) return `${valueOf(a, min, names)}-${valueOf(b, min, names)}`;
  if (roll < 0.82) return `${valueOf(a, min, names)}-${valueOf(b, min, names)}/${step}`;
  if (roll < 0.92) return `${valueOf(a, min, names)}/${step}`;
  if (roll < 0.96) return '?';
  // Refused by cron-parser: out of range, backwards, a zero step, an empty part.
  return pick([String(max + int(1, 3)), `${max}-${min}`, `*/0`, `${min}-`, `${a},`]);
}

/** One atom, or a list of a few (mostly without `*`, which would repeat values: cron-parser refuses duplicates). */
function list(min: number, max: number, names: readonly string[] | null = null): string {
  if (random() < 0.7) return atom(min, max, names);
  const part = () => {
    const a = atom(min, max, names);
    return a.startsWith('*') || a === '?' ? (random() < 0.9 ? valueOf(int(min, max), min, names) : a) : a;
  };
  return Array.from({ length: int(2, 3) }, part).join(',');
}

function dayOfMonth(): string {
  const roll = random();
  if (roll < 0.35) return '*';
  if (roll < 0.42) return '?';
  if (roll < 0.52) return 'L';
  if (roll < 0.6) return `${list(1, 31)},L`;
  return list(1, 31);
}

function dayOfWeek(): string {
  const roll = random();
  if (roll < 0.35) return '*';
  if (roll < 0.4) return '?';
  if (roll < 0.5) return `${int(0, 7)}L`;
  if (roll < 0.55) return `${list(0, 7, DAYS)},${int(0, 7)}L`;
  if (roll < 0.65) return `${random() < 0.5 ? int(0, 7) : mixedCase(pick(DAYS))}#${int(1, 5)}`;
  if (roll < 0.68) return pick(['L', '1#6', '1#0', '1,2#3', '8', 'sunday', 'xyz']);
  return list(0, 7, DAYS);
}

const month = () => (random() < 0.55 ? '*' : list(1, 12, MONTHS));

function line(): string {
  const roll = random();
  if (roll < 0.08) return pick(NICKNAMES);
  if (roll < 0.12) return pick(['0 0 31 2 *', '0 0 30 2 *', '0 0 30,31 feb *', '0 0 31 4,6,9,11 *', '0 0 29 2 *', '0 0 31 2 mon', '* * * *', '* * * * * * *', '', '0 H * * *', '0 0 L 2 *']);
  const fields = [list(0, 59), list(0, 23), dayOfMonth(), month(), dayOfWeek()];
  if (random() < 0.25) fields.unshift(list(0, 59));
  const space = () => pick([' ', ' ', ' ', '  ', '\t']);
  const text = fields.map((field, i) => (i === 0 ? field : `${space()}${field}`)).join('');
  return random() < 0.05 ? ` ${text} ` : text;
}

/** cron-parser's fire times strictly after `from`, or null when it refuses the line. */
function reference(text: string, tz: string, from: Date, count: number): string[] | null {
  try {
    return CronExpressionParser.parse(text === '@midnight' ? '@daily' : text, { currentDate: from, tz }).take(count).map((d) => d.toISOString() as string);
  } catch (error) {
    const reason = (error as Error).message.replace(/\d+/g, 'N').replace(/"[^"]*"|`[^`]*`/g, '…');
    refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
    return null;
  }
}
/** Why cron-parser refused lines, digits and quoted parts masked: what the refused side covered. */
const refusals = new Map<string, number>();

const mismatches: string[] = [];
const fail = (what: string) => mismatches.push(what);
const iso = (t: string) => new Date(t).toISOString();
const server = await startTestServer('memory');
let accepted = 0;
let refused = 0;
try {
  for (let n = 0; n < LINES; n += 1) {
    const text = line();
    const zone = pick(ZONES);
    const now = new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 34 * 365 * 86_400_000));
    // cron-parser pads a line of fewer than 5 fields; jobclock refuses it (README).
    const fieldCount = text.trim().split(/\s+/).length;
    // Hashed H values are refused by design (README: cron-parser draws them from a random seed).
    const expected = (!text.startsWith('@') && fieldCount < 5) || /H/.test(text.replace(/[a-z]{3}/gi, '')) ? null : reference(text, zone, now, COUNT);
    const label = `${JSON.stringify(text)} in ${zone}`;
    // In code.
    if (expected === null) {
      refused += 1;
      try {
        CronTrigger.fromCrontab(text, { timezone: zone });
        fail(`${label}: cron-parser refuses, fromCrontab accepts`);
      } catch (error) {
        if (!(error instanceof ValidationError)) fail(`${label}: threw ${String(error)}, not ValidationError`);
      }
    } else {
      accepted += 1;
      try {
        const ours = fireTimes(CronTrigger.fromCrontab(text, { timezone: zone }), now, COUNT);
        if (JSON.stringify(ours) !== JSON.stringify(expected)) fail(`${label} from ${now.toISOString()}:\n  cron-parser ${expected.join(' ')}\n  jobclock    ${ours.join(' ')}`);
      } catch (error) {
        fail(`${label}: cron-parser accepts, fromCrontab throws ${String(error)}`);
      }
    }
    // Over REST: POST, the job JSON, next_run_time and the preview after it.
    const id = `j${n}`;
    const withStart = random() < 0.4;
    const start = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const body = { id, func: 'examples:echo', trigger: 'cron', crontab: text, timezone: zone, ...(withStart ? { start_date: start.toISOString() } : {}) };
    const before = Date.now();
    const r = await server.call('POST', '/jobs', body);
    const after = Date.now();
    const json = r.json as Record<string, unknown> | undefined;
    if (expected === null) {
      if (r.status !== 400 || typeof json?.error_message !== 'string') fail(`${label}: REST answered ${r.status} ${r.text.slice(0, 200)}, not 400 {error_message}`);
      if ((await server.call('GET', `/jobs/${id}`)).status !== 404) fail(`${label}: a refused line was stored`);
      continue;
    }
    if (r.status !== 200 || json === undefined) {
      fail(`${label}: REST answered ${r.status} ${r.text.slice(0, 200)}`);
      continue;
    }
    if (json.crontab !== text || json.trigger !== 'cron' || json.timezone !== zone) fail(`${label}: job JSON shows ${JSON.stringify({ trigger: json.trigger, crontab: json.crontab, timezone: json.timezone })}`);
    const next = typeof json.next_run_time === 'string' ? iso(json.next_run_time) : null;
    // A start_date still ahead (the random `now` is in 2026–2060) decides exactly; one already past does not.
    const candidates = withStart && start.getTime() > after
      ? [reference(text, zone, new Date(start.getTime() - 1000), 1)?.[0]]
      : [reference(text, zone, new Date(before - 1), 1)?.[0], reference(text, zone, new Date(after), 1)?.[0]];
    if (next === null || !candidates.includes(next)) fail(`${label}: next_run_time ${String(json.next_run_time)}, cron-parser ${candidates.join(' or ')}`);
    if (next !== null) {
      const preview = await server.call('GET', `/jobs/${id}/preview?count=${COUNT}`);
      const times = ((preview.json as { fire_times?: string[] } | undefined)?.fire_times ?? []).map(iso);
      const wanted = [next, ...(reference(text, zone, new Date(next), COUNT - 1) ?? [])];
      if (JSON.stringify(times) !== JSON.stringify(wanted)) fail(`${label}: preview ${times.join(' ')}\n  cron-parser ${wanted.join(' ')}`);
    }
    await server.call('DELETE', `/jobs/${id}`);
  }
} finally {
  await server.stop();
}
console.log(`${LINES} lines: ${accepted} accepted, ${refused} refused by cron-parser; ${mismatches.length} mismatches`);
for (const [reason, count] of [...refusals].sort((a, b) => b[1] - a[1])) console.log(`  refused ${count}× ${reason}`);
for (const m of mismatches) console.log(`  ${m}`);
process.exitCode = mismatches.length === 0 ? 0 : 1;
