import type { Scheduler, StoreState } from '../scheduler/scheduler.js';

/**
 * `GET {prefix}/health`, as a load balancer and an operator read it.
 *
 * @example
 * const { status, stores } = healthOf(scheduler)
 */
export interface HealthReport {
  /** `unavailable` while a store is unreachable or the scheduler is not running. */
  readonly status: 'ok' | 'unavailable';
  /** The scheduler's state: `running`, `paused` or `stopped`. */
  readonly scheduler: string;
  readonly stores: Readonly<Record<string, StoreState>>;
  /** Instances of jobs running in this process now. */
  readonly running_jobs: number;
  /** When the scheduler last woke to look for due jobs (ISO 8601), null before its first pass. */
  readonly last_wake: string | null;
}

/** Each store's reachability by alias, as the scheduler last found it. */
export function storeStates(scheduler: Scheduler): Record<string, StoreState> {
  return Object.fromEntries(Object.entries(scheduler.storeStatus()).map(([alias, status]) => [alias, status.state]));
}

/** The scheduler's health from what it already knows (no store is queried: a probe stays cheap during an outage). */
export function healthOf(scheduler: Scheduler): HealthReport {
  const stores = storeStates(scheduler);
  const healthy = scheduler.running && Object.values(stores).every((state) => state === 'ok');
  return {
    status: healthy ? 'ok' : 'unavailable',
    scheduler: scheduler.state,
    stores,
    running_jobs: scheduler.runningJobs,
    last_wake: scheduler.lastWake?.toISOString() ?? null,
  };
}

/** The HTTP status of a report: 200 when ok, 503 otherwise. */
export function healthStatusCode(report: HealthReport): number {
  return report.status === 'ok' ? 200 : 503;
}
