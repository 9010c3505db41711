import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SchedulerEvent } from '../scheduler/events.js';
import type { Scheduler } from '../scheduler/scheduler.js';

/**
 * What the metrics include beyond the scheduler's own.
 *
 * @example
 * await metricsMiddleware(scheduler, { perJobLabels: true, defaultMetrics: false })
 */
export interface SchedulerMetricsOptions {
  /** Label runs with `job_id` too (one series per job: only for a bounded number of jobs); default false. */
  readonly perJobLabels?: boolean;
  /** Node's default process metrics (CPU, memory, event loop lag, GC…); default true. */
  readonly defaultMetrics?: boolean;
}

/** The run outcomes `jobclock_runs_total` counts, and the event each comes from. */
const OUTCOMES = { job_executed: 'ok', job_error: 'error', job_missed: 'missed', job_max_instances: 'skipped' } as const;
const LATENESS_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300];
const DURATION_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * One scheduler's Prometheus metrics, in a registry of its own (two schedulers in a process do not
 * clash). Runs are counted from the scheduler's events as they happen; the jobs gauge and the store
 * errors are read from the stores and their health when scraped.
 */
export class SchedulerMetrics {
  readonly registry = new Registry();
  private readonly runs: Counter;
  private readonly lateness: Histogram;
  private readonly duration: Histogram;
  private readonly perJob: boolean;
  /** Without per-job labels, each outcome's series, bound once: no label set hashed per run. */
  private readonly outcomeSeries: ReadonlyMap<string, { inc(value: number): void }>;
  private readonly listener = (event: SchedulerEvent) => this.observe(event);

  constructor(private readonly scheduler: Scheduler, options: SchedulerMetricsOptions = {}) {
    this.perJob = options.perJobLabels ?? false;
    const runLabels = this.perJob ? ['outcome', 'job_id'] : ['outcome'];
    const registers = [this.registry];
    this.runs = new Counter({ name: 'jobclock_runs_total', help: 'Runs by outcome: ok, error, missed (past misfire_grace_time), skipped (max_instances reached)', labelNames: runLabels, registers });
    if (!this.perJob) for (const outcome of Object.values(OUTCOMES)) this.runs.inc({ outcome }, 0);
    this.outcomeSeries = new Map(this.perJob ? [] : Object.values(OUTCOMES).map((outcome) => [outcome, this.runs.labels({ outcome })]));
    const timingLabels = this.perJob ? ['job_id'] : [];
    this.lateness = new Histogram({ name: 'jobclock_run_lateness_seconds', help: 'How late runs started after their scheduled run time', labelNames: timingLabels, buckets: LATENESS_BUCKETS, registers });
    this.duration = new Histogram({ name: 'jobclock_run_duration_seconds', help: 'How long runs took, from the task call to its end', labelNames: timingLabels, buckets: DURATION_BUCKETS, registers });
    new Gauge({
      name: 'jobclock_jobs',
      help: 'Jobs by store and state (scheduled, paused), counted at scrape time; a store that cannot be counted now is left out',
      labelNames: ['jobstore', 'state'],
      registers,
      async collect() {
        const counts = await scheduler.countJobs();
        this.reset();
        for (const [jobstore, count] of Object.entries(counts)) {
          if (!count) continue;
          this.set({ jobstore, state: 'scheduled' }, count.scheduled);
          this.set({ jobstore, state: 'paused' }, count.paused);
        }
      },
    });
    new Gauge({
      name: 'jobclock_running_jobs',
      help: 'Job instances running in this process now',
      registers,
      collect() {
        this.set(scheduler.runningJobs);
      },
    });
    new Counter({
      name: 'jobclock_store_errors_total',
      help: 'Connection-level failures of calls to each job store (every retry counts)',
      labelNames: ['jobstore'],
      registers,
      collect() {
        this.reset();
        for (const [jobstore, status] of Object.entries(scheduler.storeStatus())) this.inc({ jobstore }, status.errors);
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    scheduler.on('*', this.listener);
  }

  /** The Prometheus text exposition of every metric. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops counting (removes the event listener). */
  close(): void {
    this.scheduler.off('*', this.listener);
  }

  private observe(event: SchedulerEvent): void {
    if (!(event.kind in OUTCOMES)) return;
    const outcome = OUTCOMES[event.kind as keyof typeof OUTCOMES];
    const job = 'jobId' in event && this.perJob ? { job_id: event.jobId } : null;
    const runs = event.kind === 'job_missed' ? (event.missedRuns ?? 1) : event.kind === 'job_max_instances' ? event.scheduledRunTimes.length : 1;
    const series = this.outcomeSeries.get(outcome);
    if (series) series.inc(runs);
    else this.runs.inc({ outcome, ...job }, runs);
    if ((event.kind === 'job_executed' || event.kind === 'job_error') && event.startedAt) {
      const started = event.startedAt.getTime();
      const lateness = Math.max(0, started - event.scheduledRunTime.getTime()) / 1000;
      const duration = Math.max(0, this.scheduler.clock.now().getTime() - started) / 1000;
      if (job) {
        this.lateness.observe(job, lateness);
        this.duration.observe(job, duration);
      } else {
        this.lateness.observe(lateness);
        this.duration.observe(duration);
      }
    }
  }
}
