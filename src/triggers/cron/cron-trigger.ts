import { ValidationError } from '../../errors.js';
import { describe, parseOptionalDate, type DateInput, rejectUnknownOptions, requireOrderedDates } from '../dates.js';
import { applyJitter, parseJitter, type RandomSource } from '../jitter.js';
import { dateToWall, formatInZone, requireTimezone, wallToDate, zoneNamed, type WallDate, type Zone } from '../timezone.js';
import type { Trigger, TriggerContext, TriggerFactory, TriggerJSON } from '../trigger.js';
import { parseCrontab } from './crontab.js';
import { cronFieldError } from './expressions.js';
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
  /** A crontab line (`'0 9 * * mon-fri'`, `'@daily'`) instead of the keyword fields; see {@link CronTrigger.fromCrontab}. */
  readonly crontab?: string | null;
};

/** What {@link CronTrigger.fromCrontab} takes besides the line. */
export type CrontabOptions = Pick<CronTriggerOptions, 'start_date' | 'end_date' | 'timezone' | 'jitter'>;

const DAY_MS = 86_400_000;
const OPTION_KEYS: readonly string[] = [...CRON_FIELD_NAMES, 'crontab', 'start_date', 'end_date', 'timezone', 'jitter'];

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
  /** The crontab line exactly as given, or null for a trigger built from keyword fields. */
  readonly crontab: string | null;
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
    this.crontab = options.crontab ?? null;
    this.fields = this.crontab === null ? buildCronFields(readFieldValues(options)) : crontabFields(this.crontab, options);
  }

  /**
   * A trigger from a crontab line in cron-parser 5's dialect: 5 fields (`minute hour day month
   * day-of-week`) or 6 with seconds first, names in any case, lists, ranges, steps, `L` (last day of
   * the month), `5L` (last Friday), `1#2` (second Monday), 0 and 7 = Sunday, `?`, and the nicknames
   * `@yearly` `@annually` `@monthly` `@weekly` `@daily` `@midnight` `@hourly` (and cron-parser's
   * `@minutely` `@secondly` `@weekdays` `@weekends`). When both day fields are restricted a day
   * matches when either does (Vixie cron's rule, not APScheduler's `from_crontab`, which needs both).
   * The job JSON shows the line as written. The second argument may be a zone name alone.
   *
   * @example
   * CronTrigger.fromCrontab('0 9 * * mon-fri', { timezone: 'Europe/Paris' }) // 09:00 Monday to Friday
   * CronTrigger.fromCrontab('0 0 13 * fri').toJSON() // { trigger: 'cron', crontab: '0 0 13 * fri', timezone: 'UTC' }
   */
  static fromCrontab(line: string, options: CrontabOptions | string = {}, context: Partial<TriggerContext> = {}): CronTrigger {
    const rest = typeof options === 'string' ? { timezone: options } : options;
    return new CronTrigger({ ...rest, crontab: line }, context);
  }

  getNextFireTime(previousFireTime: Date | null, now: Date): Date | null {
    let start: number;
    if (previousFireTime) {
      // Strictly after the previous fire time, but never later than now (a clock set back re-fires).
      const previous = previousFireTime.getTime();
      start = Math.min(now.getTime(), previous + 1);
      if (start === previous) start += 1;
    } else if (this.startDate && this.startDate > now) {
      start = this.startDate.getTime();
    } else {
      // A crontab line's first fire time is strictly after now, as cron-parser's next() (and cron,
      // which never fires the minute it reads the line); APScheduler's keyword cron includes now.
      start = this.crontab === null ? now.getTime() : now.getTime() + 1;
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
    if (this.crontab !== null) json.crontab = this.crontab;
    else for (const field of this.fields) if (!field.isDefault) json[field.name] = field.toString();
    if (this.startDate) json.start_date = formatInZone(this.startDate, this.timezone);
    if (this.endDate) json.end_date = formatInZone(this.endDate, this.timezone);
    json.timezone = this.timezone;
    if (this.jitter !== null) json.jitter = this.jitter;
    return { trigger: 'cron', ...json };
  }

  /** APScheduler's `str()`: `cron[hour='2', minute='30']`. */
  toString(): string {
    if (this.crontab !== null) return `cron[crontab=${JSON.stringify(this.crontab)}]`;
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

/** A crontab line's fields; the line stands alone, so keyword fields beside it are an error. */
function crontabFields(line: string, options: CronTriggerOptions): CronField[] {
  const mixed = CRON_FIELD_NAMES.filter((name) => options[name] !== undefined && options[name] !== null);
  if (mixed.length > 0) {
    throw new ValidationError(`crontab cannot be combined with keyword cron fields (got ${mixed.join(', ')}); give one or the other`);
  }
  return parseCrontab(line);
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
