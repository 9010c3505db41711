import type { SchedulerEvent } from '../scheduler/events.js';

/**
 * An event as the REST API's JSON shows it: snake_case keys (`job_id`, `scheduled_run_time`), dates
 * as ISO 8601, an exception as its message (and `exception_type`), a return value as JSON when it is
 * one of at most 4 KiB (else a string saying what it was).
 *
 * @example
 * eventToJSON({ kind: 'job_added', jobId: 'nightly', jobstore: 'default' }) // { kind: 'job_added', job_id: 'nightly', jobstore: 'default' }
 */
export function eventToJSON(event: SchedulerEvent): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    const name = snakeCase(key);
    if (value instanceof Error) {
      json[name] = value.message;
      json[`${name}_type`] = value.name;
    } else if (key === 'retval') {
      json[name] = asJSON(value);
    } else {
      json[name] = datesAsISO(value);
    }
  }
  return json;
}

/** `scheduledRunTime` → `scheduled_run_time`, worked out once per key (events have a dozen keys in all). */
const snakeNames = new Map<string, string>();

function snakeCase(key: string): string {
  let name = snakeNames.get(key);
  if (name === undefined) {
    name = key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    snakeNames.set(key, name);
  }
  return name;
}

function datesAsISO(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(datesAsISO);
  return value ?? null;
}

/** The longest return value (as JSON text) an event carries; a larger one is replaced by a note of its size. */
const MAX_RETVAL_CHARS = 4096;

/** What a task returned, as JSON: itself when it round-trips, else its string form (a BigInt, a cycle, a function). */
function asJSON(value: unknown): unknown {
  if (value === undefined) return null;
  // What JSON gives back for these, without the round trip (a non-finite number becomes null).
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return JSON.parse(retvalJSONText(value)) as unknown;
}

/**
 * `eventToJSON`'s `retval` as JSON text: the value's JSON when it has one of at most 4 KiB, else a
 * JSON string saying what it was. Taken once, it is the value as it was at that moment.
 *
 * @example
 * retvalJSONText({ rows: 3 }) // '{"rows":3}'
 */
export function retvalJSONText(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return JSON.stringify(String(value));
  }
  if (text === undefined) return value === undefined ? 'null' : JSON.stringify(String(value));
  // Events are kept for clients that reconnect: a huge return value is not worth keeping there.
  if (text.length > MAX_RETVAL_CHARS) return JSON.stringify(`(${text.length} characters of JSON, not shown)`);
  return text;
}
