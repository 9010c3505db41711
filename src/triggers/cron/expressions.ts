import { ValidationError } from '../../errors.js';
import { daysInMonth, weekdayOf, type WallDate } from '../timezone.js';

/*
 * The expressions one cron field is made of (APScheduler 3's triggers/cron/expressions.py): each
 * answers "the smallest value I allow that is at least the field's current value", or null.
 */

/**
 * What a field's expressions read from a date. Declared here, not in fields.ts, so expressions
 * depend on nothing of the fields that are built from them (no import cycle).
 */
export interface FieldReader {
  value(date: WallDate): number;
  min(date: WallDate): number;
  max(date: WallDate): number;
}

/** One comma-separated part of a cron field. */
export interface CronExpression {
  /** The smallest allowed value ≥ the field's value in `date` (within the field's range), or null. */
  nextValue(date: WallDate, field: FieldReader): number | null;
  /** The expression as APScheduler's `str()` spells it, e.g. `*\/5`, `mon-fri`, `last fri`. */
  toString(): string;
}

/** Which extra syntax a field accepts besides `*`, numbers, ranges and steps. */
export type ExpressionSyntax = 'plain' | 'month' | 'weekday' | 'day';

/** What parsing needs to know about the field an expression belongs to. */
export interface ExpressionContext {
  readonly field: string;
  readonly min: number;
  readonly max: number;
  readonly syntax: ExpressionSyntax;
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const POSITIONS = ['1st', '2nd', '3rd', '4th', '5th', 'last'] as const;
const LAST_POSITION = 5;

const ALL_RE = /^\*(?:\/(\d+))?$/;
const RANGE_RE = /^(\d+)(?:-(\d+))?(?:\/(\d+))?$/;
const NAME_RANGE_RE = /^([a-z]+)(?:-([a-z]+))?$/i;
const POSITION_RE = /^(1st|2nd|3rd|4th|5th|last) +([a-z0-9]+)$/i;
const LAST_RE = /^last$/i;

/** A `ValidationError` that names the cron field, the form every cron error takes. */
export function cronFieldError(field: string, detail: string): ValidationError {
  return new ValidationError(`Invalid cron field "${field}": ${detail}`);
}

/** Python's `%`: the result has the sign of the divisor, which the step arithmetic relies on. */
function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** `*` or `*\/step`: every value, or every step-th value counted from the field's minimum. */
export class AllExpression implements CronExpression {
  constructor(readonly step: number | null) {}

  nextValue(date: WallDate, field: FieldReader): number | null {
    const min = field.min(date);
    const start = Math.max(field.value(date), min);
    const next = this.step ? start + mod(this.step - (start - min), this.step) : start;
    return next <= field.max(date) ? next : null;
  }

  toString(): string {
    return this.step ? `*/${this.step}` : '*';
  }
}

/** `a`, `a-b`, `a/step`, `a-b/step`, and month or weekday names (`jan-mar`, `mon-fri`). */
export class RangeExpression implements CronExpression {
  constructor(
    readonly first: number,
    /** Null with a step means "up to the field's maximum". */
    readonly last: number | null,
    readonly step: number | null,
    /** Names to print values with (`MONTHS` counts from 1, `WEEKDAYS` from 0), or null for numbers. */
    private readonly names: readonly string[] | null = null,
    private readonly nameBase = 0,
  ) {}

  nextValue(date: WallDate, field: FieldReader): number | null {
    const min = Math.max(field.min(date), this.first);
    const max = this.last === null ? field.max(date) : Math.min(field.max(date), this.last);
    let next = Math.max(min, field.value(date));
    if (this.step) next += mod(this.step - (next - min), this.step);
    return next <= max ? next : null;
  }

  toString(): string {
    if (this.names) {
      const first = this.names[this.first - this.nameBase];
      return this.last === null || this.last === this.first ? `${first}` : `${first}-${this.names[this.last - this.nameBase]}`;
    }
    const range = this.last === null || this.last === this.first ? String(this.first) : `${this.first}-${this.last}`;
    return this.step ? `${range}/${this.step}` : range;
  }
}

/** `1st mon` … `5th mon`, `last fri` in the day field: the n-th (or last) given weekday of the month. */
export class WeekdayPositionExpression implements CronExpression {
  constructor(
    /** 0 = 1st … 4 = 5th, 5 = last. */
    readonly position: number,
    /** 0 = Monday. */
    readonly weekday: number,
  ) {}

  nextValue(date: WallDate): number | null {
    const lastDay = daysInMonth(date.year, date.month);
    let firstHit = this.weekday - weekdayOf(date.year, date.month, 1) + 1;
    if (firstHit <= 0) firstHit += 7;
    const target = this.position < LAST_POSITION
      ? firstHit + this.position * 7
      : firstHit + Math.floor((lastDay - firstHit) / 7) * 7;
    return target <= lastDay && target >= date.day ? target : null;
  }

  toString(): string {
    return `${POSITIONS[this.position]} ${WEEKDAYS[this.weekday]}`;
  }
}

/** `last` in the day field: the month's last day. */
export class LastDayOfMonthExpression implements CronExpression {
  nextValue(date: WallDate): number | null {
    return daysInMonth(date.year, date.month);
  }

  toString(): string {
    return 'last';
  }
}

/**
 * Parses one comma-free part of a field, validating it against the field's range the way
 * APScheduler's `validate_range` does, with messages that name the field and the bad value.
 *
 * @example
 * parseExpression('mon-fri', { field: 'day_of_week', min: 0, max: 6, syntax: 'weekday' }).toString() // 'mon-fri'
 * parseExpression('24', { field: 'hour', min: 0, max: 23, syntax: 'plain' }) // throws: value 24 is out of range 0-23
 */
export function parseExpression(text: string, context: ExpressionContext): CronExpression {
  const all = ALL_RE.exec(text);
  if (all) return parseAll(text, all[1], context);
  const range = RANGE_RE.exec(text);
  if (range) return parseRange(text, range[1] as string, range[2], range[3], context);
  if (context.syntax === 'month' || context.syntax === 'weekday') {
    const names = NAME_RANGE_RE.exec(text);
    if (names) return parseNameRange(names[1] as string, names[2], context);
  }
  if (context.syntax === 'day') {
    const position = POSITION_RE.exec(text);
    if (position) return parsePosition(position[1] as string, position[2] as string, context);
    if (LAST_RE.test(text)) return new LastDayOfMonthExpression();
  }
  throw cronFieldError(context.field, `${JSON.stringify(text)} is not a valid expression${syntaxHint(context.syntax)}`);
}

function syntaxHint(syntax: ExpressionSyntax): string {
  const common = '*, */n, a, a-b, a/n, a-b/n';
  if (syntax === 'month') return ` (expected ${common} or month names jan-dec)`;
  if (syntax === 'weekday') return ` (expected ${common} or weekday names mon-sun)`;
  if (syntax === 'day') return ` (expected ${common}, last, "last fri" or "1st mon"…"5th mon")`;
  return ` (expected ${common})`;
}

function parseStep(text: string, step: string | undefined, context: ExpressionContext): number | null {
  if (step === undefined) return null;
  const value = Number(step);
  if (value === 0) throw cronFieldError(context.field, `step must be at least 1 in ${JSON.stringify(text)}`);
  return value;
}

function parseAll(text: string, stepText: string | undefined, context: ExpressionContext): AllExpression {
  const step = parseStep(text, stepText, context);
  if (step !== null && step > context.max - context.min) {
    throw cronFieldError(
      context.field,
      `step ${step} in ${JSON.stringify(text)} is larger than the field's range ${context.min}-${context.max}`,
    );
  }
  return new AllExpression(step);
}

function parseRange(
  text: string,
  firstText: string,
  lastText: string | undefined,
  stepText: string | undefined,
  context: ExpressionContext,
): RangeExpression {
  const step = parseStep(text, stepText, context);
  const first = Number(firstText);
  // A bare number is the one-value range a-a; `a/n` runs to the field's maximum.
  const last = lastText !== undefined ? Number(lastText) : step === null ? first : null;
  for (const value of last === null ? [first] : [first, last]) {
    if (value < context.min || value > context.max) {
      throw cronFieldError(context.field, `value ${value} is out of range ${context.min}-${context.max}`);
    }
  }
  if (last !== null && first > last) {
    throw cronFieldError(context.field, `range ${JSON.stringify(text)} starts after it ends (${first} > ${last})`);
  }
  const span = (last ?? context.max) - first;
  if (step !== null && step > span) {
    throw cronFieldError(context.field, `step ${step} in ${JSON.stringify(text)} is larger than its range (${span})`);
  }
  return new RangeExpression(first, last, step);
}

function parseNameRange(firstName: string, lastName: string | undefined, context: ExpressionContext): RangeExpression {
  const names: readonly string[] = context.syntax === 'month' ? MONTHS : WEEKDAYS;
  const base = context.syntax === 'month' ? 1 : 0;
  const kind = context.syntax === 'month' ? 'month' : 'weekday';
  const toValue = (name: string): number => {
    const index = names.indexOf(name.toLowerCase());
    if (index < 0) {
      throw cronFieldError(context.field, `unknown ${kind} name ${JSON.stringify(name)} (expected one of ${names.join(', ')})`);
    }
    return index + base;
  };
  const first = toValue(firstName);
  const last = lastName === undefined ? first : toValue(lastName);
  if (first > last) {
    throw cronFieldError(context.field, `range "${firstName}-${lastName}" starts after it ends`);
  }
  return new RangeExpression(first, last, null, names, base);
}

function parsePosition(positionName: string, weekdayName: string, context: ExpressionContext): WeekdayPositionExpression {
  const weekday = (WEEKDAYS as readonly string[]).indexOf(weekdayName.toLowerCase());
  if (weekday < 0) {
    throw cronFieldError(context.field, `unknown weekday name ${JSON.stringify(weekdayName)} (expected one of ${WEEKDAYS.join(', ')})`);
  }
  return new WeekdayPositionExpression((POSITIONS as readonly string[]).indexOf(positionName.toLowerCase()), weekday);
}
