/**
 * jobclock's public API: everything a user imports from `jobclock`.
 *
 * @example
 * import { Scheduler, CronTrigger, currentJob } from 'jobclock'
 */
export { Scheduler } from './scheduler/scheduler.js';
export type { SchedulerOptions, SchedulerState, JobQuery, ClusterInfo, ClusterTiming, StoreState, StoreStatus } from './scheduler/scheduler.js';
export { DEFAULT_CLUSTER_TIMING } from './scheduler/scheduler.js';
export * from './scheduler/events.js';
export type { Logger } from './scheduler/logger.js';
export { silentLogger } from './scheduler/logger.js';
export { pinoLogger } from './logging/pino-logger.js';
export type { StructuredLogger } from './logging/pino-logger.js';

export type { Trigger, TriggerJSON, TriggerKind, TriggerContext, TriggerFactory } from './triggers/trigger.js';
export { createTrigger, triggerKinds } from './triggers/trigger-registry.js';
export { DateTrigger } from './triggers/date-trigger.js';
export { IntervalTrigger } from './triggers/interval-trigger.js';
export { CronTrigger } from './triggers/cron/cron-trigger.js';
export { previewFireTimes, checkPreviewCount, DEFAULT_PREVIEW_COUNT, MAX_PREVIEW_COUNT } from './triggers/preview.js';
export type { PreviewOptions } from './triggers/preview.js';
export { fireTimeAtOrAfter, lastFireTimeAtOrBefore, countFireTimes, CatchUpLimitError } from './triggers/catch-up.js';

export type { JobStore, JobCounts, StoreContext, JobPage, JobAdvance, AcquiredJob, NodeIdentity, MissedSpan } from './stores/job-store.js';
export type { RunHistory, RunRecord, RunRetention, RunStatus } from './stores/run-history.js';
export { DEFAULT_RUN_RETENTION } from './stores/run-history.js';
export type { ClusterCoordination, ClusterNode, ClaimedRuns, RunTransition } from './stores/cluster-coordination.js';
export { MemoryJobStore } from './stores/memory.js';
export { createJobStore } from './stores/store-url.js';
export { MissingDriverError } from './stores/sql/driver-import.js';
export type { DriverPackage } from './stores/sql/driver-import.js';

export type { Executor, InlineSubmission, Submission, TaskInvoker, TaskInvocation } from './executors/executor.js';
export { AsyncExecutor } from './executors/async-executor.js';
export { WorkerExecutor } from './executors/worker-executor.js';

export type { Job, JobDefaults, JobState } from './jobs/job.js';
export type { JobDefinition, JobDefinitionFor, JobChanges, TaskDefinition } from './jobs/job-definition.js';
export { jobDefinitionSchema, jobChangesSchema, triggerDefinitionSchemas } from './jobs/job-schema.js';
export { jobToJSON } from './http/job-json.js';
export type { JobJSON, LastRunJSON } from './http/job-json.js';
export { runToJSON } from './http/run-json.js';
export type { RunJSON } from './http/run-json.js';

export { TaskRegistry } from './tasks/task-registry.js';
export type { TaskFunction, ResolvedTask } from './tasks/task-registry.js';
export { currentJob } from './tasks/current-job.js';
export type { CurrentJob } from './tasks/current-job.js';

export type { Clock, TimerHandle, TimerOptions } from './clock/clock.js';
export { ManualClock, systemClock } from './clock/clock.js';

export * from './errors.js';

export { defineConfig, LOG_LEVELS } from './config/config.js';
export type { JobclockConfig, LogLevel } from './config/config.js';
export { loadConfig } from './config/load-config.js';

export { schedulerRouter, DEFAULT_BODY_LIMIT } from './http/scheduler-router.js';
export type { SchedulerRouterOptions } from './http/scheduler-router.js';
export type { AuthOptions, BasicUser } from './http/auth.js';
export { openApiDocument } from './http/openapi/openapi-document.js';
export type { OpenApiDocument, OpenApiDocumentOptions } from './http/openapi/openapi-document.js';
export type { PreviewJSON } from './http/fire-time-preview.js';
export type { EventStreamOptions } from './http/event-stream.js';
export type { HealthReport } from './http/health.js';
export { eventToJSON } from './http/event-json.js';
export { metricsMiddleware } from './metrics/metrics-middleware.js';
export type { MetricsMiddlewareOptions } from './metrics/metrics-middleware.js';
export type { SchedulerMetricsOptions } from './metrics/scheduler-metrics.js';
export { startServer, createApp } from './server/app.js';
export type { ServerOptions, RunningServer, JobclockApp } from './server/app.js';
