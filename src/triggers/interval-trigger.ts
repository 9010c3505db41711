import { ValidationError } from '../errors.js';
import { describe, LATEST_DATE_MS, parseOptionalDate, rejectUnknownOptions, requireOrderedDates, type DateInput } from './dates.js';
import { applyJitter, parseJitter, type RandomSource } from './jitter.js';
import { formatInZone, requireTimezone } from './timezone.js';
import type { Trigger, TriggerContext, TriggerFactory, TriggerJSON } from './trigger.js';

/** The units an interval is given in, with their length in milliseconds. */
const MAX_INTERVAL_MS = 1000 * 366 * 86_400_000;
const UNITS = { weeks: 604_800_000, days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1000 } as const;
type IntervalUnit = keyof typeof UNITS;
const UNIT_NAMES = Object.keys(UNITS) as IntervalUnit[];

/** APScheduler 3's `IntervalTrigger` options. */
export type IntervalTriggerOptions = {
  /** Non-negative; fractions allowed. All zero means one second, as in APScheduler. */
  readonly [unit in IntervalUnit]?: number | null;
} & {
  /** The first fire time (later ones follow every interval); defaults to now + interval. */
  readonly start_date?: DateInput | null;
  /** Latest possible fire time (inclusive). */
  readonly end_date?: DateInput | null;
  readonly timezone?: string;
  /** Delay each fire time by up to this many seconds, at random. */
  readonly jitter?: number | null;
};

const OPTION_KEYS: readonly string[] = [...UNIT_NAMES, 'start_date', 'end_date', 'timezone', 'jitter'];

/**
 * Fires every interval from `start_date`, as APScheduler 3's `IntervalTrigger`. Arithmetic is in
 * absolute time, so a 24-hour interval stays 24 hours apart across a DST change (as APScheduler 3
 * with pytz's `normalize`); use a cron trigger for "every day at 09:00".
 *
 * @example
 * const every5 = new IntervalTrigger({ minutes: 5, start_date: '2030-01-01T00:00:00Z' })
 * every5.getNextFireTime(null, new Date('2030-01-01T00:07:00Z')) // 2030-01-01T00:10:00Z
 */
export class IntervalTrigger implements Trigger {
  readonly kind = 'interval' as const;
  readonly timezone: string;
  /** The interval in milliseconds (microsecond fractions kept, as Python's `timedelta`). */
  readonly intervalMs: number;
  readonly startDate: Date;
  readonly endDate: Date | null;
  readonly jitter: number | null;
  /** The units as given (non-zero ones), so JSON shows `{ minutes: 90 }` rather than a normalised form. */
  private readonly units: Readonly<Partial<Record<IntervalUnit, number>>>;

  constructor(
    options: IntervalTriggerOptions,
    context: Partial<TriggerContext> = {},
    private readonly random: RandomSource = Math.random,
  ) {
    const units: Partial<Record<IntervalUnit, number>> = {};
    let length = 0;
    for (const unit of UNIT_NAMES) {
      const value: unknown = options[unit];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new ValidationError(`${unit} must be a non-negative number, got ${describe(value)}`);
      }
      if (value > 0) units[unit] = value;
      length += value * UNITS[unit];
    }
    // timedelta keeps microseconds; APScheduler replaces a zero interval by one second.
    length = Math.round(length * 1000) / 1000;
    if (length > MAX_INTERVAL_MS) {
      throw new ValidationError(`The interval must be at most 1000 years, got ${describe(options.weeks ?? options.days ?? options.hours ?? options.minutes ?? options.seconds)}`);
    }
    this.intervalMs = length > 0 ? length : 1000;
    this.units = length > 0 ? units : { seconds: 1 };
    this.timezone = requireTimezone(options.timezone ?? context.timezone ?? 'UTC');
    this.startDate = parseOptionalDate(options.start_date, 'start_date', this.timezone)
      ?? new Date((context.now ?? new Date()).getTime() + this.intervalMs);
    this.endDate = parseOptionalDate(options.end_date, 'end_date', this.timezone);
    requireOrderedDates(this.startDate, this.endDate, this.timezone);
    this.jitter = parseJitter(options.jitter);
  }

  getNextFireTime(previousFireTime: Date | null, now: Date): Date | null {
    const start = this.startDate.getTime();
    let next: number;
    if (previousFireTime) {
      next = previousFireTime.getTime() + this.intervalMs;
    } else if (start > now.getTime()) {
      next = start;
    } else {
      // The first whole interval at or after now, counted from the start.
      next = start + this.intervalMs * Math.ceil((now.getTime() - start) / this.intervalMs);
    }
    // Past the last representable date (year 9999) the trigger is finished.
    if (next > LATEST_DATE_MS) return null;
    const fireTime = applyJitter(new Date(next), this.jitter, this.random);
    return this.endDate && fireTime > this.endDate ? null : fireTime;
  }

  toJSON(): TriggerJSON {
    return {
      trigger: 'interval',
      ...this.units,
      start_date: formatInZone(this.startDate, this.timezone),
      ...(this.endDate ? { end_date: formatInZone(this.endDate, this.timezone) } : {}),
      timezone: this.timezone,
      ...(this.jitter === null ? {} : { jitter: this.jitter }),
    };
  }

  /** APScheduler's `str()`, Python's `timedelta` form: `interval[0:05:00]`, `interval[1 day, 2:00:00]`. */
  toString(): string {
    const days = Math.floor(this.intervalMs / UNITS.days);
    const rest = this.intervalMs - days * UNITS.days;
    const hours = Math.floor(rest / UNITS.hours);
    const minutes = Math.floor((rest % UNITS.hours) / UNITS.minutes);
    const seconds = Math.floor((rest % UNITS.minutes) / 1000);
    const micros = Math.round((rest % 1000) * 1000);
    const clock = `${hours}:${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}${micros ? `.${String(micros).padStart(6, '0')}` : ''}`;
    return `interval[${days ? `${days} day${days === 1 ? '' : 's'}, ` : ''}${clock}]`;
  }
}

/**
 * Builds interval triggers from job options; without `start_date` the first fire is one interval
 * after `context.now`.
 *
 * @example
 * intervalTriggerFactory.create({ minutes: 5 }, { timezone: 'UTC', now: new Date() })
 */
export const intervalTriggerFactory: TriggerFactory = {
  kind: 'interval',
  optionKeys: OPTION_KEYS,
  create(options, context) {
    rejectUnknownOptions('interval', options, OPTION_KEYS);
    return new IntervalTrigger(options as IntervalTriggerOptions, context);
  },
};
