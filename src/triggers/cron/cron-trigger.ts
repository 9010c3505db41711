import { ValidationError } from '../../errors.js';
import { describe, parseOptionalDate, type DateInput, rejectUnknownOptions, requireOrderedDates } from '../dates.js';
import { applyJitter, parseJitter, type RandomSource } from '../jitter.js';
import { dateToWall, formatInZone, requireTimezone, wallToDate, zoneNamed, type WallDate, type Zone } from '../timezone.js';
import type { Trigger, TriggerContext, TriggerFactory, TriggerJSON } from '../trigger.js';
import { cronFieldError, WEEKDAYS } from './expressions.js';
import { buildCronFields, CRON_FIELD_NAMES, nextMatchingWallDate, type CronField, type CronFieldName } from './fields.js';

/** A cron field: an APScheduler expression string (`'*\/5'`, `'mon-fri'`, `'last fri'`) or a number. */
export type CronFieldValue = string | number;

/** APScheduler 3's `CronTrigger` options, with its snake_case names. */
export type CronTriggerOptions = {
  readonly [name in CronFieldName]?: CronFieldValue | null;
} & {
  /** Earliest possible fire time (inclusive). */
  readonly start_date?: DateInput | null;
  /** Latest possible fire time (inclusive). */
  readonly end_date?: DateInput | null;
  /** IANA zone the fields are read in; defaults to the scheduler's. */
  readonly timezone?: string;
  /** Delay each fire time by up to this many seconds, at random. */
  readonly jitter?: number | null;
};

const DAY_MS = 86_400_000;
const OPTION_KEYS: readonly string[] = [...CRON_FIELD_NAMES, 'start_date', 'end_date', 'timezone', 'jitter'];

/**
 * Fires when the wall-clock time in `timezone` matches every field, as APScheduler 3.9's
 * `CronTrigger`: same fields, defaults, expression syntax (`*`, `*\/n`, `a-b/n`, lists, `jan`, `mon-fri`,
 * `last`, `last fri`, `1st mon`, ISO `week`, `year`), `day_of_week` with 0 = Monday, and the same
 * sequences of fire times.
 *
 * Daylight saving time is where it deliberately differs from APScheduler 3 (which works on pytz
 * datetimes and lets the clock change leak into its arithmetic): a wall time that does not exist
 * (clocks go forward) is skipped, and a wall time that occurs twice (clocks go back) fires once, at
 * its later occurrence — the one pytz's `localize(is_dst=False)` picks, so daily schedules match
 * APScheduler 3. APScheduler 3 instead fires a non-existent time one DST shift late, and can fire a
 * repeated time twice.
 *
 * @example
 * const weekdays = new CronTrigger({ day_of_week: 'mon-fri', hour: 9, minute: 30, timezone: 'Europe/London' })
 * weekdays.getNextFireTime(null, new Date('2030-03-29T12:00:00Z')) // Mon 2030-04-01 09:30 BST
 */
export class CronTrigger implements Trigger {
  readonly kind = 'cron' as const;
  readonly timezone: string;
  readonly startDate: Date | null;
  readonly endDate: Date | null;
  readonly jitter: number | null;
  readonly fields: readonly CronField[];
  private readonly zone: Zone;
  /** Scratch space for the search: reused so the hot path allocates only its result. */
  private readonly scratch: WallDate = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };

  constructor(
    options: CronTriggerOptions = {},
    context: Partial<TriggerContext> = {},
    private readonly random: RandomSource = Math.random,
  ) {
    this.timezone = requireTimezone(options.timezone ?? context.timezone ?? 'UTC');
    this.zone = zoneNamed(this.timezone);
    this.startDate = parseOptionalDate(options.start_date, 'start_date', this.timezone);
    this.endDate = parseOptionalDate(options.end_date, 'end_date', this.timezone);
    requireOrderedDates(this.startDate, this.endDate, this.timezone);
    this.jitter = parseJitter(options.jitter);
    this.fields = buildCronFields(readFieldValues(options));
  }

  /**
   * A trigger from a standard five-field crontab line, `minute hour day month day_of_week`.
   *
   * Unlike APScheduler 3, whose `from_crontab` passes the day-of-week field through unchanged (so
   * its `0` means Monday — a known bug), the day of week here has its crontab meaning: 0 and 7 are
   * Sunday, 1 is Monday … 6 is Saturday, and `sun`…`sat` names work too. As in APScheduler (and
   * unlike Vixie cron), a line restricting both day and day of week needs both to match.
   *
   * @example
   * CronTrigger.fromCrontab('30 9 * * 1-5', 'Europe/London') // 09:30 Monday to Friday
   * CronTrigger.fromCrontab('0 0 * * 0').toJSON().day_of_week // 'sun'
   */
  static fromCrontab(expression: string, timezone?: string, context: Partial<TriggerContext> = {}): CronTrigger {
    if (typeof expression !== 'string') {
      throw new ValidationError(`A crontab expression must be a string, got ${describe(expression)}`);
    }
    const values = expression.trim().split(/\s+/);
    if (values.length !== 5) {
      throw new ValidationError(`Wrong number of fields in crontab expression ${JSON.stringify(expression)}: got ${values.length}, expected 5`);
    }
    const [minute, hour, day, month, dayOfWeek] = values as [string, string, string, string, string];
    return new CronTrigger(
      { minute, hour, day, month, day_of_week: crontabDayOfWeek(dayOfWeek), ...(timezone === undefined ? {} : { timezone }) },
      context,
    );
  }

  getNextFireTime(previousFireTime: Date | null, now: Date): Date | null {
    let start: number;
    if (previousFireTime) {
      // Strictly after the previous fire time, but never later than now (a clock set back re-fires).
      const previous = previousFireTime.getTime();
      start = Math.min(now.getTime(), previous + 1);
      if (start === previous) start += 1;
    } else {
      start = this.startDate ? Math.max(now.getTime(), this.startDate.getTime()) : now.getTime();
    }
    const fireTime = this.nextMatch(Math.ceil(start / 1000) * 1000);
    if (fireTime === null || (this.endDate && fireTime > this.endDate.getTime())) return null;
    const jittered = applyJitter(new Date(fireTime), this.jitter, this.random);
    return this.endDate && jittered > this.endDate ? this.endDate : jittered;
  }

  /**
   * Catch-up (see catch-up.ts): the first un-jittered fire time ≥ `time`, one search, as
   * getNextFireTime from just before `time`; `current` itself when `time` is not after it. The last
   * fire time before now and counts are derived from this by catch-up.ts (binary search, bounded walk).
   */
  getFireTimeAtOrAfter(current: Date, time: Date, _now: Date): Date | null {
    if (time.getTime() <= current.getTime()) return current;
    const fireTime = this.nextMatch(Math.ceil(time.getTime() / 1000) * 1000);
    return fireTime === null || (this.endDate && fireTime > this.endDate.getTime()) ? null : new Date(fireTime);
  }

  /** The first instant ≥ `instant` (a whole second) whose wall time matches, DST rules applied. */
  private nextMatch(instant: number): number | null {
    const limitWall = this.endDate ? this.zone.toWall(this.endDate.getTime()) + DAY_MS : Infinity;
    // Inside the first pass of a repeated hour nothing fires (repeated times fire at their later
    // occurrence), and every repeated wall time is still ahead: search from the repeat's start.
    let wall = this.zone.repeatStartWall(instant) ?? this.zone.toWall(instant);
    for (;;) {
      if (!nextMatchingWallDate(this.fields, wallToDate(wall, this.scratch), limitWall)) return null;
      const mapping = this.zone.fromWall(dateToWall(this.scratch));
      if (mapping.kind === 'unique') return mapping.instant;
      if (mapping.kind === 'ambiguous') return mapping.later;
      wall = mapping.gapEndWall; // the time does not exist today: go on from the first one that does
    }
  }

  toJSON(): TriggerJSON {
    const json: Record<string, string | number> = {};
    for (const field of this.fields) if (!field.isDefault) json[field.name] = field.toString();
    if (this.startDate) json.start_date = formatInZone(this.startDate, this.timezone);
    if (this.endDate) json.end_date = formatInZone(this.endDate, this.timezone);
    json.timezone = this.timezone;
    if (this.jitter !== null) json.jitter = this.jitter;
    return { trigger: 'cron', ...json };
  }

  /** APScheduler's `str()`: `cron[hour='2', minute='30']`. */
  toString(): string {
    const options = this.fields.filter((f) => !f.isDefault).map((f) => `${f.name}='${f.toString()}'`);
    return `cron[${options.join(', ')}]`;
  }
}

function readFieldValues(options: CronTriggerOptions): Partial<Record<CronFieldName, CronFieldValue>> {
  const values: Partial<Record<CronFieldName, CronFieldValue>> = {};
  for (const name of CRON_FIELD_NAMES) {
    const value: unknown = options[name];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value) && value >= 0)) {
      values[name] = value;
    } else {
      throw cronFieldError(name, `expected an expression string or a non-negative integer, got ${describe(value)}`);
    }
  }
  return values;
}

const CRONTAB_DOW_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const CRONTAB_DOW_PART = /^(?:\*|([a-z]+|\d+)(?:-([a-z]+|\d+))?)(?:\/(\d+))?$/i;

/**
 * Rewrites a crontab day-of-week field (0/7 = Sunday) as an APScheduler one (0 = Monday), spelled
 * with names so the stored form cannot be misread: `1-5` → `mon-fri`, `0` → `sun`, `*` → `*`.
 */
function crontabDayOfWeek(field: string): string {
  const days = new Set<number>();
  for (const part of field.split(',')) {
    const match = CRONTAB_DOW_PART.exec(part);
    if (!match) throw cronFieldError('day_of_week', `${JSON.stringify(part)} is not a valid crontab day of week (0-7 or sun-sat)`);
    const first = match[1] === undefined ? 0 : crontabDay(match[1]);
    const last = match[2] !== undefined ? crontabDay(match[2]) : match[1] === undefined || match[3] !== undefined ? 7 : first;
    const step = match[3] === undefined ? 1 : Number(match[3]);
    if (step === 0) throw cronFieldError('day_of_week', `step must be at least 1 in ${JSON.stringify(part)}`);
    if (first > last) throw cronFieldError('day_of_week', `range ${JSON.stringify(part)} starts after it ends`);
    // Crontab 0 and 7 are Sunday, APScheduler's 6; crontab 1 (Monday) is APScheduler's 0.
    for (let day = first; day <= last; day += step) days.add((day + 6) % 7);
  }
  return apschedulerDayOfWeek([...days].sort((a, b) => a - b));
}

function crontabDay(text: string): number {
  const named = CRONTAB_DOW_NAMES.indexOf(text.toLowerCase());
  const value = /^\d+$/.test(text) ? Number(text) : named;
  if (value < 0 || value > 7) {
    throw cronFieldError('day_of_week', `${JSON.stringify(text)} is not a crontab day of week (0-7 or sun-sat)`);
  }
  return value;
}

/** Sorted APScheduler weekdays as the shortest list of name ranges. */
function apschedulerDayOfWeek(days: readonly number[]): string {
  if (days.length === 7) return '*';
  const runs: string[] = [];
  for (let i = 0; i < days.length; ) {
    let j = i;
    while (j + 1 < days.length && (days[j + 1] as number) === (days[j] as number) + 1) j += 1;
    const first = WEEKDAYS[days[i] as number];
    runs.push(j === i ? `${first}` : `${first}-${WEEKDAYS[days[j] as number]}`);
    i = j + 1;
  }
  return runs.join(',');
}

/**
 * Builds cron triggers from job options (`{ hour: '2', minute: 30, timezone: 'Europe/London' }`).
 *
 * @example
 * cronTriggerFactory.create({ day_of_week: 'mon-fri', hour: 9 }, { timezone: 'UTC', now: new Date() })
 */
export const cronTriggerFactory: TriggerFactory = {
  kind: 'cron',
  optionKeys: OPTION_KEYS,
  create(options, context) {
    rejectUnknownOptions('cron', options, OPTION_KEYS);
    return new CronTrigger(options, context);
  },
};
