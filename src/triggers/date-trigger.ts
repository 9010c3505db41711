import { ValidationError } from '../errors.js';
import { parseDateOption, rejectUnknownOptions, type DateInput } from './dates.js';
import { applyJitter, parseJitter, type RandomSource } from './jitter.js';
import { formatInZone, requireTimezone } from './timezone.js';
import type { Trigger, TriggerContext, TriggerFactory, TriggerJSON } from './trigger.js';

/** APScheduler 3's `DateTrigger` options. */
export interface DateTriggerOptions {
  /** When to fire. A string without offset is a wall-clock time in `timezone`. */
  readonly run_date: DateInput;
  /** IANA zone for a `run_date` without offset, and for JSON; defaults to the scheduler's. */
  readonly timezone?: string;
  /** Delay the fire time by up to this many seconds, at random. */
  readonly jitter?: number | null;
}

const OPTION_KEYS: readonly string[] = ['run_date', 'timezone', 'jitter'];

/**
 * Fires once, at `run_date`. As in APScheduler 3 the first call returns `run_date` even when it is
 * already past: whether a late run still happens is the scheduler's misfire decision, not the
 * trigger's.
 *
 * @example
 * const once = new DateTrigger({ run_date: '2030-03-31T09:00:00', timezone: 'Europe/London' })
 * once.getNextFireTime(null, new Date()) // 2030-03-31T08:00:00Z
 * once.getNextFireTime(new Date('2030-03-31T08:00:00Z'), new Date()) // null
 */
export class DateTrigger implements Trigger {
  readonly kind = 'date' as const;
  readonly timezone: string;
  readonly runDate: Date;
  readonly jitter: number | null;

  constructor(
    options: DateTriggerOptions,
    context: Partial<TriggerContext> = {},
    private readonly random: RandomSource = Math.random,
  ) {
    this.timezone = requireTimezone(options.timezone ?? context.timezone ?? 'UTC');
    if (options.run_date === undefined || options.run_date === null) {
      throw new ValidationError('run_date is required for a date trigger');
    }
    this.runDate = parseDateOption(options.run_date, 'run_date', this.timezone);
    this.jitter = parseJitter(options.jitter);
  }

  getNextFireTime(previousFireTime: Date | null, _now: Date): Date | null {
    return previousFireTime === null ? applyJitter(this.runDate, this.jitter, this.random) : null;
  }

  /** Catch-up (see catch-up.ts): a date trigger's sequence is its one fire time. */
  getFireTimeAtOrAfter(current: Date, time: Date, _now: Date): Date | null {
    return time.getTime() <= current.getTime() ? current : null;
  }

  getLastFireTimeAtOrBefore(current: Date, _now: Date): Date {
    return current;
  }

  countFireTimes(current: Date, before: Date): number {
    return current.getTime() < before.getTime() ? 1 : 0;
  }

  toJSON(): TriggerJSON {
    return {
      trigger: 'date',
      run_date: formatInZone(this.runDate, this.timezone),
      timezone: this.timezone,
      ...(this.jitter === null ? {} : { jitter: this.jitter }),
    };
  }

  /** APScheduler's `str()` form: `date[2030-03-31 09:00:00 +01:00]`. */
  toString(): string {
    return `date[${formatInZone(this.runDate, this.timezone).replace('T', ' ').replace(/([+-]\d\d:\d\d)$/, ' $1')}]`;
  }
}

/**
 * Builds date triggers from job options.
 *
 * @example
 * dateTriggerFactory.create({ run_date: '2030-01-01T09:00:00' }, { timezone: 'Europe/Paris', now: new Date() })
 */
export const dateTriggerFactory: TriggerFactory = {
  kind: 'date',
  optionKeys: OPTION_KEYS,
  create(options, context) {
    rejectUnknownOptions('date', options, OPTION_KEYS);
    return new DateTrigger(options as unknown as DateTriggerOptions, context);
  },
};
