import { z } from 'zod';
import { jobChangesSchemas, jobDefinitionSchemas, triggerDefinitionSchemas } from '../../jobs/job-schema.js';
import { previewCountSchema } from '../fire-time-preview.js';
import { DOCS_ASSET_NAMES } from './docs-page.js';
import { DASHBOARD_ASSET_NAMES } from '../dashboard-page.js';
import { pageAfterSchema, pageLimitSchema } from '../job-page.js';
import { healthSchemas, jobSchema, previewSchema, runSchema, schedulerInfoSchema } from './response-schemas.js';

/*
 * Every endpoint of the router, as the OpenAPI document shows it: each operation beside the very
 * schemas that validate its input (job-schema.ts, the query schemas) and describe its answer.
 * scheduler-router.ts registers the routes; a test checks that the two lists are the same.
 */

export type HttpMethod = 'get' | 'post' | 'patch' | 'delete';

/** Statuses answered with `{"error_message"}`, and what each means on any endpoint. */
export const ERROR_STATUSES = {
  400: 'Invalid input: bad JSON, an unknown key, a wrong type, a bad trigger option or query parameter',
  401: 'Authentication required (sent with `WWW-Authenticate`)',
  404: 'Not found: no job by that id (or no such docs asset)',
  409: 'Conflict: a job with that id exists, or the job runs `max_instances` times already',
  413: 'The request body is larger than the body limit',
  415: 'The body is not JSON (Content-Type, charset or Content-Encoding)',
  500: 'The job\'s task threw; `error_message` is its message',
  503: 'A job store is unreachable; nothing was applied (sent with `Retry-After`)',
} as const;

export type ErrorStatus = keyof typeof ERROR_STATUSES;

export interface ParameterDoc {
  readonly name: string;
  readonly in: 'query' | 'path' | 'header';
  readonly description: string;
  readonly schema: z.ZodType;
  readonly required?: boolean;
}

/** A JSON request body: one schema per variant, combined with `oneOf` when exclusive, else `anyOf`. */
export interface BodyDoc {
  /** Component names are `${name}${Variant}`. */
  readonly name: string;
  readonly variants: Readonly<Record<string, z.ZodType>>;
  readonly exclusive: boolean;
  readonly required: boolean;
  /** The property whose value names the variant (OpenAPI `discriminator`), when every variant has it. */
  readonly discriminator?: string;
  readonly examples?: Readonly<Record<string, unknown>>;
}

/** A success answer: JSON of a schema, another media type, or no body (204). */
export type SuccessDoc =
  | { readonly description: string; readonly json: z.ZodType }
  | { readonly description: string; readonly mediaTypes: readonly string[] }
  | { readonly description: string };

export interface OperationDoc {
  readonly method: HttpMethod;
  /** Under the prefix, in OpenAPI's template syntax (`/jobs/{id}`); `''` is the prefix itself. */
  readonly path: string;
  /** The route's view name (`get_jobs`): the router names it `${endpointPrefix}${operationId}`. */
  readonly operationId: string;
  readonly summary: string;
  readonly tag: 'scheduler' | 'jobs' | 'preview' | 'operator';
  readonly parameters?: readonly ParameterDoc[];
  readonly body?: BodyDoc;
  readonly success: Readonly<Record<number, SuccessDoc>>;
  readonly errors: readonly ErrorStatus[];
  /** Answered without auth too (`security` lists the anonymous option). */
  readonly anonymous?: boolean;
  /** Routed only when the router's `ui` option is on (the dashboard). */
  readonly ui?: boolean;
}

// Over REST a new job needs its id (the router refuses one without); `addJob` in code makes one up.
const { date, interval, cron, none } = jobDefinitionSchemas;
const restJobDefinitions = {
  Date: date.required({ id: true }), Interval: interval.required({ id: true }), Cron: cron.required({ id: true }), Now: none.required({ id: true }),
};
const jobId = jobDefinitionSchemas.date.shape.id.unwrap();
const idParameter: ParameterDoc = { name: 'id', in: 'path', required: true, description: 'The job id', schema: jobId };
const countParameter: ParameterDoc = { name: 'count', in: 'query', description: 'How many fire times (default 10)', schema: previewCountSchema };
const limitParameter: ParameterDoc = { name: 'limit', in: 'query', description: 'Page size', schema: pageLimitSchema };

/** A command's optional body: `{}` or named flags, nothing else. */
const flags = (name: string, shape: z.ZodRawShape): BodyDoc => ({ name, variants: { '': z.strictObject(shape).nullable() }, exclusive: true, required: false });
const noOptions = flags('NoOptions', {});
const commandErrors: readonly ErrorStatus[] = [400, 413, 415];
const jobResponse = { 200: { description: 'The job', json: jobSchema } };

export const OPERATIONS: readonly OperationDoc[] = [
  {
    method: 'get', path: '', operationId: 'get_scheduler_info', tag: 'scheduler', summary: 'The scheduler\'s host, allowed hosts, state, cluster and stores',
    success: { 200: { description: 'Scheduler info', json: schedulerInfoSchema } }, errors: [],
  },
  {
    method: 'post', path: '/pause', operationId: 'pause_scheduler', tag: 'scheduler', summary: 'Pause job processing',
    body: noOptions, success: { 204: { description: 'Paused' } }, errors: commandErrors,
  },
  {
    method: 'post', path: '/resume', operationId: 'resume_scheduler', tag: 'scheduler', summary: 'Resume job processing',
    body: noOptions, success: { 204: { description: 'Resumed' } }, errors: commandErrors,
  },
  {
    method: 'post', path: '/start', operationId: 'start_scheduler', tag: 'scheduler', summary: 'Start the scheduler (only on an allowed host)',
    body: flags('StartOptions', { paused: z.boolean().optional() }), success: { 204: { description: 'Started' } }, errors: [...commandErrors, 503],
  },
  {
    method: 'post', path: '/shutdown', operationId: 'shutdown_scheduler', tag: 'scheduler', summary: 'Shut the scheduler down',
    body: flags('ShutdownOptions', { wait: z.boolean().optional() }), success: { 204: { description: 'Shut down' } }, errors: [...commandErrors, 503],
  },
  {
    method: 'post', path: '/jobs', operationId: 'add_job', tag: 'jobs', summary: 'Add a job',
    body: {
      name: 'JobDefinition', variants: restJobDefinitions, exclusive: true, required: true,
      examples: {
        cron: { id: 'nightly', func: 'examples:echo', trigger: 'cron', hour: 2, minute: 0, timezone: 'Europe/London' },
        crontab: { id: 'weekdays', func: 'examples:echo', trigger: 'cron', crontab: '0 9 * * mon-fri' },
        interval: { id: 'poll', func: 'examples:echo', trigger: 'interval', seconds: 30 },
        date: { id: 'once', func: 'examples:echo', trigger: 'date', run_date: '2030-01-01T09:00:00+01:00' },
      },
    },
    success: jobResponse, errors: [400, 409, 413, 415, 503],
  },
  {
    method: 'get', path: '/jobs', operationId: 'get_jobs', tag: 'jobs', summary: 'List jobs by id; paged with limit/after (a `Link` header points at the next page)',
    parameters: [limitParameter, { name: 'after', in: 'query', description: 'Keyset cursor', schema: pageAfterSchema }],
    success: { 200: { description: 'The jobs, by id', json: z.array(jobSchema) } }, errors: [400, 503],
  },
  {
    method: 'get', path: '/jobs/{id}', operationId: 'get_job', tag: 'jobs', summary: 'One job',
    parameters: [idParameter], success: jobResponse, errors: [404, 503],
  },
  {
    method: 'delete', path: '/jobs/{id}', operationId: 'delete_job', tag: 'jobs', summary: 'Remove a job',
    parameters: [idParameter], success: { 204: { description: 'Removed' } }, errors: [404, 503],
  },
  {
    method: 'patch', path: '/jobs/{id}', operationId: 'update_job', tag: 'jobs', summary: 'Change a job; trigger options without `trigger` apply to its current trigger',
    parameters: [idParameter],
    body: {
      name: 'JobChanges', variants: { Date: jobChangesSchemas.date, Interval: jobChangesSchemas.interval, Cron: jobChangesSchemas.cron },
      exclusive: false, required: true, examples: { reschedule: { hour: 3 }, rename: { name: 'Nightly report' } },
    },
    success: jobResponse, errors: [400, 404, 413, 415, 503],
  },
  {
    method: 'get', path: '/jobs/{id}/runs', operationId: 'get_job_runs', tag: 'jobs', summary: 'A job\'s run history, newest first (served for a removed job too)',
    parameters: [idParameter, limitParameter], success: { 200: { description: 'Runs, newest first', json: z.array(runSchema) } }, errors: [400, 404, 503],
  },
  {
    method: 'post', path: '/jobs/{id}/pause', operationId: 'pause_job', tag: 'jobs', summary: 'Pause a job',
    parameters: [idParameter], body: noOptions, success: jobResponse, errors: [...commandErrors, 404, 503],
  },
  {
    method: 'post', path: '/jobs/{id}/resume', operationId: 'resume_job', tag: 'jobs', summary: 'Resume a job (`null` when its trigger has no fire time left: it is removed)',
    parameters: [idParameter], body: noOptions,
    success: { 200: { description: 'The job, or null', json: jobSchema.nullable() } }, errors: [...commandErrors, 404, 503],
  },
  {
    method: 'post', path: '/jobs/{id}/run', operationId: 'run_job', tag: 'jobs', summary: 'Run a job now and wait for it',
    parameters: [idParameter], body: noOptions, success: jobResponse, errors: [...commandErrors, 404, 409, 500, 503],
  },
  {
    method: 'get', path: '/jobs/{id}/preview', operationId: 'preview_job', tag: 'preview', summary: 'A job\'s next fire times (a paused job\'s from now)',
    parameters: [idParameter, countParameter], success: { 200: { description: 'Fire times', json: previewSchema } }, errors: [400, 404, 503],
  },
  {
    method: 'post', path: '/preview', operationId: 'preview_trigger', tag: 'preview', summary: 'The next fire times of a trigger, saving nothing',
    parameters: [countParameter],
    body: {
      name: 'TriggerDefinition', variants: { Date: triggerDefinitionSchemas.date, Interval: triggerDefinitionSchemas.interval, Cron: triggerDefinitionSchemas.cron },
      exclusive: true, required: true, discriminator: 'trigger',
      examples: {
        crontab: { trigger: 'cron', crontab: '0 9 * * mon-fri', timezone: 'Europe/Paris' },
        interval: { trigger: 'interval', hours: 6, start_date: '2030-01-01T00:00:00Z', end_date: '2030-01-03T00:00:00Z' },
      },
    },
    success: { 200: { description: 'Fire times ([] when it never fires)', json: previewSchema } }, errors: [400, 413, 415],
  },
  {
    method: 'get', path: '/openapi.json', operationId: 'get_openapi', tag: 'operator', summary: 'This document (OpenAPI 3.1)',
    success: { 200: { description: 'The OpenAPI document', mediaTypes: ['application/json'] } }, errors: [],
  },
  {
    method: 'get', path: '/docs', operationId: 'get_docs', tag: 'operator', summary: 'API reference page rendered from this document (assets served here, offline)',
    success: { 200: { description: 'HTML page', mediaTypes: ['text/html'] } }, errors: [],
  },
  {
    method: 'get', path: '/docs/assets/{file}', operationId: 'get_docs_asset', tag: 'operator', summary: 'A script or style sheet of the docs page',
    parameters: [{ name: 'file', in: 'path', required: true, description: 'The asset', schema: z.enum(DOCS_ASSET_NAMES as [string, ...string[]]) }],
    success: { 200: { description: 'The asset', mediaTypes: ['text/javascript', 'text/css'] } }, errors: [404],
  },
  {
    method: 'get', path: '/ui', operationId: 'get_ui', tag: 'operator', ui: true, summary: 'The dashboard page (with the router option `ui: true`)',
    success: { 200: { description: 'HTML page', mediaTypes: ['text/html'] } }, errors: [],
  },
  {
    method: 'get', path: '/ui/assets/{file}', operationId: 'get_ui_asset', tag: 'operator', ui: true, summary: "The dashboard's script or style sheet",
    parameters: [{ name: 'file', in: 'path', required: true, description: 'The asset', schema: z.enum(DASHBOARD_ASSET_NAMES as [string, ...string[]]) }],
    success: { 200: { description: 'The asset', mediaTypes: ['text/javascript', 'text/css'] } }, errors: [404],
  },
  {
    method: 'get', path: '/health', operationId: 'get_health', tag: 'operator', anonymous: true,
    summary: 'Health: exactly `{"status"}` without auth, details (stores, running jobs, last wake) with it',
    success: {
      200: { description: 'Healthy', json: healthSchemas.ok },
      503: { description: 'A store is unreachable or the scheduler is shut down', json: healthSchemas.unavailable },
    },
    errors: [],
  },
  {
    method: 'get', path: '/events', operationId: 'get_events', tag: 'operator', summary: 'Scheduler events as Server-Sent Events (`event:` the kind, `data:` JSON)',
    parameters: [{ name: 'Last-Event-ID', in: 'header', description: 'Resume after this event id (from a bounded buffer)', schema: z.string() }],
    success: { 200: { description: 'An event stream', mediaTypes: ['text/event-stream'] } }, errors: [],
  },
];
