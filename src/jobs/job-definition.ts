import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { TaskRegistry } from '../tasks/task-registry.js';
import { describeType } from '../tasks/task-registry.js';
import { triggerFactory } from '../triggers/trigger-registry.js';
import type { Trigger, TriggerContext, TriggerKind } from '../triggers/trigger.js';
import { parseDateOption } from '../triggers/dates.js';
import { CRON_FIELD_NAMES } from '../triggers/cron/fields.js';
import type { Job, JobDefaults } from './job.js';
import {
  isTriggerInstance, JOB_KEYS, jobChangesSchemas, jobDefinitionSchemas, MAX_ID_LENGTH, triggerDefinitionSchemas, triggerOptionShapes,
} from './job-schema.js';
import { assertJsonValue, isPlainObject } from './json-value.js';

/**
 * A job as `addJob`, config and `POST /jobs` take it: APScheduler's `add_job` keywords, snake_case,
 * with the options of its `trigger` flattened in. The trigger decides which options are allowed:
 * another trigger's option, an unknown key or a wrong type is a compile error here and a
 * `ValidationError` at run time (both come from the schemas in `job-schema.ts`). `trigger` may also
 * be a `Trigger` instance; without one the job runs once, now.
 *
 * @example
 * const nightly: JobDefinition = { id: 'report', func: 'reports:nightly', trigger: 'cron', hour: 2, minute: 0 }
 * const often: JobDefinition = { func: 'mail:poll', trigger: 'interval', seconds: 30 }
 */
export type JobDefinition = DefinitionOf<typeof jobDefinitionSchemas>;

/**
 * A job definition with one trigger kind, e.g. `JobDefinitionFor<'cron'>`.
 *
 * @example
 * const nightly: JobDefinitionFor<'cron'> = { func: 'reports:nightly', trigger: 'cron', hour: 2 }
 */
export type JobDefinitionFor<K extends TriggerKind> = Readonly<z.input<(typeof jobDefinitionSchemas)[K]>>;

/**
 * What `task()` takes: a definition whose `func` may be left out (it names the function given).
 *
 * @example
 * await scheduler.task({ id: 'ping', trigger: 'interval', minutes: 5 }, async () => 'pong')
 */
export type TaskDefinition = JobDefinition extends infer D
  ? D extends JobDefinition ? Omit<D, 'func'> & { readonly func?: string } : never
  : never;

/**
 * Changes `modifyJob` and `PATCH /jobs/:id` accept: job properties, a new `trigger`, and trigger
 * options (without `trigger` they apply to the job's current trigger kind).
 *
 * @example
 * await scheduler.modifyJob('report', { hour: 3 }) // a cron job now fires at 03:00
 */
export type JobChanges = DefinitionOf<typeof jobChangesSchemas>;

type DefinitionOf<S extends Record<string, z.ZodType>> = { [K in keyof S]: Readonly<z.input<S[K]>> }[keyof S];

/** What parsing needs from the scheduler. */
export interface DefinitionContext {
  readonly tasks: TaskRegistry;
  readonly defaults: JobDefaults;
  readonly timezone: string;
  readonly now: Date;
  readonly jobstores: readonly string[];
  readonly executors: readonly string[];
}

/** Keys that would reach object prototypes if copied: never options. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export { MAX_ID_LENGTH };

export interface ParsedDefinition {
  readonly job: Job;
  readonly jobstore: string;
  readonly replaceExisting: boolean;
}

/** Validates a definition completely and builds the job; throws `ValidationError` on any problem. */
export function parseJobDefinition(input: unknown, context: DefinitionContext): ParsedDefinition {
  const def = requireObject(input, 'A job definition');
  const variant = definitionVariant(def.trigger);
  const valid = validate(jobDefinitionSchemas[variant], def, variant);
  const { jobOptions, triggerOptions } = splitKeys(valid);
  const id = jobOptions.id ?? randomUUID().replaceAll('-', '');
  const trigger = buildTrigger(valid.trigger, triggerOptions, context);
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
  return { job, jobstore, replaceExisting: jobOptions.replace_existing ?? false };
}

/**
 * Applies changes to a job, all or nothing. Trigger options without `trigger` keep the trigger's
 * kind and overlay the current options (`{ seconds: 60 }` on an interval job changes its interval).
 */
export function applyJobChanges(job: Job, input: unknown, context: DefinitionContext): Job {
  const { id: echoedId, ...changes } = requireObject(input, 'Job changes');
  // The REST job JSON shows the id: sending it back unchanged is allowed.
  if (echoedId !== undefined && echoedId !== job.id) throw new ValidationError('id cannot be changed');
  if ('jobstore' in changes) throw new ValidationError('jobstore cannot be changed; remove and add the job instead');
  if ('replace_existing' in changes) throw new ValidationError('replace_existing applies only when adding a job');
  const variant = changesVariant(changes.trigger, job.trigger.kind);
  const valid = validate(jobChangesSchemas[variant], changes, variant);
  const { jobOptions, triggerOptions } = splitKeys(valid);
  let trigger = job.trigger;
  const triggerChanged = valid.trigger !== undefined || Object.keys(triggerOptions).length > 0;
  if (triggerChanged) {
    const kind = valid.trigger ?? job.trigger.kind;
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

/**
 * Builds a trigger from the trigger part of a job body (`{"trigger": "cron", "hour": 9}`), checked as
 * a job body's is; throws `ValidationError` on any problem, a missing `trigger` included.
 */
export function parseTriggerDefinition(input: unknown, context: TriggerContext): Trigger {
  const def = requireObject(input, 'A trigger definition');
  if (def.trigger === undefined) throw new ValidationError('trigger is required ("date", "interval" or "cron")');
  const kind = knownKind(def.trigger);
  const { trigger: _kind, ...options } = validate(triggerDefinitionSchemas[kind], def, kind);
  return triggerFactory(kind).create(options, context);
}

type Variant = keyof typeof jobDefinitionSchemas;

/** Which schema a definition is checked against, as a discriminated union picks its member. */
function definitionVariant(trigger: unknown): Variant {
  if (trigger === undefined) return 'none';
  return isTriggerInstance(trigger) ? 'instance' : knownKind(trigger);
}

function changesVariant(trigger: unknown, currentKind: TriggerKind): keyof typeof jobChangesSchemas {
  if (trigger === undefined) return currentKind;
  return isTriggerInstance(trigger) ? 'instance' : knownKind(trigger);
}

function knownKind(trigger: unknown): TriggerKind {
  return triggerFactory(trigger).kind; // throws "Unknown trigger …", naming the known ones
}

/** Checks `input` against one schema; the first problem becomes the `ValidationError`. */
function validate<S extends z.ZodType>(schema: S, input: Record<string, unknown>, variant: Variant): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return input as z.output<S>; // the schemas do not transform: keep the caller's objects
  const issues = result.error.issues;
  const unknownKeys = issues.find((issue) => issue.code === 'unrecognized_keys');
  if (unknownKeys) throw new ValidationError(unknownKeysMessage(unknownKeys.keys, variant));
  const [first] = issues;
  const field = first?.path.join('.') ?? '';
  const message = first?.message ?? 'is invalid';
  throw new ValidationError(field === '' || message.includes(field) ? message : `${field}: ${message}`);
}

function unknownKeysMessage(keys: readonly string[], variant: Variant): string {
  if (variant === 'instance') return `Trigger options (${keys.join(', ')}) cannot be given with a Trigger instance`;
  const kind = variant === 'none' ? 'date' : variant;
  const accepted = Object.keys(triggerOptionShapes[kind]);
  return `Unknown option${keys.length > 1 ? 's' : ''} ${keys.map((k) => JSON.stringify(k)).join(', ')} for the ${kind} trigger (accepted: ${accepted.join(', ')})`;
}

function overlayTriggerOptions(trigger: Trigger, changes: Record<string, unknown>): Record<string, unknown> {
  const { trigger: _kind, ...json } = trigger.toJSON();
  const current: Record<string, unknown> = { ...json };
  if (trigger.kind === 'interval' && INTERVAL_LENGTH_KEYS.some((k) => k in changes)) {
    // The interval's length is one value: a new length replaces every unit, and restarts the count.
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- drops a fixed list of option keys
    for (const key of [...INTERVAL_LENGTH_KEYS, 'start_date']) delete current[key];
  }
  if (trigger.kind === 'cron') {
    // A crontab line and the keyword fields are two spellings of one schedule: a new one replaces the old.
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- drops a fixed list of option keys
    if ('crontab' in changes) for (const key of CRON_FIELD_NAMES) delete current[key];
    if (CRON_FIELD_NAMES.some((k) => k in changes)) delete current.crontab;
  }
  return { ...current, ...changes };
}

const INTERVAL_LENGTH_KEYS = ['weeks', 'days', 'hours', 'minutes', 'seconds'];

function buildTrigger(kind: TriggerKind | Trigger | undefined, options: Record<string, unknown>, context: DefinitionContext): Trigger {
  if (isTriggerInstance(kind)) return kind;
  if (kind === undefined) {
    return triggerFactory('date').create({ run_date: context.now, ...options }, context);
  }
  return triggerFactory(kind).create(options, context);
}

/** The job's own options, already checked for type and range by the schema. */
type JobOptions = Partial<z.output<typeof jobDefinitionSchemas.none>>;

function buildJob(base: Job, options: JobOptions, context: DefinitionContext, isNew: boolean): Job {
  let { name, func, args, kwargs, executor, misfireGraceTime, coalesce, maxInstances } = base;
  if (options.func !== undefined) func = context.tasks.resolve(options.func).reference;
  if (options.name !== undefined) name = options.name;
  else if (isNew) name = base.id;
  if (options.args !== undefined) {
    assertJsonValue(options.args, 'args');
    args = options.args;
  }
  if (options.kwargs !== undefined) {
    if (!isPlainObject(options.kwargs)) throw new ValidationError(`kwargs must be an object, got ${describeType(options.kwargs)}`);
    assertJsonValue(options.kwargs, 'kwargs');
    kwargs = options.kwargs;
  }
  if (options.executor !== undefined) executor = parseName(options.executor, 'executor', context.executors);
  if (options.misfire_grace_time !== undefined) misfireGraceTime = options.misfire_grace_time;
  if (options.coalesce !== undefined) coalesce = options.coalesce;
  if (options.max_instances !== undefined) maxInstances = options.max_instances;
  let nextRunTime = base.nextRunTime;
  if ('next_run_time' in options && options.next_run_time !== undefined) {
    nextRunTime = options.next_run_time === null ? null : parseDateOption(options.next_run_time, 'next_run_time', base.trigger.timezone);
  } else if (isNew) {
    nextRunTime = base.trigger.getNextFireTime(null, context.now);
  }
  return { ...base, name, func, args, kwargs, executor, misfireGraceTime, coalesce, maxInstances, nextRunTime };
}

function splitKeys(def: Readonly<Record<string, unknown>>): { jobOptions: JobOptions; triggerOptions: Record<string, unknown> } {
  const jobOptions: Record<string, unknown> = {};
  const triggerOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(def)) {
    if (key === 'trigger') continue;
    if (JOB_KEYS.has(key)) jobOptions[key] = value;
    else triggerOptions[key] = value;
  }
  return { jobOptions, triggerOptions };
}

function requireObject(input: unknown, what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(`${what} must be a JSON object, got ${describeType(input)}`);
  }
  for (const key of Object.keys(input)) {
    if (FORBIDDEN_KEYS.has(key)) throw new ValidationError(`"${key}" is not a job option`);
  }
  return input as Record<string, unknown>;
}

function parseName(value: string, field: string, known: readonly string[]): string {
  if (!known.includes(value)) {
    throw new ValidationError(`Unknown ${field} "${value}": configured ones are ${known.map((k) => `"${k}"`).join(', ')}`);
  }
  return value;
}
