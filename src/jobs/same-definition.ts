import type { JobDefinition } from './job-definition.js';
import type { Job } from './job.js';
import { stateOf } from './job-state.js';

/**
 * Whether a stored job still matches its definition. An interval's start is derived from the time
 * of adding when the definition names none, so it is not compared then. What `upsertJob` decides by.
 *
 * @example
 * if (stored && sameDefinition(stored, fresh, definition)) return stored
 */
export function sameDefinition(stored: Job, fresh: Job, definition: JobDefinition): boolean {
  const strip = (job: Job) => {
    const state = stateOf(job);
    if (('start_date' in definition && definition.start_date !== undefined) || job.trigger.kind !== 'interval') return state;
    const { start_date: _ignored, ...trigger } = state.trigger;
    return { ...state, trigger };
  };
  return JSON.stringify(strip(stored)) === JSON.stringify(strip(fresh));
}
