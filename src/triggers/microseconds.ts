import { parseDateOption } from './dates.js';
import { formatInZone } from './timezone.js';

/*
 * Epoch microseconds: the resolution of Python's `datetime` and `timedelta`, in which APScheduler 3
 * does its interval arithmetic. jobclock's `Date`s hold milliseconds, so an interval trigger keeps
 * its start, end and interval here (as `bigint`: epoch µs of year 9999 exceed 2^53) and only the
 * fire times it hands out are milliseconds.
 */

const MICROS_PER = { seconds: 1_000_000, minutes: 60_000_000, hours: 3_600_000_000, days: 86_400_000_000, weeks: 604_800_000_000 } as const;

/** The units `timedelta(weeks=, days=, hours=, minutes=, seconds=)` takes, as jobclock's interval options. */
export type TimedeltaUnit = keyof typeof MICROS_PER;

/** CPython adds the keyword arguments in this order, and the order decides the float rounding. */
const ACCUMULATION_ORDER: readonly TimedeltaUnit[] = ['seconds', 'minutes', 'hours', 'days', 'weeks'];

/**
 * The whole microseconds of `timedelta(weeks=, days=, hours=, minutes=, seconds=)`, bit for bit as
 * CPython's `delta_new` computes them: each float is split into its integer part (exact) and its
 * fraction times the unit's µs (one double multiply), whose own fraction goes into a leftover that is
 * rounded once at the end, half to even. Values must be non-negative and finite.
 *
 * @example
 * timedeltaMicros({ seconds: 0.3 }) // 300000n
 * timedeltaMicros({ minutes: 1.0001 }) // 60006000n
 */
export function timedeltaMicros(units: Readonly<Partial<Record<TimedeltaUnit, number>>>): bigint {
  let total = 0n;
  let leftover = 0;
  for (const unit of ACCUMULATION_ORDER) {
    const value = units[unit];
    if (value === undefined || value === 0) continue;
    const intPart = Math.trunc(value);
    const fraction = value - intPart; // exact, as C's modf
    total += BigInt(intPart) * BigInt(MICROS_PER[unit]);
    if (fraction === 0) continue;
    const scaled = MICROS_PER[unit] * fraction;
    const scaledInt = Math.trunc(scaled);
    total += BigInt(scaledInt);
    leftover += scaled - scaledInt;
  }
  if (leftover === 0) return total;
  let whole = Math.round(leftover); // C's round() for a non-negative value
  if (Math.abs(whole - leftover) === 0.5) {
    const odd = Number(total & 1n);
    whole = 2 * Math.round((leftover + odd) * 0.5) - odd;
  }
  return total + BigInt(whole);
}

/**
 * APScheduler's `timedelta_seconds`: a duration in µs as float seconds, with Python's operation
 * order (`days * 86400 + seconds + microseconds / 1e6`), so divisions of it round as APScheduler's do.
 *
 * @example
 * timedeltaSeconds(1_500_000n) // 1.5
 */
export function timedeltaSeconds(micros: bigint): number {
  const days = floorDiv(micros, 86_400_000_000n);
  const rest = micros - days * 86_400_000_000n;
  const seconds = rest / 1_000_000n;
  return Number(days) * 86_400 + Number(seconds) + Number(rest - seconds * 1_000_000n) / 1_000_000;
}

/**
 * The millisecond `Date` a µs instant is exposed as: rounded down (towards the past). That is how
 * JavaScript reads a Python `isoformat()` (`Date.parse` drops digits past the millisecond), which is
 * what the APScheduler fixtures compare against, and it keeps a fire time's `Date` inside the
 * millisecond the instant lies in, so the exact instant can be recovered from it.
 *
 * @example
 * microsToDate(1_999n) // 1970-01-01T00:00:00.001Z
 */
export function microsToDate(micros: bigint): Date {
  return new Date(Number(floorDiv(micros, 1000n)));
}

/** A millisecond `Date` as epoch µs (the first µs of its millisecond). */
export function dateToMicros(date: Date): bigint {
  return BigInt(date.getTime()) * 1000n;
}

const FRACTION = /\d[T ]\d{1,2}:\d{1,2}:\d{1,2}[.,](\d+)/i;

/**
 * A date option as epoch µs: {@link parseDateOption}, plus the microseconds a string spells after
 * the milliseconds (`'2030-01-01 00:00:00.123456'`), which a `Date` cannot hold.
 *
 * @example
 * parseDateOptionMicros('2030-01-01T00:00:00.000001Z', 'start_date', 'UTC') // 1893456000000001n
 */
export function parseDateOptionMicros(value: unknown, field: string, timezone: string): bigint {
  const millis = dateToMicros(parseDateOption(value, field, timezone));
  const digits = typeof value === 'string' ? FRACTION.exec(value)?.[1] : undefined;
  // Both date parsers keep the first three digits and drop the rest, so only digits 4–6 are added.
  return digits === undefined ? millis : millis + BigInt(Number(`${digits}000000`.slice(3, 6)));
}

/**
 * {@link formatInZone} with microseconds when the instant has any (`…:00.123456+01:00`), so a
 * trigger's JSON rebuilds the exact trigger.
 *
 * @example
 * formatMicrosInZone(1893456000000001n, 'UTC') // '2030-01-01T00:00:00.000001+00:00'
 */
export function formatMicrosInZone(micros: bigint, timezone: string): string {
  const subMillis = micros - floorDiv(micros, 1000n) * 1000n;
  if (subMillis === 0n) return formatInZone(microsToDate(micros), timezone);
  const seconds = floorDiv(micros, 1_000_000n);
  const whole = formatInZone(new Date(Number(seconds) * 1000), timezone);
  return `${whole.slice(0, 19)}.${String(micros - seconds * 1_000_000n).padStart(6, '0')}${whole.slice(19)}`;
}

/** Division rounding towards −∞ (bigint `/` truncates towards zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n) && ((a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** Division rounding towards +∞. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b);
}
