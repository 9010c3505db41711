import { JobDeserializationError } from '../errors.js';
import { createTrigger } from '../triggers/trigger-registry.js';
import type { Trigger } from '../triggers/trigger.js';
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
  // The stored text, as read: what the job's shared trigger (if any) must have been built from.
  const text = typeof state === 'string' ? state : null;
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
  let builtTrigger;
  try {
    builtTrigger = storedTrigger(id, trigger, nextRunTime, text);
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

/**
 * Triggers rebuilt from stored state, by job id, each with the stored text it was built from (of
 * the job, or of the trigger for a state given as an object). Rebuilding one (parsing its dates,
 * validating every field) costs more than the rest of a row, and a job is read far more often than
 * it changes; triggers are immutable, so each read of an unchanged job can share one. Looked up by
 * the short id, then the text compared: hashing each row's fresh text as the key cost four times
 * as much. Bounded: the oldest entry goes first.
 */
const triggersByJob = new Map<string, { readonly text: string; readonly trigger: Trigger }>();
const MAX_SHARED_TRIGGERS = 10_000;

function storedTrigger(id: string, state: Readonly<Record<string, unknown>>, nextRunTime: Date | null, jobText: string | null): Trigger {
  // A date trigger is one date to read: cheaper to build than to look up (a burst of one-off jobs
  // would only fill the map). One without a start date (not written by stateOf) would start at the
  // context's instant: not shared.
  if (state.trigger === 'date' || state.start_date === undefined || state.start_date === null) return buildTrigger(state, nextRunTime);
  const text = jobText ?? JSON.stringify(state);
  const shared = triggersByJob.get(id);
  if (shared?.text === text) return shared.trigger;
  const trigger = buildTrigger(state, nextRunTime);
  // Re-inserted, so a changed job counts as new for the bound.
  triggersByJob.delete(id);
  triggersByJob.set(id, { text, trigger });
  if (triggersByJob.size > MAX_SHARED_TRIGGERS) triggersByJob.delete(triggersByJob.keys().next().value as string);
  return trigger;
}

function buildTrigger(state: Readonly<Record<string, unknown>>, nextRunTime: Date | null): Trigger {
  const { trigger: kind, ...options } = state;
  // A stored trigger carries its own timezone and start date (stateOf writes both), so the context
  // is only a fallback; without a next run time, a fixed instant keeps reading state off the wall clock.
  return createTrigger(String(kind), options, { timezone: 'UTC', now: nextRunTime ?? new Date(0) });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
