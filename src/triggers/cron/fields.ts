import { daysInMonth, isoWeekOf, weekdayOf, type WallDate } from '../timezone.js';
import { parseExpression, type CronExpression, type ExpressionSyntax, type FieldReader } from './expressions.js';

/*
 * The eight cron fields and the search over them (APScheduler 3's triggers/cron/fields.py and the
 * `_increment_field_value` / `_set_field_value` loop of triggers/cron/__init__.py). The search runs on
 * wall-clock fields only; the trigger maps its result to an instant, which is where DST is handled.
 */

export type { WallDate } from '../timezone.js';

/** Field names from most to least significant, APScheduler's `FIELD_NAMES`. */
export const CRON_FIELD_NAMES = ['year', 'month', 'day', 'week', 'day_of_week', 'hour', 'minute', 'second'] as const;
export type CronFieldName = (typeof CRON_FIELD_NAMES)[number];

interface FieldSpec extends FieldReader {
  readonly min: (date: WallDate) => number;
  readonly minValue: number;
  readonly maxValue: number;
  /** Whether the field is a component of a date (`week` and `day_of_week` are derived from the day). */
  readonly real: boolean;
  readonly syntax: ExpressionSyntax;
  /** The expression a field less significant than every given field takes. */
  readonly defaultExpression: string;
  set(date: WallDate, value: number): void;
}

function spec(
  minValue: number,
  maxValue: number,
  defaultExpression: string,
  value: (date: WallDate) => number,
  set: ((date: WallDate, value: number) => void) | null,
  syntax: ExpressionSyntax = 'plain',
  max: (date: WallDate) => number = () => maxValue,
): FieldSpec {
  return {
    minValue, maxValue, defaultExpression, value, max, syntax,
    min: () => minValue,
    real: set !== null,
    set: set ?? (() => undefined),
  };
}

const SPECS: Readonly<Record<CronFieldName, FieldSpec>> = {
  year: spec(1970, 9999, '*', (d) => d.year, (d, v) => { d.year = v; }),
  month: spec(1, 12, '1', (d) => d.month, (d, v) => { d.month = v; }, 'month'),
  day: spec(1, 31, '1', (d) => d.day, (d, v) => { d.day = v; }, 'day', (d) => daysInMonth(d.year, d.month)),
  week: spec(1, 53, '*', (d) => isoWeekOf(d.year, d.month, d.day), null),
  day_of_week: spec(0, 6, '*', (d) => weekdayOf(d.year, d.month, d.day), null, 'weekday'),
  hour: spec(0, 23, '0', (d) => d.hour, (d, v) => { d.hour = v; }),
  minute: spec(0, 59, '0', (d) => d.minute, (d, v) => { d.minute = v; }),
  second: spec(0, 59, '0', (d) => d.second, (d, v) => { d.second = v; }),
};

/** One field with its parsed expressions. */
export class CronField {
  readonly real: boolean;
  private readonly spec: FieldSpec;

  constructor(
    readonly name: CronFieldName,
    readonly expressions: readonly CronExpression[],
    /** True when the user did not give this field, so JSON leaves it out. */
    readonly isDefault: boolean,
  ) {
    this.spec = SPECS[name];
    this.real = this.spec.real;
  }

  /**
   * Parses a field value: a number or an APScheduler expression string, comma lists allowed.
   *
   * @example
   * CronField.parse('day_of_week', 'mon-fri,sun', false).toString() // 'mon-fri,sun'
   */
  static parse(name: CronFieldName, value: string | number, isDefault: boolean): CronField {
    const s = SPECS[name];
    const context = { field: name, min: s.minValue, max: s.maxValue, syntax: s.syntax };
    const parts = String(value).trim().split(/ *, */);
    return new CronField(name, parts.map((part) => parseExpression(part, context)), isDefault);
  }

  value(date: WallDate): number {
    return this.spec.value(date);
  }

  /** The smallest value any expression allows from the current one on, or null. */
  nextValue(date: WallDate): number | null {
    let smallest: number | null = null;
    for (const expression of this.expressions) {
      const value = expression.nextValue(date, this.spec);
      if (value !== null && (smallest === null || value < smallest)) smallest = value;
    }
    return smallest;
  }

  /** APScheduler's `str(field)`: the expressions joined by commas. */
  toString(): string {
    return this.expressions.join(',');
  }

  /** @internal the search's access to the field's calendar rules */
  get calendar(): FieldSpec {
    return this.spec;
  }
}

/**
 * Builds the eight fields from the given ones with APScheduler's defaults: fields less significant
 * than the least significant given field take their minimum (`week` and `day_of_week` take `*`),
 * the others `*`. With no field given at all every field is `*` — which fires every second, exactly
 * as APScheduler 3 does.
 *
 * @example
 * buildCronFields({ hour: '2' }).map(String) // ['*', '*', '*', '*', '*', '2', '0', '0']
 */
export function buildCronFields(given: Partial<Record<CronFieldName, string | number>>): CronField[] {
  let remaining = CRON_FIELD_NAMES.filter((name) => given[name] !== undefined).length;
  let assignDefaults = false;
  return CRON_FIELD_NAMES.map((name) => {
    const value = given[name];
    if (value !== undefined) {
      remaining -= 1;
      assignDefaults = remaining === 0;
      return CronField.parse(name, value, false);
    }
    return CronField.parse(name, assignDefaults ? SPECS[name].defaultExpression : '*', true);
  });
}

/**
 * Moves `date` to the earliest wall time at or after it that every field allows (APScheduler's
 * `get_next_fire_time` loop, without time zones). Returns false when no such time exists before the
 * year 9999 or before `limitWall` (a wall time past which the caller has no use for a result).
 *
 * @example
 * const date = { year: 2030, month: 1, day: 1, hour: 0, minute: 0, second: 1 }
 * nextMatchingWallDate(buildCronFields({ minute: '*\/15' }), date, Infinity) // date is now 00:15:00
 */
export function nextMatchingWallDate(fields: readonly CronField[], date: WallDate, limitWall: number): boolean {
  let fieldnum = 0;
  while (fieldnum >= 0 && fieldnum < fields.length) {
    const field = fields[fieldnum] as CronField;
    const current = field.value(date);
    const next = field.nextValue(date);
    if (next === null) {
      fieldnum = incrementField(fields, date, fieldnum - 1);
    } else if (next > current) {
      if (field.real) {
        setField(fields, date, fieldnum, next);
        fieldnum += 1;
      } else {
        fieldnum = incrementField(fields, date, fieldnum);
      }
    } else {
      fieldnum += 1;
    }
    if (fieldnum >= 0 && exceeds(date, limitWall)) return false;
  }
  return fieldnum >= 0;
}

/** Cheap year-level check first: the search only ever moves forward. */
function exceeds(date: WallDate, limitWall: number): boolean {
  if (limitWall === Infinity) return false;
  return Date.UTC(date.year, date.month - 1, date.day, date.hour, date.minute, date.second) > limitWall;
}

/**
 * Adds one to a field, carrying into more significant fields at their maximum, and resets the less
 * significant ones to their minimum. `week` and `day_of_week` are not date components: incrementing
 * them increments the day. Returns the index of the field actually incremented, -1 when none could be.
 */
function incrementField(fields: readonly CronField[], date: WallDate, fieldnum: number): number {
  let target = fieldnum;
  while (target >= 0) {
    const calendar = (fields[target] as CronField).calendar;
    if (calendar.real && calendar.value(date) !== calendar.max(date)) break;
    target -= 1;
  }
  if (target < 0) return -1;
  const calendar = (fields[target] as CronField).calendar;
  setField(fields, date, target, calendar.value(date) + 1);
  return target;
}

/** Sets one field and resets every less significant one to its minimum. */
function setField(fields: readonly CronField[], date: WallDate, fieldnum: number, value: number): void {
  (fields[fieldnum] as CronField).calendar.set(date, value);
  for (let i = fieldnum + 1; i < fields.length; i += 1) {
    const calendar = (fields[i] as CronField).calendar;
    if (calendar.real) calendar.set(date, calendar.minValue);
  }
}
