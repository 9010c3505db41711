import { randomUUID } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { TaskRegistry } from '../tasks/task-registry.js';
import { describeType } from '../tasks/task-registry.js';
import { triggerFactory } from '../triggers/trigger-registry.js';
import type { Trigger, TriggerKind } from '../triggers/trigger.js';
import { parseDateOption } from '../triggers/dates.js';
import type { Job, JobDefaults } from './job.js';
import { assertJsonValue, isPlainObject } from './json-value.js';

/**
 * A job as `addJob` and `POST /jobs` take it: APScheduler's `add_job` keywords, snake_case, with the
 * trigger's options flattened in (`{ trigger: 'interval', minutes: 5 }`). `trigger` may also be a
 * `Trigger` instance; without one the job runs once, now.
 *
 * @example
 * { id: 'report', func: 'reports:nightly', trigger: 'cron', hour: 2, minute: 0, kwargs: { full: true } }
 */
export interface JobDefinition {
  readonly id?: string;
  readonly name?: string;
  readonly func: string;
  readonly args?: readonly unknown[];
  readonly kwargs?: Readonly<Record<string, unknown>>;
  readonly trigger?: TriggerKind | Trigger;
  readonly misfire_grace_time?: number | null;
  readonly max_instances?: number;
  readonly coalesce?: boolean;
  /** Set to pause (null) or to fire first at a given time; computed from the trigger when left out. */
  readonly next_run_time?: Date | string | number | null;
  readonly jobstore?: string;
  readonly executor?: string;
  readonly replace_existing?: boolean;
  /** The trigger's own options (`minutes`, `hour`, `run_date`, `timezone`, `jitter`…). */
  readonly [triggerOption: string]: unknown;
}

/** Changes `modifyJob` and `PATCH /jobs/:id` accept: any job property, and trigger options. */
export type JobChanges = Partial<Omit<JobDefinition, 'id' | 'jobstore' | 'replace_existing'>> & {
  readonly [triggerOption: string]: unknown;
};

/** What parsing needs from the scheduler. */
export interface DefinitionContext {
  readonly tasks: TaskRegistry;
  readonly defaults: JobDefaults;
  readonly timezone: string;
  readonly now: Date;
  readonly jobstores: readonly string[];
  readonly executors: readonly string[];
}

const JOB_KEYS = new Set([
  'id', 'name', 'func', 'args', 'kwargs', 'trigger', 'misfire_grace_time', 'max_instances', 'coalesce',
  'next_run_time', 'jobstore', 'executor', 'replace_existing',
]);
/** Keys that would reach object prototypes if copied: never options. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Keys the REST job JSON shows that are not changeable but may be echoed back unchanged. */
const ECHO_KEYS = new Set(['id', 'jobstore']);
export const MAX_ID_LENGTH = 200;

export interface ParsedDefinition {
  readonly job: Job;
  readonly jobstore: string;
  readonly replaceExisting: boolean;
}

/** Validates a definition completely and builds the job; throws `ValidationError` on any problem. */
export function parseJobDefinition(input: unknown, context: DefinitionContext): ParsedDefinition {
  const def = requireObject(input, 'A job definition');
  const { jobOptions, triggerOptions } = splitKeys(def);
  const id = jobOptions.id === undefined ? randomUUID().replaceAll('-', '') : parseId(jobOptions.id);
  const trigger = buildTrigger(jobOptions.trigger, triggerOptions, context);
  const job = buildJob(
    {
      id,
      name: id,
      func: '',
      args: [],
      kwargs: {},
      trigger,
      executor: 'default',
      misfireGraceTime: context.defaults.misfireGraceTime,
      coalesce: context.defaults.coalesce,
      maxInstances: context.defaults.maxInstances,
      nextRunTime: null,
    },
    jobOptions,
    context,
    true,
  );
  const jobstore = jobOptions.jobstore === undefined ? 'default' : parseName(jobOptions.jobstore, 'jobstore', context.jobstores);
  const replaceExisting = optionalBoolean(jobOptions.replace_existing, 'replace_existing') ?? false;
  return { job, jobstore, replaceExisting };
}

/**
 * Applies changes to a job, all or nothing. Trigger options without `trigger` keep the trigger's
 * kind and overlay the current options (`{ seconds: 60 }` on an interval job changes its interval).
 */
export function applyJobChanges(job: Job, input: unknown, context: DefinitionContext): Job {
  const changes = requireObject(input, 'Job changes');
  const { jobOptions, triggerOptions } = splitKeys(changes);
  for (const key of ECHO_KEYS) {
    if (key in jobOptions && key === 'id' && jobOptions.id !== job.id) throw new ValidationError('id cannot be changed');
    if (key === 'jobstore' && 'jobstore' in jobOptions) throw new ValidationError('jobstore cannot be changed; remove and add the job instead');
  }
  if ('replace_existing' in jobOptions) throw new ValidationError('replace_existing applies only when adding a job');
  let trigger = job.trigger;
  const triggerChanged = jobOptions.trigger !== undefined || Object.keys(triggerOptions).length > 0;
  if (triggerChanged) {
    const kind = jobOptions.trigger ?? job.trigger.kind;
    const sameKind = typeof kind === 'string' && kind === job.trigger.kind;
    trigger = buildTrigger(kind, sameKind ? overlayTriggerOptions(job.trigger, triggerOptions) : triggerOptions, context);
  }
  const rebuilt = buildJob({ ...job, trigger }, jobOptions, context, false);
  if (triggerChanged && !('next_run_time' in jobOptions) && job.nextRunTime !== null) {
    // A new trigger means a new schedule; a paused job stays paused.
    return { ...rebuilt, nextRunTime: trigger.getNextFireTime(null, context.now) };
  }
  return rebuilt;
}

function overlayTriggerOptions(trigger: Trigger, changes: Record<string, unknown>): Record<string, unknown> {
  const { trigger: _kind, ...json } = trigger.toJSON();
  const current: Record<string, unknown> = { ...json };
  if (trigger.kind === 'interval' && INTERVAL_LENGTH_KEYS.some((k) => k in changes)) {
    // The interval's length is one value: a new length replaces every unit, and restarts the count.
    for (const key of [...INTERVAL_LENGTH_KEYS, 'start_date']) delete current[key];
  }
  return { ...current, ...changes };
}

const INTERVAL_LENGTH_KEYS = ['weeks', 'days', 'hours', 'minutes', 'seconds'];

function buildTrigger(kind: unknown, options: Record<string, unknown>, context: DefinitionContext): Trigger {
  if (isTriggerInstance(kind)) {
    if (Object.keys(options).length > 0) {
      throw new ValidationError(`Trigger options (${Object.keys(options).join(', ')}) cannot be given with a Trigger instance`);
    }
    return kind as Trigger;
  }
  if (kind === undefined) {
    return triggerFactory('date').create({ run_date: context.now, ...options }, context);
  }
  return triggerFactory(kind).create(options, context);
}

/** A Trigger object given by code. JSON cannot make one: it has no functions. */
function isTriggerInstance(value: unknown): value is Trigger {
  const candidate = value as Partial<Trigger> | null;
  return typeof value === 'object' && candidate !== null &&
    typeof candidate.getNextFireTime === 'function' && typeof candidate.toJSON === 'function';
}

function buildJob(base: Job, options: Record<string, unknown>, context: DefinitionContext, isNew: boolean): Job {
  let { name, func, args, kwargs, executor, misfireGraceTime, coalesce, maxInstances } = base;
  if (isNew && options.func === undefined) throw new ValidationError('func is required ("module:function")');
  if (options.func !== undefined) func = context.tasks.resolve(options.func).reference;
  if (options.name !== undefined) name = requireString(options.name, 'name', 500);
  else if (isNew) name = base.id;
  if (options.args !== undefined) {
    if (!Array.isArray(options.args)) throw new ValidationError(`args must be an array, got ${describeType(options.args)}`);
    assertJsonValue(options.args, 'args');
    args = options.args;
  }
  if (options.kwargs !== undefined) {
    if (!isPlainObject(options.kwargs)) throw new ValidationError(`kwargs must be an object, got ${describeType(options.kwargs)}`);
    assertJsonValue(options.kwargs, 'kwargs');
    kwargs = options.kwargs;
  }
  if (options.executor !== undefined) executor = parseName(options.executor, 'executor', context.executors);
  if (options.misfire_grace_time !== undefined) misfireGraceTime = parseGraceTime(options.misfire_grace_time);
  if (options.coalesce !== undefined) coalesce = optionalBoolean(options.coalesce, 'coalesce') ?? coalesce;
  if (options.max_instances !== undefined) maxInstances = parsePositiveInteger(options.max_instances, 'max_instances');
  let nextRunTime = base.nextRunTime;
  if ('next_run_time' in options && options.next_run_time !== undefined) {
    nextRunTime = options.next_run_time === null ? null : parseDateOption(options.next_run_time, 'next_run_time', base.trigger.timezone);
  } else if (isNew) {
    nextRunTime = base.trigger.getNextFireTime(null, context.now);
  }
  return { ...base, name, func, args, kwargs, executor, misfireGraceTime, coalesce, maxInstances, nextRunTime };
}

function splitKeys(def: Record<string, unknown>) {
  const jobOptions: Record<string, unknown> = {};
  const triggerOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(def)) {
    if (FORBIDDEN_KEYS.has(key)) throw new ValidationError(`"${key}" is not a job option`);
    if (JOB_KEYS.has(key)) jobOptions[key] = value;
    else triggerOptions[key] = value;
  }
  return { jobOptions, triggerOptions };
}

function requireObject(input: unknown, what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(`${what} must be a JSON object, got ${describeType(input)}`);
  }
  return input as Record<string, unknown>;
}

function parseId(value: unknown): string {
  const id = requireString(value, 'id', MAX_ID_LENGTH);
  if (id.length === 0) throw new ValidationError('id must not be empty');
  if (/[\u0000-\u001f\u007f/]/.test(id)) throw new ValidationError('id must not contain "/" or control characters');
  return id;
}

function requireString(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string') throw new ValidationError(`${field} must be a string, got ${describeType(value)}`);
  if (value.length > maxLength) throw new ValidationError(`${field} must be at most ${maxLength} characters`);
  return value;
}

function parseName(value: unknown, field: string, known: readonly string[]): string {
  const name = requireString(value, field, 200);
  if (!known.includes(name)) {
    throw new ValidationError(`Unknown ${field} "${name}": configured ones are ${known.map((k) => `"${k}"`).join(', ')}`);
  }
  return name;
}

function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new ValidationError(`${field} must be true or false, got ${describeType(value)}`);
  return value;
}

function parsePositiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1_000_000) {
    throw new ValidationError(`${field} must be a whole number from 1 to 1000000, got ${describeType(value)}`);
  }
  return value;
}

function parseGraceTime(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 100 * 365 * 86400) {
    throw new ValidationError(`misfire_grace_time must be a positive number of seconds or null, got ${describeType(value)}`);
  }
  return value;
}
