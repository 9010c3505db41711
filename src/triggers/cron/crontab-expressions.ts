import { daysInMonth, weekdayOf, type WallDate } from '../timezone.js';
import type { CronExpression, FieldReader } from './expressions.js';

/*
 * The two expressions a crontab line becomes in jobclock's cron search (fields.ts): a field's set of
 * values as cron-parser expanded it, and the crontab day rule, which joins day of month and day of
 * week into one field because Vixie cron ORs them.
 */

/** A field allowed exactly these values (cron-parser's expansion of `1-5/2,30` and the like). */
export class ValueSetExpression implements CronExpression {
  private readonly values: readonly number[];

  constructor(values: Iterable<number>) {
    this.values = [...new Set(values)].sort((a, b) => a - b);
  }

  nextValue(date: WallDate, field: FieldReader): number | null {
    const from = Math.max(field.value(date), field.min(date));
    const max = field.max(date);
    for (const value of this.values) {
      if (value > max) return null;
      if (value >= from) return value;
    }
    return null;
  }

  toString(): string {
    return this.values.join(',');
  }
}

/** What a crontab line says about days, read from cron-parser's parsed fields. */
export interface CrontabDays {
  /** Days of the month 1–31 listed. */
  readonly daysOfMonth: ReadonlySet<number>;
  /** `L` in the day-of-month field: the month's last day. */
  readonly lastDayOfMonth: boolean;
  /** Weekdays listed, 0 = Sunday … 6 = Saturday. */
  readonly weekdays: ReadonlySet<number>;
  /** `5L`: the last Friday of the month (0 = Sunday). */
  readonly lastWeekdays: ReadonlySet<number>;
  /** `5#2`: only the n-th such weekday of the month (1–5); 0 when not given. */
  readonly nthWeekday: number;
  /** False when the day-of-month field was `*` or `?`. */
  readonly dayOfMonthRestricted: boolean;
  /** False when the day-of-week field was `*` or `?`. */
  readonly dayOfWeekRestricted: boolean;
}

/**
 * The crontab day rule (Vixie cron, cron-parser): when both day fields are restricted a day matches
 * when either does; otherwise the restricted one decides. Used as the `day` field's only expression,
 * with `day_of_week` left `*`, so the search needs nothing new.
 *
 * @example
 * // "0 0 13 * fri": the 13th, and every Friday
 */
export class CrontabDayExpression implements CronExpression {
  constructor(readonly days: CrontabDays) {}

  nextValue(date: WallDate): number | null {
    const lastDay = daysInMonth(date.year, date.month);
    for (let day = Math.max(date.day, 1); day <= lastDay; day += 1) {
      if (this.matches(date.year, date.month, day, lastDay)) return day;
    }
    return null;
  }

  private matches(year: number, month: number, day: number, lastDay: number): boolean {
    const d = this.days;
    const byMonthDay = d.daysOfMonth.has(day) || (d.lastDayOfMonth && day === lastDay);
    if (!d.dayOfWeekRestricted) return byMonthDay;
    if (d.dayOfMonthRestricted && byMonthDay) return true;
    const weekday = (weekdayOf(year, month, day) + 1) % 7; // jobclock counts from Monday, crontab from Sunday
    const byWeekday = (d.weekdays.has(weekday) && (d.nthWeekday === 0 || Math.ceil(day / 7) === d.nthWeekday)) ||
      (d.lastWeekdays.has(weekday) && day + 7 > lastDay);
    return byWeekday;
  }

  toString(): string {
    return 'crontab';
  }
}
