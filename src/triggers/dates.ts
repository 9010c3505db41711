import { DateTime } from 'luxon';
import { ValidationError } from '../errors.js';
import { daysInMonth, formatInZone, zoneNamed } from './timezone.js';

/** A date option: a `Date`, epoch milliseconds, or ISO 8601 (a string without offset is read in the trigger's zone). */
export type DateInput = Date | string | number;

// Shared by the triggers and by src/jobs/job-definition.ts (next_run_time): keep this signature.

/**
 * Reads a date option: a `Date`, epoch milliseconds, or an ISO 8601 string. A string without an
 * offset is a wall-clock time in `timezone` (as APScheduler reads naive datetimes).
 *
 * @example
 * parseDateOption('2030-03-31T02:30:00', 'run_date', 'Europe/London')
 */
export function parseDateOption(value: unknown, field: string, timezone: string): Date {
  const date = readDateOption(value, field, timezone);
  if (date.getTime() < EARLIEST_DATE_MS || date.getTime() > LATEST_DATE_MS) {
    throw new ValidationError(`${field} must be between the years 1 and 9999, got ${describe(value)}`);
  }
  return date;
}

/** The dates jobclock represents: Python's `datetime` range, years 1 to 9999 (what APScheduler can hold). */
export const EARLIEST_DATE_MS = Date.parse('0001-01-01T00:00:00Z');
export const LATEST_DATE_MS = Date.parse('9999-12-31T23:59:59.999Z');

function readDateOption(value: unknown, field: string, timezone: string): Date {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ValidationError(`${field} is an invalid Date`);
    return value;
  }
  if (typeof value === 'number') {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new ValidationError(`${field} must be a finite number of milliseconds in range, got ${value}`);
    return date;
  }
  if (typeof value !== 'string') {
    throw new ValidationError(`${field} must be an ISO 8601 date string, a Date or epoch milliseconds, got ${describe(value)}`);
  }
  const text = value.trim().replace(' ', 'T');
  const plain = parsePlainIso(text, timezone);
  if (plain !== null) return plain;
  if (/T24:/i.test(text)) {
    // ISO 8601's end-of-day 24:00, which luxon reads as the next midnight: Python's datetime (so APScheduler) refuses it.
    throw new ValidationError(`${field} ${JSON.stringify(value)} is not a date: the hour must be 0 to 23 (write 00:00 of the next day)`);
  }
  // Read as UTC first: without an offset this gives the wall time, mapped to the zone below.
  const parsed = DateTime.fromISO(text, { zone: 'UTC', setZone: true });
  if (!parsed.isValid) {
    throw new ValidationError(`${field} ${JSON.stringify(value)} is not an ISO 8601 date (${parsed.invalidExplanation ?? parsed.invalidReason})`);
  }
  return HAS_OFFSET.test(text) ? parsed.toJSDate() : new Date(wallInstant(parsed.toMillis(), timezone));
}

const HAS_OFFSET = /T.*(?:Z|[+-]\d\d(?::?\d\d)?)$/i;

/**
 * The form jobclock writes its own dates in (`formatInZone`), and most clients send; one-digit parts
 * (`2026-3-8 2:30:00`, with any fraction: `2026-3-8 2:30:00.5`) too, as APScheduler 3's date regex
 * takes them, and in them what jobclock accepts everywhere (lowercase t/z, a time without seconds).
 */
const PLAIN_ISO = /^(\d{4})-(\d\d?)-(\d\d?)(?:T(\d\d?):(\d\d?)(?::(\d\d?)(?:\.(\d+))?)?(Z|[+-]\d\d:\d\d)?)?$/i;

/**
 * `YYYY-MM-DDTHH:MM:SS[.mmm][Z|±HH:MM]` read without luxon, which costs tens of microseconds a date:
 * every stored job's trigger is rebuilt from such strings each time the job is read. Anything else,
 * or a field out of range, gives null and goes the general way (which also words the errors).
 */
function parsePlainIso(text: string, timezone: string): Date | null {
  const match = PLAIN_ISO.exec(text);
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', ms, offset] = match as unknown as [string, string, string, string | undefined, string | undefined, string | undefined, string | undefined, string | undefined, string | undefined];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  // The first three digits of the fraction; digits 4–6 are parseDateOptionMicros's, the rest dropped.
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms === undefined ? 0 : Number(`${ms}00`.slice(0, 3)));
  if (offset === undefined) return new Date(wallInstant(wall, timezone));
  if (offset === 'Z' || offset === 'z') return new Date(wall);
  const offsetHours = Number(offset.slice(1, 3));
  const offsetMinutes = Number(offset.slice(4, 6));
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  return new Date(wall - (offset[0] === '-' ? -1 : 1) * (offsetHours * 3_600_000 + offsetMinutes * 60_000));
}

/**
 * A naive wall time in a zone as APScheduler 3 reads it (pytz `localize(is_dst=False)`): a time that
 * occurs twice is its later occurrence (standard time), a time that does not exist is read with the
 * offset from before the change.
 */
function wallInstant(wall: number, timezone: string): number {
  const mapping = zoneNamed(timezone).fromWall(wall);
  if (mapping.kind === 'unique') return mapping.instant;
  return mapping.kind === 'ambiguous' ? mapping.later : mapping.shifted;
}

/**
 * Reads an optional date option (`start_date`, `end_date`): absent or null gives null.
 *
 * @example
 * parseOptionalDate(undefined, 'end_date', 'UTC') // null
 */
export function parseOptionalDate(value: unknown, field: string, timezone: string): Date | null {
  return value === undefined || value === null ? null : parseDateOption(value, field, timezone);
}

/**
 * A bad option value as error messages show it: strings quoted, objects named by kind, never dumped.
 *
 * @example
 * describe({ a: 1 }) // 'an object'
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/**
 * Rejects option keys a trigger kind does not know, so a typo (`minuts: 5`) is an error instead of a
 * silently different schedule.
 *
 * @example
 * rejectUnknownOptions('interval', { minuts: 5 }, ['minutes']) // throws ValidationError
 */
export function rejectUnknownOptions(
  kind: string,
  options: Readonly<Record<string, unknown>>,
  optionKeys: readonly string[],
): void {
  const unknown = Object.keys(options).filter((key) => !optionKeys.includes(key));
  if (unknown.length > 0) {
    throw new ValidationError(
      `Unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} for the ${kind} trigger (accepted: ${optionKeys.join(', ')})`,
    );
  }
}

/**
 * Rejects an end date before the start date: such a trigger could never fire.
 *
 * @example
 * requireOrderedDates(new Date(2), new Date(1)) // throws ValidationError
 */
export function requireOrderedDates(start: Date | null, end: Date | null, timezone: string): void {
  if (start !== null && end !== null && end.getTime() < start.getTime()) {
    throw new ValidationError(
      `end_date (${formatInZone(end, timezone)}) is before start_date (${formatInZone(start, timezone)})`,
    );
  }
}
