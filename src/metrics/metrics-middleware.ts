import type { Context, Middleware, Next } from 'koa';
import { requireAuth, type AuthOptions } from '../http/auth.js';
import { answerErrors } from '../http/answer-errors.js';
import { MethodNotAllowedError } from '../http/http-errors.js';
import type { Logger } from '../scheduler/logger.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { SchedulerMetricsOptions } from './scheduler-metrics.js';

/**
 * Where and for whom `metricsMiddleware` serves the metrics.
 *
 * @example
 * await metricsMiddleware(scheduler, { path: '/internal/metrics', auth: { basic: users }, perJobLabels: true })
 */
export interface MetricsMiddlewareOptions extends SchedulerMetricsOptions {
  /** Default `/metrics`. */
  readonly path?: string;
  /** Who may scrape (as the REST API's `auth`); open when not given. */
  readonly auth?: AuthOptions;
  /** Where a fault while collecting is logged; default `console`. */
  readonly logger?: Logger;
}

/**
 * Koa middleware serving the scheduler's Prometheus metrics at `GET /metrics` (text exposition
 * format): `jobclock_runs_total{outcome}` (ok, error, missed, skipped), `jobclock_run_lateness_seconds`
 * and `jobclock_run_duration_seconds` histograms, `jobclock_jobs{jobstore,state}`,
 * `jobclock_store_errors_total{jobstore}`, `jobclock_running_jobs`, and Node's default metrics. Other
 * requests pass through. prom-client is loaded here, not when `jobclock` is imported; runs are
 * counted from the moment the promise resolves.
 *
 * @example
 * const app = new Koa()
 * app.use(await metricsMiddleware(scheduler, { auth: { basic: [{ username: 'prometheus', password }] } }))
 */
export async function metricsMiddleware(scheduler: Scheduler, options: MetricsMiddlewareOptions = {}): Promise<Middleware> {
  const { SchedulerMetrics } = await import('./scheduler-metrics.js');
  const metrics = new SchedulerMetrics(scheduler, options);
  const path = options.path ?? '/metrics';
  const answer = answerErrors(options.logger ?? console);
  const auth = requireAuth(options.auth);
  const serve = async (ctx: Context) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new MethodNotAllowedError(ctx.method, ctx.path, ['GET', 'HEAD']);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.contentType;
    ctx.body = await metrics.text();
  };
  return (ctx: Context, next: Next) => (ctx.path === path ? answer(ctx, () => auth(ctx, () => serve(ctx))) : next());
}
