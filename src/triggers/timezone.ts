import { IANAZone } from 'luxon';
import { ValidationError } from '../errors.js';

/*
 * Wall-clock arithmetic for the triggers. A "wall time" is a local civil time encoded as the epoch
 * milliseconds it would have in UTC (`Date.UTC(y, m - 1, d, h, mi, s)`): plain numbers, so the cron
 * search runs without allocating, and only the final mapping to an instant needs the zone.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Bounds how many days one zone remembers; the cache is a speed-up, never a source of truth. */
const MAX_CACHED_DAYS = 20_000;
const FIXED_ZONE = /^(?:Etc\/)?(?:UTC|UCT|GMT|Zulu|Universal|Greenwich|GMT[+-]0)$|^Etc\/GMT[+-]\d{1,2}$/i;

/**
 * How a wall time maps to instants in a zone.
 *
 * @example
 * zoneNamed('Europe/London').fromWall(Date.UTC(2030, 9, 27, 1, 30)).kind // 'ambiguous'
 */
export type WallMapping =
  | { readonly kind: 'unique'; readonly instant: number }
  /** The wall time occurs twice (clocks went back): `earlier` in summer time, `later` after. */
  | { readonly kind: 'ambiguous'; readonly earlier: number; readonly later: number }
  /**
   * The wall time does not exist (clocks went forward). `gapEndWall` is the first wall time after the
   * gap; `shifted` reads the wall time with the offset from before the change (so 02:30 in a
   * 02:00→03:00 gap becomes 03:30), as pytz's `localize(is_dst=False)` and luxon do.
   */
  | { readonly kind: 'gap'; readonly gapEndWall: number; readonly shifted: number };

/**
 * One IANA zone's offsets, memoised per UTC day: every offset lookup goes through `Intl` (microseconds),
 * and the scheduler keeps asking about the same few days.
 *
 * @example
 * const london = zoneNamed('Europe/London')
 * london.offsetAt(Date.UTC(2030, 6, 1)) // 3_600_000 (BST)
 */
export class Zone {
  private readonly iana: IANAZone | null;
  private readonly fixedOffset: number;
  /** Formats just the offset (`GMT+10:30`): five times faster than luxon's full `formatToParts`. */
  private readonly offsetFormat: Intl.DateTimeFormat | null;
  /** Offsets at the start of UTC days. */
  private readonly dayStarts = new Map<number, number>();
  /** The instant of the change on days whose start and end offsets differ. */
  private readonly changes = new Map<number, number>();

  constructor(readonly name: string) {
    const iana = IANAZone.create(name);
    // Fixed zones never change offset: skip the cache and Intl entirely on the hot path.
    this.fixedOffset = FIXED_ZONE.test(name) ? iana.offset(0) * 60_000 : Number.NaN;
    this.iana = Number.isNaN(this.fixedOffset) ? iana : null;
    this.offsetFormat = this.iana === null ? null : offsetFormat(name);
  }

  /** The zone's UTC offset at an instant, in milliseconds. */
  offsetAt(instant: number): number {
    if (this.iana === null) return this.fixedOffset;
    const day = Math.floor(instant / DAY_MS);
    const before = this.dayStartOffset(day);
    const after = this.dayStartOffset(day + 1);
    // tzdb never changes a zone's offset twice within a day: equal ends mean a constant day.
    if (before === after) return before;
    let change = this.changes.get(day);
    if (change === undefined) {
      change = this.transitionInstant(day * DAY_MS, (day + 1) * DAY_MS);
      this.changes.set(day, change);
    }
    return instant < change ? before : after;
  }

  /** The local wall time at an instant. */
  toWall(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /** The instant(s) a wall time denotes. */
  fromWall(wall: number): WallMapping {
    if (this.iana === null) return { kind: 'unique', instant: wall - this.fixedOffset };
    const before = this.offsetAt(wall - DAY_MS);
    const after = this.offsetAt(wall + DAY_MS);
    if (before === after) return { kind: 'unique', instant: wall - before };
    // One transition nearby: the wall time is valid under the old offset, the new one, both or neither.
    const underBefore = wall - before;
    const underAfter = wall - after;
    const fitsBefore = this.offsetAt(underBefore) === before;
    const fitsAfter = this.offsetAt(underAfter) === after;
    if (fitsBefore && fitsAfter) {
      return { kind: 'ambiguous', earlier: Math.min(underBefore, underAfter), later: Math.max(underBefore, underAfter) };
    }
    if (fitsBefore) return { kind: 'unique', instant: underBefore };
    if (fitsAfter) return { kind: 'unique', instant: underAfter };
    // In the gap the transition lies between the two readings; the gap ends at its wall time.
    return { kind: 'gap', gapEndWall: this.transitionInstant(underAfter, underBefore) + after, shifted: underBefore };
  }

  /**
   * The first wall time of the repeated hour that `instant` lies in the first pass of, or null when
   * `instant` is not in the first pass of a repeated wall time (clocks about to go back).
   */
  repeatStartWall(instant: number): number | null {
    if (this.iana === null) return null;
    const mapping = this.fromWall(this.toWall(instant));
    if (mapping.kind !== 'ambiguous' || instant >= mapping.later) return null;
    const transition = this.transitionInstant(instant, mapping.later);
    return transition + this.exactOffset(transition);
  }

  private dayStartOffset(day: number): number {
    let offset = this.dayStarts.get(day);
    if (offset === undefined) {
      if (this.dayStarts.size >= MAX_CACHED_DAYS) {
        this.dayStarts.clear();
        this.changes.clear();
      }
      offset = this.exactOffset(day * DAY_MS);
      this.dayStarts.set(day, offset);
    }
    return offset;
  }

  private exactOffset(instant: number): number {
    if (this.offsetFormat === null) return (this.iana as IANAZone).offset(instant) * 60_000;
    return parseGmtOffset(this.offsetFormat.format(instant));
  }

  /** The first instant in (low, high] with the offset `high` has; tzdb transitions fall on whole seconds. */
  private transitionInstant(low: number, high: number): number {
    const target = this.exactOffset(high);
    let lo = Math.floor(low / 1000);
    let hi = Math.ceil(high / 1000);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.exactOffset(mid * 1000) === target) hi = mid;
      else lo = mid;
    }
    return hi * 1000;
  }
}

function offsetFormat(name: string): Intl.DateTimeFormat | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset', year: 'numeric' });
  } catch {
    return null; // an ICU without longOffset: luxon's slower path still works
  }
}

const GMT_OFFSET = /GMT(?:([+-])(\d\d):(\d\d)(?::(\d\d))?)?$/;

/** `GMT`, `GMT+01:00`, `GMT-04:56:02` (local mean time) → milliseconds. */
function parseGmtOffset(text: string): number {
  const match = GMT_OFFSET.exec(text);
  if (!match) throw new Error(`Unexpected time zone offset format: ${text}`);
  if (match[1] === undefined) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? 0);
  return (match[1] === '-' ? -seconds : seconds) * 1000;
}

const zones = new Map<string, Zone>();

/**
 * The shared `Zone` for an IANA name (validated with {@link requireTimezone} first).
 *
 * @example
 * zoneNamed('UTC').toWall(Date.now())
 */
export function zoneNamed(name: string): Zone {
  let zone = zones.get(name);
  if (zone === undefined) {
    zone = new Zone(name);
    zones.set(name, zone);
  }
  return zone;
}

/**
 * Checks a `timezone` option: a string naming an IANA zone.
 *
 * @example
 * requireTimezone('Europe/London', 'timezone') // 'Europe/London'
 * requireTimezone('Mars/Olympus', 'timezone')  // throws ValidationError
 */
export function requireTimezone(value: unknown, field = 'timezone'): string {
  // luxon's check builds an Intl.DateTimeFormat each time (~100 µs, and heavy garbage): a stored job
  // is rebuilt on every fire, so a zone once found valid is remembered.
  if (typeof value === 'string' && validZones.has(value)) return value;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValidationError(`${field} must be an IANA time zone name such as "Europe/London", got ${value === null ? 'null' : typeof value}`);
  }
  // A zone already in use is known valid; asking Intl again costs tens of microseconds.
  if (!zones.has(value) && !IANAZone.isValidZone(value)) {
    throw new ValidationError(`${field} ${JSON.stringify(value)} is not a known IANA time zone`);
  }
  if (validZones.size < MAX_REMEMBERED_ZONES) validZones.add(value);
  return value;
}

/** Zone names already validated; bounded, since names come from requests too (valid ones only). */
const validZones = new Set<string>();
const MAX_REMEMBERED_ZONES = 1000;

/**
 * An instant as ISO 8601 with the zone's offset at that instant (seconds; milliseconds only when
 * non-zero), the form Python's `isoformat()` gives.
 *
 * @example
 * formatInZone(new Date('2030-03-31T01:00:00Z'), 'Europe/London') // '2030-03-31T02:00:00+01:00'
 */
export function formatInZone(date: Date, timezone: string): string {
  const instant = date.getTime();
  const offset = zoneNamed(timezone).offsetAt(instant);
  const iso = new Date(instant + offset).toISOString(); // the wall time, spelled as if UTC
  const ms = instant % 1000 === 0 ? '' : iso.slice(19, 23);
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.abs(offset) / 60_000;
  return `${iso.slice(0, 19)}${ms}${sign}${pad(Math.floor(minutes / 60))}:${pad(Math.floor(minutes % 60))}`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Days from 1970-01-01 to a civil date (proleptic Gregorian), without allocating a `Date`.
 *
 * @example
 * daysFromCivil(1970, 1, 2) // 1
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  // Howard Hinnant's days_from_civil (years counted from March, so leap days come last).
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/**
 * Days in a month (1-12) of a year, Python's `calendar.monthrange(y, m)[1]`.
 *
 * @example
 * daysInMonth(2032, 2) // 29
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Weekday of a civil date with 0 = Monday … 6 = Sunday, Python's `date.weekday()`.
 *
 * @example
 * weekdayOf(2030, 1, 7) // 0 (a Monday)
 */
export function weekdayOf(year: number, month: number, day: number): number {
  // 1970-01-01 was a Thursday (3).
  return (((daysFromCivil(year, month, day) + 3) % 7) + 7) % 7;
}

/**
 * ISO 8601 week number (1-53) of a civil date, Python's `date.isocalendar()[1]`.
 *
 * @example
 * isoWeekOf(2030, 12, 30) // 1 (the week of Thursday 2031-01-02)
 */
export function isoWeekOf(year: number, month: number, day: number): number {
  const days = daysFromCivil(year, month, day);
  // The ISO week belongs to the year of its Thursday.
  const thursday = days - (((days + 3) % 7) + 7) % 7 + 3;
  let yearStart = daysFromCivil(year, 1, 1);
  if (thursday < yearStart) yearStart = daysFromCivil(year - 1, 1, 1);
  else if (thursday >= daysFromCivil(year + 1, 1, 1)) yearStart = daysFromCivil(year + 1, 1, 1);
  return Math.floor((thursday - yearStart) / 7) + 1;
}

/** A local civil time broken into fields, as the cron search reads and writes it (month 1-12). */
export interface WallDate {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * A wall time (see the top of this file) as fields, written into `out` so hot loops allocate nothing.
 *
 * @example
 * wallToDate(Date.UTC(2030, 0, 2, 3, 4, 5), scratch) // { year: 2030, month: 1, day: 2, hour: 3, minute: 4, second: 5 }
 */
export function wallToDate(wall: number, out: WallDate): WallDate {
  const days = Math.floor(wall / DAY_MS);
  const msOfDay = wall - days * DAY_MS;
  // Howard Hinnant's civil_from_days: exact for the proleptic Gregorian calendar.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  out.month = mp < 10 ? mp + 3 : mp - 9;
  out.year = yoe + era * 400 + (out.month <= 2 ? 1 : 0);
  out.day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  out.hour = Math.floor(msOfDay / HOUR_MS);
  out.minute = Math.floor((msOfDay % HOUR_MS) / 60_000);
  out.second = Math.floor((msOfDay % 60_000) / 1000);
  return out;
}

/**
 * Fields back to a wall time (whole seconds).
 *
 * @example
 * dateToWall({ year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 1 }) // 1000
 */
export function dateToWall(date: WallDate): number {
  return (daysFromCivil(date.year, date.month, date.day) * 86_400 + date.hour * 3600 + date.minute * 60 + date.second) * 1000;
}
