import { z } from 'zod';
import type { Trigger, TriggerKind } from '../triggers/trigger.js';
import { describe } from '../triggers/dates.js';

/*
 * The one description of what `addJob`, config jobs and `POST /jobs` / `PATCH /jobs/:id` accept:
 * the TypeScript types (`JobDefinition`, `JobChanges`) are inferred from these schemas, and the same
 * schemas check every definition at run time, whether it came from code or from a request body.
 * They check shape and types; what needs a context (a known task, store or executor) or deep
 * knowledge (a cron expression, a date string, a time zone) is left to job-definition.ts and the
 * trigger factories, which word those errors.
 */

/** An issue's message as a person reads it: the field, what it must be, what it was. */
function mustBe(field: string, what: string) {
  return {
    error: (issue: { input?: unknown }) =>
      issue.input === undefined ? `${field} is required` : `${field} must be ${what}, got ${describe(issue.input)}`,
  };
}

/** A `Date`, epoch milliseconds, or ISO 8601 (a string without offset is a wall time in the zone). */
function dateInput(field: string) {
  return z.union([z.instanceof(Date), z.string(), z.number()], mustBe(field, 'an ISO 8601 date string, a Date or epoch milliseconds'));
}

/** Longest id: it is a URL segment and a primary key. */
export const MAX_ID_LENGTH = 200;
const MAX_NAME_LENGTH = 500;
const MAX_GRACE_SECONDS = 100 * 365 * 86400;
const MAX_INSTANCES = 1_000_000;

function limitedString(field: string, maxLength: number) {
  return z.string(mustBe(field, 'a string')).max(maxLength, `${field} must be at most ${maxLength} characters`);
}

/** The job's own keys, APScheduler's `add_job` keywords. */
const jobShape = {
  id: limitedString('id', MAX_ID_LENGTH)
    .min(1, 'id must not be empty')
    .regex(/^[^\u0000-\u001f\u007f/]*$/, 'id must not contain "/" or control characters')
    .optional(),
  name: limitedString('name', MAX_NAME_LENGTH).optional(),
  func: z.string({
    error: (issue) => issue.input === undefined
      ? 'func is required ("module:function")'
      : `func must be a string "module:function", got ${describe(issue.input)}`,
  }),
  args: z.array(z.unknown(), mustBe('args', 'an array')).readonly().optional(),
  kwargs: z.record(z.string(), z.unknown(), mustBe('kwargs', 'an object')).readonly().optional(),
  misfire_grace_time: z.number(mustBe('misfire_grace_time', 'a positive number of seconds or null'))
    .positive(mustBe('misfire_grace_time', 'a positive number of seconds or null'))
    .max(MAX_GRACE_SECONDS, mustBe('misfire_grace_time', 'a positive number of seconds or null'))
    .nullable()
    .optional(),
  max_instances: z.int(mustBe('max_instances', `a whole number from 1 to ${MAX_INSTANCES}`))
    .min(1, mustBe('max_instances', `a whole number from 1 to ${MAX_INSTANCES}`))
    .max(MAX_INSTANCES, mustBe('max_instances', `a whole number from 1 to ${MAX_INSTANCES}`))
    .optional(),
  coalesce: z.boolean(mustBe('coalesce', 'true or false')).optional(),
  /** Set to pause (null) or to fire first at a given time; computed from the trigger when left out. */
  next_run_time: dateInput('next_run_time').nullable().optional(),
  jobstore: limitedString('jobstore', 200).optional(),
  executor: limitedString('executor', 200).optional(),
  replace_existing: z.boolean(mustBe('replace_existing', 'true or false')).optional(),
};

/** Keys a job has whatever its trigger; every other key is a trigger option. */
export const JOB_KEYS: ReadonlySet<string> = new Set(Object.keys(jobShape));

const timezone = z.string(mustBe('timezone', 'an IANA time zone name such as "Europe/London"')).optional();
const jitter = z.number(mustBe('jitter', 'a number of seconds or null')).nullable().optional();
const intervalUnit = (unit: string) => z.number(mustBe(unit, 'a non-negative number')).nullable().optional();
const cronField = (field: string) =>
  z.union([z.string(), z.number()], {
    error: (issue) => `Invalid cron field "${field}": expected an expression string or a number, got ${describe(issue.input)}`,
  }).nullable().optional();

/**
 * Each trigger kind's options, APScheduler 3's keywords. A new option (or a new kind) is one entry
 * here plus its handling in the trigger's factory.
 */
export const triggerOptionShapes = {
  date: {
    /** When to fire. A string without offset is a wall-clock time in `timezone`. */
    run_date: dateInput('run_date'),
    timezone,
    /** Delay the fire time by up to this many seconds, at random. */
    jitter,
  },
  interval: {
    weeks: intervalUnit('weeks'),
    days: intervalUnit('days'),
    hours: intervalUnit('hours'),
    minutes: intervalUnit('minutes'),
    seconds: intervalUnit('seconds'),
    /** The first fire time (later ones follow every interval); defaults to now + interval. */
    start_date: dateInput('start_date').nullable().optional(),
    /** Latest possible fire time (inclusive). */
    end_date: dateInput('end_date').nullable().optional(),
    timezone,
    jitter,
  },
  cron: {
    /** A crontab line in cron-parser's dialect (`'0 9 * * mon-fri'`, `'@daily'`), instead of the keyword fields. */
    crontab: z.string(mustBe('crontab', 'a crontab line such as "0 9 * * mon-fri"')).nullable().optional(),
    year: cronField('year'),
    month: cronField('month'),
    day: cronField('day'),
    week: cronField('week'),
    day_of_week: cronField('day_of_week'),
    hour: cronField('hour'),
    minute: cronField('minute'),
    second: cronField('second'),
    /** Earliest possible fire time (inclusive). */
    start_date: dateInput('start_date').nullable().optional(),
    /** Latest possible fire time (inclusive). */
    end_date: dateInput('end_date').nullable().optional(),
    /** IANA zone the fields are read in; defaults to the scheduler's. */
    timezone,
    jitter,
  },
} as const satisfies Record<TriggerKind, z.ZodRawShape>;

/**
 * The trigger part of a job body, by kind: `trigger` and its options, nothing else (`POST {prefix}/preview`).
 * Unknown keys are errors, as in a job body.
 *
 * @example
 * triggerDefinitionSchemas.cron.safeParse({ trigger: 'cron', crontab: '0 9 * * mon-fri' }).success // true
 */
export const triggerDefinitionSchemas = {
  date: z.strictObject({ trigger: z.literal('date'), ...triggerOptionShapes.date }),
  interval: z.strictObject({ trigger: z.literal('interval'), ...triggerOptionShapes.interval }),
  cron: z.strictObject({ trigger: z.literal('cron'), ...triggerOptionShapes.cron }),
} as const satisfies Record<TriggerKind, z.ZodType>;

/** A Trigger object given by code. JSON cannot make one: it has no functions. */
export function isTriggerInstance(value: unknown): value is Trigger {
  const candidate = value as Partial<Trigger> | null;
  return typeof value === 'object' && candidate !== null &&
    typeof candidate.getNextFireTime === 'function' && typeof candidate.toJSON === 'function';
}

const triggerInstance = z.custom<Trigger>(isTriggerInstance, 'trigger must be a trigger name or a Trigger instance');

/** Every key optional: the shape of changes. */
function optionalShape<S extends z.ZodRawShape>(shape: S): { [K in keyof S]: z.ZodOptional<S[K]> } {
  return Object.fromEntries(Object.entries(shape).map(([key, schema]) => [key, (schema as z.ZodType).optional()])) as unknown as {
    [K in keyof S]: z.ZodOptional<S[K]>;
  };
}

const { replace_existing: _onlyWhenAdding, id: _notChangeable, jobstore: _fixed, ...changeableShape } = jobShape;
const jobChangesShape = optionalShape(changeableShape);

/**
 * What a job definition may be, by trigger: `'date'`, `'interval'`, `'cron'`, a `Trigger` instance,
 * or none (the job runs once, now, and may take the date trigger's options). Unknown keys are errors.
 */
export const jobDefinitionSchemas = {
  date: z.strictObject({ ...jobShape, ...triggerDefinitionSchemas.date.shape }),
  interval: z.strictObject({ ...jobShape, ...triggerDefinitionSchemas.interval.shape }),
  cron: z.strictObject({ ...jobShape, ...triggerDefinitionSchemas.cron.shape }),
  instance: z.strictObject({ ...jobShape, trigger: triggerInstance }),
  none: z.strictObject({ ...jobShape, trigger: z.undefined().optional(), ...optionalShape(triggerOptionShapes.date) }),
};

/**
 * The whole definition schema, for a host's own validation or documentation; jobclock itself
 * checks each definition against the member its `trigger` selects (clearer errors than a union's).
 *
 * @example
 * jobDefinitionSchema.safeParse({ func: 'm:f', trigger: 'interval', secnds: 5 }).success // false
 */
export const jobDefinitionSchema = z.union(Object.values(jobDefinitionSchemas) as [
  typeof jobDefinitionSchemas.date,
  typeof jobDefinitionSchemas.interval,
  typeof jobDefinitionSchemas.cron,
  typeof jobDefinitionSchemas.instance,
  typeof jobDefinitionSchemas.none,
]);

/**
 * What a change may be, by the trigger it leaves the job with: options without `trigger` apply to
 * the job's current kind and overlay its current options, so none is required.
 */
export const jobChangesSchemas = {
  date: z.strictObject({ ...jobChangesShape, trigger: z.literal('date').optional(), ...optionalShape(triggerOptionShapes.date) }),
  interval: z.strictObject({ ...jobChangesShape, trigger: z.literal('interval').optional(), ...optionalShape(triggerOptionShapes.interval) }),
  cron: z.strictObject({ ...jobChangesShape, trigger: z.literal('cron').optional(), ...optionalShape(triggerOptionShapes.cron) }),
  instance: z.strictObject({ ...jobChangesShape, trigger: triggerInstance }),
};

/**
 * The whole changes schema (`modifyJob`, `PATCH /jobs/:id`).
 *
 * @example
 * jobChangesSchema.safeParse({ hour: 3 }).success // true
 */
export const jobChangesSchema = z.union(Object.values(jobChangesSchemas) as [
  typeof jobChangesSchemas.date,
  typeof jobChangesSchemas.interval,
  typeof jobChangesSchemas.cron,
  typeof jobChangesSchemas.instance,
]);
