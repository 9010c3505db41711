import { ValidationError } from '../errors.js';
import { CATCH_UP_STEP_LIMIT, CatchUpLimitError, COUNT_STEP_LIMIT } from './catch-up.js';
import { describe, LATEST_DATE_MS, rejectUnknownOptions, type DateInput } from './dates.js';
import { jitterMicros, parseJitter, type RandomSource } from './jitter.js';
import {
  ceilDiv, dateToMicros, floorDiv, formatMicrosInZone, microsToDate, parseDateOptionMicros, timedeltaMicros, timedeltaSeconds,
  type TimedeltaUnit,
} from './microseconds.js';
import { requireTimezone } from './timezone.js';
import type { Trigger, TriggerContext, TriggerFactory, TriggerJSON } from './trigger.js';

/** The longest interval accepted, in µs: 1000 years. */
const MAX_INTERVAL_MICROS = 1000n * 366n * 86_400_000_000n;
const UNIT_NAMES: readonly TimedeltaUnit[] = ['weeks', 'days', 'hours', 'minutes', 'seconds'];
/** The last µs jobclock represents (Python's `datetime.max` is 9999-12-31 23:59:59.999999). */
const LATEST_MICROS = BigInt(LATEST_DATE_MS) * 1000n + 999n;

/** APScheduler 3's `IntervalTrigger` options. */
export type IntervalTriggerOptions = {
  /** Non-negative; fractions allowed. All zero means one second, as in APScheduler. */
  readonly [unit in TimedeltaUnit]?: number | null;
} & {
  /** The first fire time (later ones follow every interval); defaults to now + interval. Microseconds in a string are kept. */
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
 * The k-th fire time is `start_date + k × interval` computed in integer microseconds, as Python's
 * `datetime + timedelta` does, never by adding floats: `seconds: 0.3` does not drift after a million
 * runs. A fire time is handed out as the millisecond its µs instant lies in (rounded down, see
 * `microsToDate`); from that millisecond the trigger recovers k exactly. A previous fire time that is
 * not on that schedule (a next_run_time set by hand, a jittered run) goes on as APScheduler 3 does,
 * `previous + interval` (so jitter accumulates, as there). An interval under a millisecond fires at
 * most once per millisecond.
 *
 * @example
 * const every5 = new IntervalTrigger({ minutes: 5, start_date: '2030-01-01T00:00:00Z' })
 * every5.getNextFireTime(null, new Date('2030-01-01T00:07:00Z')) // 2030-01-01T00:10:00Z
 */
export class IntervalTrigger implements Trigger {
  readonly kind = 'interval' as const;
  readonly timezone: string;
  /** The interval in whole microseconds, as Python's `timedelta` rounds it. */
  readonly intervalMicros: bigint;
  /** The interval in milliseconds, with its microsecond fraction (for display; the schedule uses µs). */
  readonly intervalMs: number;
  /** `start_date` in epoch µs; `startDate` is its millisecond. */
  readonly startMicros: bigint;
  readonly startDate: Date;
  readonly endMicros: bigint | null;
  readonly endDate: Date | null;
  readonly jitter: number | null;
  /** The units as given (non-zero ones), so JSON shows `{ minutes: 90 }` rather than a normalised form. */
  private readonly units: Readonly<Partial<Record<TimedeltaUnit, number>>>;

  constructor(
    options: IntervalTriggerOptions,
    context: Partial<TriggerContext> = {},
    private readonly random: RandomSource = Math.random,
  ) {
    const units: Partial<Record<TimedeltaUnit, number>> = {};
    for (const unit of UNIT_NAMES) {
      const value: unknown = options[unit];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new ValidationError(`${unit} must be a non-negative number, got ${describe(value)}`);
      }
      if (value > 0) units[unit] = value;
    }
    const micros = timedeltaMicros(units);
    if (micros > MAX_INTERVAL_MICROS) {
      throw new ValidationError(`The interval must be at most 1000 years, got ${describe(options.weeks ?? options.days ?? options.hours ?? options.minutes ?? options.seconds)}`);
    }
    // APScheduler replaces an interval that rounds to zero microseconds by one second.
    this.intervalMicros = micros > 0n ? micros : 1_000_000n;
    this.intervalMs = Number(this.intervalMicros) / 1000;
    this.units = micros > 0n ? units : { seconds: 1 };
    this.timezone = requireTimezone(options.timezone ?? context.timezone ?? 'UTC');
    this.startMicros = options.start_date === undefined || options.start_date === null
      // `now` is required; a plain-JavaScript caller that leaves it out gets the wall clock, as before.
      // eslint-disable-next-line no-restricted-syntax -- see above
      ? dateToMicros(context.now ?? new Date()) + this.intervalMicros
      : parseDateOptionMicros(options.start_date, 'start_date', this.timezone);
    this.startDate = microsToDate(this.startMicros);
    this.endMicros = options.end_date === undefined || options.end_date === null
      ? null
      : parseDateOptionMicros(options.end_date, 'end_date', this.timezone);
    this.endDate = this.endMicros === null ? null : microsToDate(this.endMicros);
    if (this.endMicros !== null && this.endMicros < this.startMicros) {
      throw new ValidationError(
        `end_date (${formatMicrosInZone(this.endMicros, this.timezone)}) is before start_date (${formatMicrosInZone(this.startMicros, this.timezone)})`,
      );
    }
    this.jitter = parseJitter(options.jitter);
  }

  getNextFireTime(previousFireTime: Date | null, now: Date): Date | null {
    let next: bigint;
    if (previousFireTime) {
      next = this.successor(previousFireTime.getTime());
    } else if (this.startMicros > dateToMicros(now)) {
      next = this.startMicros;
    } else {
      // APScheduler's own float division, so the interval number (and any rounding of it) is its.
      const elapsed = timedeltaSeconds(dateToMicros(now) - this.startMicros);
      next = this.startMicros + this.intervalMicros * BigInt(Math.ceil(elapsed / timedeltaSeconds(this.intervalMicros)));
    }
    next += jitterMicros(this.jitter, this.random);
    return this.withinSchedule(next) ? microsToDate(next) : null;
  }

  /**
   * Catch-up (see catch-up.ts): the first fire time ≥ `time` of the sequence from `current`, or
   * `current` itself when `time` is not after it. O(1), except after an off-schedule `current` with
   * an interval that is not whole milliseconds (walked, at most CATCH_UP_STEP_LIMIT steps).
   */
  getFireTimeAtOrAfter(current: Date, time: Date, _now: Date): Date | null {
    const from = current.getTime();
    if (time.getTime() <= from) return current;
    if (this.onSchedule(from)) return this.asFireTime(this.scheduledAtOrAfter(time.getTime()));
    const step = this.wholeMillisStep();
    if (step !== null) return this.asFireTime(BigInt(from + Math.ceil((time.getTime() - from) / step) * step) * 1000n);
    let fire: number | null = from;
    for (let steps = 0; fire !== null && fire < time.getTime(); steps += 1) {
      if (steps === CATCH_UP_STEP_LIMIT) throw new CatchUpLimitError(this.toString());
      fire = this.asFireTime(this.successor(fire))?.getTime() ?? null;
    }
    return fire === null ? null : new Date(fire);
  }

  /** Catch-up: the last fire time ≤ `now` (and ≤ end_date) of the sequence from `current`; `current` when none is after it. */
  getLastFireTimeAtOrBefore(current: Date, now: Date): Date {
    const from = current.getTime();
    const limit = Math.min(now.getTime(), this.lastMillis());
    if (limit <= from) return current;
    if (this.onSchedule(from)) return new Date(Math.max(from, this.lastScheduledAtOrBefore(limit) ?? from));
    const step = this.wholeMillisStep();
    if (step !== null) return new Date(from + Math.floor((limit - from) / step) * step);
    let fire = from;
    for (let steps = 0; ; steps += 1) {
      if (steps === CATCH_UP_STEP_LIMIT) throw new CatchUpLimitError(this.toString());
      // The end_date check is on the µs instant: one that floors to the end's millisecond may still be after it.
      const successor = this.successor(fire);
      const next = microsToDate(successor).getTime();
      if (next > limit || !this.withinSchedule(successor)) return new Date(fire);
      fire = next;
    }
  }

  /** Catch-up: how many fire times lie in [current, before), `current` included; null only when an off-schedule walk would be too long. */
  countFireTimes(current: Date, before: Date): number | null {
    const from = current.getTime();
    if (before.getTime() <= from) return 0;
    const limit = Math.min(before.getTime() - 1, this.lastMillis());
    if (this.onSchedule(from)) return 1 + this.scheduledMillisIn(from + 1, limit);
    const step = this.wholeMillisStep();
    if (step !== null) return 1 + Math.max(0, Math.floor((limit - from) / step));
    let count = 1;
    for (let successor = this.successor(from); this.withinSchedule(successor); successor = this.successor(microsToDate(successor).getTime())) {
      if (microsToDate(successor).getTime() > limit) break;
      if (count === COUNT_STEP_LIMIT) return null;
      count += 1;
    }
    return count;
  }

  /**
   * The µs instant after the fire time at millisecond `ms`. On the schedule from start_date, the
   * next scheduled one (k recovered exactly). Off it (a next_run_time set by hand, a jittered run),
   * APScheduler's `previous + interval`: the schedule goes on from there, at least a millisecond on.
   */
  private successor(ms: number): bigint {
    if (this.onSchedule(ms)) return this.scheduledAtOrAfter(ms + 1);
    const next = BigInt(ms) * 1000n + this.intervalMicros;
    const nextMillisecond = BigInt(ms + 1) * 1000n;
    return next > nextMillisecond ? next : nextMillisecond;
  }

  /** Whether millisecond `ms` holds a scheduled instant (the last one in it when several do). */
  private onSchedule(ms: number): boolean {
    const k = floorDiv(BigInt(ms) * 1000n + 999n - this.startMicros, this.intervalMicros);
    return k >= 0n && this.startMicros + this.intervalMicros * k >= BigInt(ms) * 1000n;
  }

  /** The interval in ms when it is whole milliseconds (off the schedule, steps then stay exact). */
  private wholeMillisStep(): number | null {
    return this.intervalMicros % 1000n === 0n ? Number(this.intervalMicros / 1000n) : null;
  }

  /** The last millisecond a fire time may have (end_date, year 9999). */
  private lastMillis(): number {
    return microsToDate(this.endMicros !== null && this.endMicros < LATEST_MICROS ? this.endMicros : LATEST_MICROS).getTime();
  }

  private asFireTime(micros: bigint): Date | null {
    return this.withinSchedule(micros) ? microsToDate(micros) : null;
  }

  /**
   * The first scheduled µs instant whose millisecond is ≥ `ms`: k = ⌈(ms·1000 − start) / interval⌉,
   * never before the start.
   */
  private scheduledAtOrAfter(ms: number): bigint {
    const k = ceilDiv(BigInt(ms) * 1000n - this.startMicros, this.intervalMicros);
    return this.startMicros + this.intervalMicros * (k > 0n ? k : 0n);
  }

  /** The last scheduled instant whose millisecond is ≤ `ms`, within end_date, as that millisecond. */
  private lastScheduledAtOrBefore(ms: number): number | null {
    let limit = BigInt(ms) * 1000n + 999n;
    if (this.endMicros !== null && this.endMicros < limit) limit = this.endMicros;
    if (limit > LATEST_MICROS) limit = LATEST_MICROS;
    if (limit < this.startMicros) return null;
    const k = floorDiv(limit - this.startMicros, this.intervalMicros);
    return microsToDate(this.startMicros + this.intervalMicros * k).getTime();
  }

  /** How many distinct milliseconds in [fromMs, toMs] hold a scheduled instant (within end_date). */
  private scheduledMillisIn(fromMs: number, toMs: number): number {
    const last = this.lastScheduledAtOrBefore(toMs);
    if (last === null || last < fromMs) return 0;
    const first = microsToDate(this.scheduledAtOrAfter(fromMs)).getTime();
    if (first > last) return 0;
    if (this.intervalMicros < 1000n) return last - first + 1; // a gap under 1 ms: every millisecond holds one
    const firstK = ceilDiv(BigInt(first) * 1000n - this.startMicros, this.intervalMicros);
    const lastK = floorDiv(BigInt(last) * 1000n + 999n - this.startMicros, this.intervalMicros);
    return Number(lastK - firstK) + 1;
  }

  private withinSchedule(micros: bigint): boolean {
    return micros <= LATEST_MICROS && (this.endMicros === null || micros <= this.endMicros);
  }

  toJSON(): TriggerJSON {
    return {
      trigger: 'interval',
      ...this.units,
      start_date: formatMicrosInZone(this.startMicros, this.timezone),
      ...(this.endMicros === null ? {} : { end_date: formatMicrosInZone(this.endMicros, this.timezone) }),
      timezone: this.timezone,
      ...(this.jitter === null ? {} : { jitter: this.jitter }),
    };
  }

  /** APScheduler's `str()`, Python's `timedelta` form: `interval[0:05:00]`, `interval[1 day, 2:00:00]`. */
  toString(): string {
    const total = this.intervalMicros;
    const days = total / 86_400_000_000n;
    const rest = total % 86_400_000_000n;
    const hours = rest / 3_600_000_000n;
    const minutes = (rest % 3_600_000_000n) / 60_000_000n;
    const seconds = (rest % 60_000_000n) / 1_000_000n;
    const micros = rest % 1_000_000n;
    const clock = `${hours}:${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}${micros ? `.${String(micros).padStart(6, '0')}` : ''}`;
    return `interval[${days ? `${days} day${days === 1n ? '' : 's'}, ` : ''}${clock}]`;
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
    return new IntervalTrigger(options, context);
  },
};
