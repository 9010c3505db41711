import { z } from 'zod';
import type { RunStatus, RunTrigger } from '../../stores/run-history.js';
import type { StoreState } from '../../scheduler/store-health.js';
import { triggerKinds } from '../../triggers/trigger-registry.js';

/*
 * What the REST API answers, as zod schemas: the OpenAPI document's response schemas are generated
 * from them, and the conformance test checks live answers against that document. Each mirrors the
 * function that builds the answer (job-json.ts, run-json.ts, the router), which TypeScript types
 * tie to the same unions.
 */

const isoDate = z.string().meta({ description: 'ISO 8601 with offset', examples: ['2030-01-01T09:00:00+01:00'] });

const RUN_STATUSES = ['claimed', 'running', 'ok', 'error', 'missed', 'skipped_max_instances', 'died'] as const satisfies readonly RunStatus[];
const RUN_TRIGGERS = ['scheduled', 'manual'] as const satisfies readonly RunTrigger[];
const STORE_STATES = ['ok', 'unreachable'] as const satisfies readonly StoreState[];

/** `{"error_message": …}`: every refusal and fault. */
export const errorSchema = z.object({ error_message: z.string() }).meta({ id: 'Error', examples: [{ error_message: 'No job by the id of nightly was found' }] });

const lastRunSchema = z.strictObject({
  scheduled_run_time: isoDate,
  status: z.enum(RUN_STATUSES),
  node_id: z.string(),
  finished_at: isoDate.nullable(),
  error_message: z.string().nullable(),
}).meta({ id: 'LastRun' });

/** A job (`jobToJSON`): its own keys, then its trigger's non-default options (loose: they vary by kind). */
export const jobSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  func: z.string(),
  args: z.array(z.unknown()),
  kwargs: z.record(z.string(), z.unknown()),
  trigger: z.enum(triggerKinds() as [string, ...string[]]),
  misfire_grace_time: z.number().nullable(),
  max_instances: z.int(),
  coalesce: z.boolean(),
  executor: z.string(),
  next_run_time: isoDate.nullable().meta({ description: 'ISO 8601 with offset in the trigger\'s zone; null while paused' }),
  last_run: lastRunSchema.nullable().optional(),
}).meta({
  id: 'Job',
  examples: [{
    id: 'nightly', name: 'nightly', func: 'examples:echo', args: [], kwargs: {}, trigger: 'cron', hour: '2', minute: '0', timezone: 'UTC',
    misfire_grace_time: 1, max_instances: 1, coalesce: true, executor: 'default', next_run_time: '2030-01-02T02:00:00+00:00', last_run: null,
  }],
});

/** A run (`runToJSON`). */
export const runSchema = z.strictObject({
  scheduled_run_time: isoDate,
  trigger: z.enum(RUN_TRIGGERS),
  node_id: z.string(),
  status: z.enum(RUN_STATUSES),
  started_at: isoDate.nullable(),
  finished_at: isoDate.nullable(),
  error_message: z.string().nullable(),
  duration_ms: z.number().nullable(),
}).meta({ id: 'Run' });

/** `GET {prefix}`: Flask-APScheduler's three keys, the cluster, the stores' states and the scheduler's zone. */
export const schedulerInfoSchema = z.strictObject({
  current_host: z.string(),
  allowed_hosts: z.array(z.string()),
  running: z.boolean(),
  cluster: z.strictObject({
    node_id: z.string(),
    clustered: z.boolean(),
    nodes: z.array(z.strictObject({ node_id: z.string(), hostname: z.string(), pid: z.int(), heartbeat_at: isoDate })),
  }),
  stores: z.record(z.string(), z.enum(STORE_STATES)),
  timezone: z.string().meta({ description: "The scheduler's default IANA time zone (triggers without their own use it)" }),
}).meta({ id: 'SchedulerInfo' });

/** The preview endpoints' answer (`PreviewJSON`). */
export const previewSchema = z.strictObject({ fire_times: z.array(isoDate) }).meta({
  id: 'FireTimes',
  examples: [{ fire_times: ['2030-01-01T09:00:00+01:00', '2030-01-02T09:00:00+01:00'] }],
});

/** Details a health answer carries when the request is authenticated. */
const healthDetails = {
  stores: z.record(z.string(), z.unknown()).optional(),
  running_jobs: z.int().optional(),
  last_wake: isoDate.nullable().optional(),
};

/** `GET {prefix}/health`: exactly `{"status": …}` without auth; details besides with it. */
export const healthSchemas = {
  ok: z.looseObject({ status: z.literal('ok'), ...healthDetails }).meta({ id: 'HealthOk', examples: [{ status: 'ok' }] }),
  unavailable: z.looseObject({ status: z.literal('unavailable'), ...healthDetails }).meta({ id: 'HealthUnavailable', examples: [{ status: 'unavailable' }] }),
};
