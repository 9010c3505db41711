import type { SchedulerEvent } from '../scheduler/events.js';

/**
 * An event as the REST API's JSON shows it: snake_case keys (`job_id`, `scheduled_run_time`), dates
 * as ISO 8601, an exception as its message (and `exception_type`), a return value as JSON when it is
 * one (else its string form).
 *
 * @example
 * eventToJSON({ kind: 'job_added', jobId: 'nightly', jobstore: 'default' }) // { kind: 'job_added', job_id: 'nightly', jobstore: 'default' }
 */
export function eventToJSON(event: SchedulerEvent): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    const name = key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
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

function datesAsISO(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(datesAsISO);
  return value ?? null;
}

/** What a task returned, as JSON: itself when it round-trips, else its string form (a BigInt, a cycle, a function). */
function asJSON(value: unknown): unknown {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return String(value);
  }
}
