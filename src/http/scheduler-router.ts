import type { Router, RouterContext, RouterMiddleware } from '@koa/router';
import type { Context, Next } from 'koa';
import { JobLookupError, JobStoreUnavailableError, ValidationError } from '../errors.js';
import type { JobDefinition } from '../jobs/job-definition.js';
import { MAX_ID_LENGTH } from '../jobs/job-definition.js';
import type { Job } from '../jobs/job.js';
import { jobJSONText } from './job-json.js';
import { runToJSON } from './run-json.js';
import { previewStoredJob, previewTriggerDefinition } from './fire-time-preview.js';
import { serveDocsAsset, serveDocsPage } from './openapi/docs-page.js';
import { serveDashboardAsset, serveDashboardPage } from './dashboard-page.js';
import { requireSameOrigin } from './same-origin-guard.js';
import { openApiDocument } from './openapi/openapi-document.js';
import { isPlainObject } from '../jobs/json-value.js';
import type { ClusterInfo, Scheduler } from '../scheduler/scheduler.js';
import type { Logger } from '../scheduler/logger.js';
import { describeType } from '../tasks/task-registry.js';
import { authEnabled, authenticates, requireAuth, type AuthOptions } from './auth.js';
import { EventStreamHub, type EventStreamOptions } from './event-stream.js';
import { healthOf, healthStatusCode, storeStates } from './health.js';
import { answerErrors } from './answer-errors.js';
import { HostNotAllowedError, JobRunFailedError, MethodNotAllowedError, RouteNotFoundError } from './http-errors.js';
import { nextPageLink, parseJobPage } from './job-page.js';
import { readJsonBody } from './json-body.js';
import { koaRouterClass } from './koa-router-class.js';

/**
 * @example
 * schedulerRouter(scheduler, { prefix: '/api/scheduler', auth: { basic: [{ username: 'admin', password }] } })
 */
export interface SchedulerRouterOptions {
  /** Where the endpoints live (Flask-APScheduler's `SCHEDULER_API_PREFIX`); default `/scheduler`. */
  readonly prefix?: string;
  /** Prefix of the route names (`SCHEDULER_ENDPOINT_PREFIX`); default `scheduler.` → `scheduler.get_jobs`. */
  readonly endpointPrefix?: string;
  /** Off unless given; see {@link AuthOptions}. */
  readonly auth?: AuthOptions;
  /** Largest request body in bytes; default 64 KiB. */
  readonly bodyLimit?: number;
  /** Where server faults are logged (their detail never goes to the client); default `console`. */
  readonly logger?: Logger;
  /** How `GET {prefix}/events` streams; see {@link EventStreamOptions}. */
  readonly events?: EventStreamOptions;
  /** Serve the dashboard at `GET {prefix}/ui` (same auth as the API); default off. */
  readonly ui?: boolean;
}

/**
 * The largest request body the REST API reads unless `bodyLimit` says otherwise: 64 KiB.
 *
 * @example
 * schedulerRouter(scheduler, { bodyLimit: 4 * DEFAULT_BODY_LIMIT })
 */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/**
 * The REST API of Flask-APScheduler as an `@koa/router` router: it translates HTTP to scheduler calls
 * and errors to statuses, nothing more. Every error it produces is answered inside its own routes as
 * `{"error_message": …}`, and it never touches a request outside its prefix.
 *
 * @example
 * const router = schedulerRouter(scheduler, { prefix: '/scheduler' })
 * app.use(router.routes()).use(router.allowedMethods())
 */
export function schedulerRouter(scheduler: Scheduler, options: SchedulerRouterOptions = {}): Router {
  const prefix = normalizePrefix(options.prefix ?? '/scheduler');
  const endpointPrefix = options.endpointPrefix ?? 'scheduler.';
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const name = (view: string) => `${endpointPrefix}${view}`;
  // Errors are answered first thing in every route, auth checked before any body is read, and a
  // change a browser sends from another origin refused (CSRF).
  const answer = answerErrors(options.logger ?? console);
  const guard: RouterMiddleware[] = [answer, requireAuth(options.auth), requireSameOrigin];
  const authenticated = authenticates(options.auth);
  const events = new EventStreamHub(scheduler, options.events);
  const body = (ctx: Context) => readJsonBody(ctx, bodyLimit);
  const options_ = (ctx: Context, allowed: Readonly<Record<string, 'boolean'>>) => readOptions(ctx, bodyLimit, allowed);
  const router = new (koaRouterClass())({ prefix, sensitive: true });

  router.get(name('get_scheduler_info'), '/', ...guard, async (ctx) => {
    const cluster = await schedulerCluster(scheduler);
    const stores = storeStates(scheduler);
    ctx.body = { current_host: scheduler.hostname, allowed_hosts: scheduler.allowedHosts, running: scheduler.running, cluster, stores, timezone: scheduler.timezone };
  });

  // Open to all (load balancers probe it): only an authenticated request gets the details.
  router.get(name('get_health'), '/health', answer, async (ctx) => {
    const report = healthOf(scheduler);
    ctx.status = healthStatusCode(report);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = authEnabled(options.auth) && (await authenticated(ctx)) ? report : { status: report.status };
  });

  router.get(name('get_events'), '/events', ...guard, (ctx) => {
    events.open(ctx);
  });

  router.post(name('pause_scheduler'), '/pause', ...guard, async (ctx) => {
    await options_(ctx, {});
    scheduler.pause();
    ctx.status = 204;
  });

  router.post(name('resume_scheduler'), '/resume', ...guard, async (ctx) => {
    await options_(ctx, {});
    scheduler.resume();
    ctx.status = 204;
  });

  router.post(name('start_scheduler'), '/start', ...guard, async (ctx) => {
    const { paused } = await options_(ctx, { paused: 'boolean' });
    if (!scheduler.running && !scheduler.hostAllowed) throw new HostNotAllowedError(scheduler.hostname, scheduler.allowedHosts);
    await scheduler.start({ paused: paused ?? false });
    ctx.status = 204;
  });

  router.post(name('shutdown_scheduler'), '/shutdown', ...guard, async (ctx) => {
    const { wait } = await options_(ctx, { wait: 'boolean' });
    await scheduler.shutdown({ wait: wait ?? true });
    ctx.status = 204;
  });

  router.post(name('add_job'), '/jobs', ...guard, async (ctx) => {
    const definition = requireJobObject(await body(ctx), 'A job definition');
    if (definition.id === undefined) throw new ValidationError('id is required');
    await answerJob(ctx, scheduler, await scheduler.addJob(definition as JobDefinition));
  });

  router.get(name('get_jobs'), '/jobs', ...guard, async (ctx) => {
    const page = parseJobPage(ctx.query);
    const jobs = await scheduler.getJobs(page);
    const link = nextPageLink(prefix, page, jobs.map((job) => job.id));
    if (link) ctx.set('Link', link);
    const lastRuns = await scheduler.getLastRuns(jobs.map((job) => job.id));
    answerJSONText(ctx, `[${jobs.map((job) => jobJSONText(job, lastRuns.get(job.id) ?? null)).join(',')}]`);
  });

  router.get(name('get_job'), '/jobs/:id', ...guard, async (ctx) => {
    await answerJob(ctx, scheduler, await requireJob(scheduler, jobIdOf(ctx)));
  });

  router.get(name('get_job_runs'), '/jobs/:id/runs', ...guard, async (ctx) => {
    const id = jobIdOf(ctx);
    const { limit = 20 } = parseJobPage({ limit: ctx.query.limit });
    const job = await scheduler.getJob(id);
    const runs = await scheduler.getRuns(id, { limit });
    // A removed job's history is still served; an id that never ran and does not exist is not found.
    if (!job && runs.length === 0) throw new JobLookupError(id);
    ctx.body = runs.map((run) => runToJSON(run, job?.trigger.timezone));
  });

  router.delete(name('delete_job'), '/jobs/:id', ...guard, async (ctx) => {
    await scheduler.removeJob(jobIdOf(ctx));
    ctx.status = 204;
  });

  router.patch(name('update_job'), '/jobs/:id', ...guard, async (ctx) => {
    const id = jobIdOf(ctx);
    const changes = requireJobObject(await body(ctx), 'Job changes');
    await answerJob(ctx, scheduler, await scheduler.modifyJob(id, changes));
  });

  router.post(name('pause_job'), '/jobs/:id/pause', ...guard, async (ctx) => {
    const id = jobIdOf(ctx);
    await options_(ctx, {});
    await answerJob(ctx, scheduler, await scheduler.pauseJob(id));
  });

  router.post(name('resume_job'), '/jobs/:id/resume', ...guard, async (ctx) => {
    const id = jobIdOf(ctx);
    await options_(ctx, {});
    const job = await scheduler.resumeJob(id);
    // A job whose trigger has no fire time left is removed on resume: Flask-APScheduler answers `null`.
    if (job) {
      await answerJob(ctx, scheduler, job);
    } else {
      answerJSONText(ctx, 'null');
    }
  });

  router.post(name('run_job'), '/jobs/:id/run', ...guard, async (ctx) => {
    const id = jobIdOf(ctx);
    await options_(ctx, {});
    const before = await requireJob(scheduler, id);
    await runJobNow(scheduler, id);
    await answerJob(ctx, scheduler, (await scheduler.getJob(id)) ?? before);
  });

  router.get(name('preview_job'), '/jobs/:id/preview', ...guard, async (ctx) => {
    ctx.body = await previewStoredJob(scheduler, jobIdOf(ctx), ctx.query);
  });

  router.post(name('preview_trigger'), '/preview', ...guard, async (ctx) => {
    ctx.body = previewTriggerDefinition(scheduler, await body(ctx), ctx.query);
  });

  const document = openApiDocument({ prefix, auth: options.auth, ui: options.ui === true });
  router.get(name('get_openapi'), '/openapi.json', ...guard, (ctx) => {
    ctx.body = document;
  });

  router.get(name('get_docs'), '/docs', ...guard, (ctx) => {
    serveDocsPage(ctx, prefix);
  });

  router.get(name('get_docs_asset'), '/docs/assets/:file', ...guard, async (ctx) => {
    await serveDocsAsset(ctx, ctx.params.file ?? '');
  });

  if (options.ui === true) {
    router.get(name('get_ui'), '/ui', ...guard, (ctx) => {
      serveDashboardPage(ctx, prefix);
    });
    router.get(name('get_ui_asset'), '/ui/assets/:file', ...guard, async (ctx) => {
      await serveDashboardAsset(ctx, ctx.params.file ?? '');
    });
  }

  // Last: any other path under the prefix, or a known path with another method, is answered here
  // (in JSON, auth first) rather than falling through to the host app.
  router.all(name('not_found'), '{/*rest}', ...guard, (ctx) => {
    const allowed = allowedMethods(ctx, name('not_found'));
    if (allowed.length === 0) throw new RouteNotFoundError(ctx.method, ctx.path);
    if (ctx.method === 'OPTIONS') {
      ctx.set('Allow', [...allowed, 'OPTIONS'].join(', '));
      ctx.status = 204;
      return;
    }
    throw new MethodNotAllowedError(ctx.method, ctx.path, [...allowed, 'OPTIONS']);
  });

  return confineToPrefix(router, prefix);
}

/** The cluster part of the status; while the stores cannot even be opened, this node alone with no nodes listed (`stores` says why). */
async function schedulerCluster(scheduler: Scheduler): Promise<ClusterInfo> {
  try {
    return await scheduler.clusterInfo();
  } catch (error) {
    if (!(error instanceof JobStoreUnavailableError)) throw error;
    return { node_id: scheduler.nodeId, clustered: false, nodes: [] };
  }
}

/** Runs the job now; a failure of the task itself (not of the lookup or the limits) becomes {@link JobRunFailedError}. */
async function runJobNow(scheduler: Scheduler, id: string): Promise<void> {
  // The task's error is the very object `job_error` carries: that tells it apart from the scheduler's own.
  const taskErrors = new WeakSet<Error>();
  const onError = (event: { jobId: string; exception?: Error }) => {
    if (event.jobId === id && event.exception) taskErrors.add(event.exception);
  };
  scheduler.on('job_error', onError);
  try {
    await scheduler.runJob(id);
  } catch (error) {
    if (error instanceof Error && taskErrors.has(error)) throw new JobRunFailedError(id, error);
    throw error;
  } finally {
    scheduler.off('job_error', onError);
  }
}

/** The job id from the path. An id no job can have (too long, control characters, "/") names none. */
function jobIdOf(ctx: RouterContext): string {
  const id = ctx.params.id ?? '';
  if (id.length === 0 || id.length > MAX_ID_LENGTH || /[\u0000-\u001f\u007f/]|\p{Cs}/u.test(id)) throw new JobLookupError(id);
  return id;
}

/** Answers with the job's JSON (written as text) and its `last_run`. */
async function answerJob(ctx: Context, scheduler: Scheduler, job: Job): Promise<void> {
  answerJSONText(ctx, jobJSONText(job, (await scheduler.getLastRuns([job.id])).get(job.id) ?? null));
}

/**
 * Answers JSON already written as text. The header is set as Koa's `ctx.type = 'json'` sets it,
 * without its MIME lookup on every answer (2 % of a `GET /jobs/:id`).
 */
function answerJSONText(ctx: Context, text: string): void {
  ctx.set('Content-Type', JSON_TYPE);
  ctx.body = text;
}

const JSON_TYPE = 'application/json; charset=utf-8';

async function requireJob(scheduler: Scheduler, id: string) {
  const job = await scheduler.getJob(id);
  if (!job) throw new JobLookupError(id);
  return job;
}

/** A job definition or changes: a JSON object whose `trigger`, when given, is a trigger's name. */
function requireJobObject(value: unknown, what: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new ValidationError(`${what} must be a JSON object, got ${value === undefined ? 'no body' : describeType(value)}`);
  if (value.trigger !== undefined && typeof value.trigger !== 'string') {
    throw new ValidationError(`trigger must be a trigger name ("date", "interval" or "cron"), got ${describeType(value.trigger)}`);
  }
  return value;
}

/** The optional body of a command (`{"wait": false}` on shutdown): no body, `null`, or an object of known flags. */
async function readOptions(
  ctx: Context,
  limit: number,
  allowed: Readonly<Record<string, 'boolean'>>,
): Promise<Record<string, boolean | undefined>> {
  const value = await readJsonBody(ctx, limit);
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw new ValidationError(`Request body must be a JSON object, got ${describeType(value)}`);
  const result: Record<string, boolean | undefined> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!Object.hasOwn(allowed, key)) {
      const known = Object.keys(allowed);
      throw new ValidationError(`Unknown option "${key}"${known.length > 0 ? `; known: ${known.join(', ')}` : ': this endpoint takes none'}`);
    }
    if (typeof item !== 'boolean') throw new ValidationError(`${key} must be true or false, got ${describeType(item)}`);
    result[key] = item;
  }
  return result;
}

/** Methods the other routes take on this path (the router put every layer matching it in `ctx.matched`). */
function allowedMethods(ctx: RouterContext, fallbackName: string): string[] {
  const methods = new Set<string>();
  for (const layer of ctx.matched ?? []) {
    if (layer.name === fallbackName) continue;
    for (const method of layer.methods) methods.add(method);
  }
  return [...methods];
}

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed !== '' && !trimmed.startsWith('/')) throw new Error(`Router prefix must start with "/", got "${prefix}"`);
  return trimmed;
}

/**
 * Makes `routes()` / `middleware()` / `allowedMethods()` pass any request outside the prefix straight
 * on, without the router marking it (`ctx.router`, `ctx.matched`): the host app keeps its requests.
 * Nesting (`parent.use(router.routes())`) still works: it copies the routes, guards included.
 */
function confineToPrefix(router: Router, prefix: string): Router {
  const inside = (path: string) => prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
  const dispatch = router.middleware();
  const allowed = router.allowedMethods.bind(router);
  // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- passes on Koa's middleware result (typed any)
  const confined = Object.assign((ctx: Context, next: Next) => (inside(ctx.path) ? dispatch(ctx as never, next) : next()), {
    router,
  });
  router.routes = router.middleware = () => confined;
  router.allowedMethods = (opts) => {
    const middleware = allowed(opts);
    // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- passes on Koa's middleware result (typed any)
    return (ctx, next) => (inside(ctx.path) ? middleware(ctx, next) : next());
  };
  return router;
}
