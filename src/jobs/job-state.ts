import { JobDeserializationError } from '../errors.js';
import { createTrigger } from '../triggers/trigger-registry.js';
import type { Trigger } from '../triggers/trigger.js';
import { BoundedMap } from '../util/bounded-map.js';
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
  // The stored text, as read (a state given as an object, as PostgreSQL's jsonb is, as JSON text).
  const text = typeof state === 'string' ? state : null;
  if (text !== null) {
    const shared = sharedRows.get(id);
    if (shared?.text === text) return handOut(shared, nextRunTime);
    try {
      state = JSON.parse(text);
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
  // Shared only when the trigger is the same whatever instant the row is read at (see below), and
  // not for a date trigger read first here: a burst of one-off jobs would only churn the map.
  const key = trigger.trigger !== 'date' && shareable(trigger) ? (text ?? JSON.stringify(state)) : null;
  if (key !== null && text === null) {
    const shared = sharedRows.get(id);
    if (shared?.text === key) return handOut(shared, nextRunTime);
  }
  let builtTrigger;
  try {
    builtTrigger = buildTrigger(trigger, nextRunTime);
  } catch (error) {
    throw new JobDeserializationError(id, `bad trigger: ${(error as Error).message}`);
  }
  const job: Job = {
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
  if (key === null) return job;
  origins.set(job, share(id, key, job));
  return job;
}

/**
 * `stateOf(job)` as the JSON text a store writes. A one-off (date) job's is remembered with the job:
 * reading that text back when the job comes due then parses nothing and rebuilds no trigger, which
 * took a fifth of the run time of a burst of one-off jobs added over REST. Other jobs are shared
 * from their first read, as before: remembering them at the write too would cost every add ~1.5 µs
 * (a copy of the job and its arguments) for a gain on the first read only.
 *
 * @example
 * await db.insertInto('jobs').values({ id: job.id, state: stateTextOf(job), … }).execute()
 */
export function stateTextOf(job: Job): string {
  const state = stateOf(job);
  const text = JSON.stringify(state);
  if (state.trigger.trigger === 'date' && shareable(state.trigger)) share(job.id, text, job);
  return text;
}

/** A trigger read from this state is the same whatever instant it is read at (see `sharedRows`). */
function shareable(trigger: Readonly<Record<string, unknown>>): boolean {
  return trigger.trigger === 'date' ? typeof trigger.run_date === 'string' : trigger.start_date !== undefined && trigger.start_date !== null;
}

/** Keeps `job` as the one read from `text` (with its own arguments, never handed out). */
function share(id: string, text: string, job: Job): Job {
  const shared: SharedRow = { text, job: { ...job, args: copyJSON(job.args), kwargs: copyJSON(job.kwargs) } };
  // Set again, so a changed job counts as new for the bound.
  sharedRows.set(id, shared);
  return shared.job;
}

/**
 * The stored job that `job` was read from, unchanged since, when it is one of the shared rows:
 * what is derived from a row (such as its REST JSON) can be kept with it.
 */
export function storedOrigin(job: Job): Job | undefined {
  return origins.get(job);
}

/**
 * Jobs read from stored state, by job id, each with the stored text it was read from (of the job,
 * or of the object state as JSON). A read of an unchanged row then parses nothing and rebuilds no
 * trigger (parsing its dates, validating every field): a job is read far more often than it
 * changes. What is shared is immutable (the trigger, the strings); the arguments are copied for
 * each read, since a task may change the ones it is called with. Looked up by the short id, then
 * the text compared: hashing each row's fresh text as the key cost four times as much. Bounded:
 * the oldest entry goes first.
 *
 * A trigger stored without a start date (not written by stateOf) is not shared: it would start at
 * the instant the row was first read with. A date trigger is shared only as written by this process
 * (`stateTextOf`): read first here, a burst of one-off jobs would only churn the map.
 */
interface SharedRow {
  readonly text: string;
  readonly job: Job;
}
const sharedRows = new BoundedMap<string, SharedRow>(10_000);
const origins = new WeakMap<Job, Job>();

function handOut(shared: SharedRow, nextRunTime: Date | null): Job {
  const { job } = shared;
  // Every field written out (not spread): one object shape for every job read.
  const read: Job = {
    id: job.id,
    name: job.name,
    func: job.func,
    args: copyJSON(job.args),
    kwargs: copyJSON(job.kwargs),
    trigger: job.trigger,
    executor: job.executor,
    misfireGraceTime: job.misfireGraceTime,
    coalesce: job.coalesce,
    maxInstances: job.maxInstances,
    nextRunTime,
  };
  origins.set(read, job);
  return read;
}

/** A copy of a JSON value (what stored arguments are), as `JSON.parse(JSON.stringify(value))` gives. */
function copyJSON<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJSON) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copyJSON((value as Record<string, unknown>)[key]);
    // An own "__proto__" key (JSON.parse makes one) stays a key: assigning it would set the prototype.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy as T;
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
