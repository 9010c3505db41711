import { JobDeserializationError } from '../errors.js';
import { createTrigger } from '../triggers/trigger-registry.js';
import type { Job, JobState } from './job.js';

/**
 * The stored form of a job. Stores write `stateOf(job)` as JSON next to the id and next run time,
 * and read it back with `jobFromState`.
 *
 * @example
 * const json = JSON.stringify(stateOf(job))
 * const again = jobFromState(job.id, job.nextRunTime, JSON.parse(json))
 */
export function stateOf(job: Job): JobState {
  return {
    version: 1,
    name: job.name,
    func: job.func,
    args: job.args,
    kwargs: job.kwargs,
    trigger: job.trigger.toJSON(),
    executor: job.executor,
    misfire_grace_time: job.misfireGraceTime,
    coalesce: job.coalesce,
    max_instances: job.maxInstances,
  };
}

/**
 * Rebuilds a job from what a store kept. Throws {@link JobDeserializationError} when the state is
 * not a job any more (corrupt JSON, a trigger that no longer validates): stores report such rows
 * and keep them, they never delete them.
 */
export function jobFromState(id: string, nextRunTime: Date | null, state: unknown): Job {
  if (typeof state === 'string') {
    try {
      state = JSON.parse(state);
    } catch (error) {
      throw new JobDeserializationError(id, `invalid JSON (${(error as Error).message})`);
    }
  }
  if (!isRecord(state) || state.version !== 1) {
    throw new JobDeserializationError(id, 'not a version 1 job state');
  }
  const { name, func, args, kwargs, trigger, executor } = state;
  const misfire = state.misfire_grace_time;
  if (
    typeof name !== 'string' ||
    typeof func !== 'string' ||
    !Array.isArray(args) ||
    !isRecord(kwargs) ||
    !isRecord(trigger) ||
    typeof executor !== 'string' ||
    !(misfire === null || typeof misfire === 'number') ||
    typeof state.coalesce !== 'boolean' ||
    typeof state.max_instances !== 'number'
  ) {
    throw new JobDeserializationError(id, 'a field is missing or has the wrong type');
  }
  const { trigger: kind, ...options } = trigger;
  let builtTrigger;
  try {
    // A stored trigger carries its own timezone and start date (stateOf writes both), so the context
    // is only a fallback; without a next run time, a fixed instant keeps reading state off the wall clock.
    builtTrigger = createTrigger(String(kind), options, { timezone: 'UTC', now: nextRunTime ?? new Date(0) });
  } catch (error) {
    throw new JobDeserializationError(id, `bad trigger: ${(error as Error).message}`);
  }
  return {
    id,
    name,
    func,
    args,
    kwargs,
    trigger: builtTrigger,
    executor,
    misfireGraceTime: misfire,
    coalesce: state.coalesce,
    maxInstances: state.max_instances,
    nextRunTime,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
