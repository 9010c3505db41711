import type { JobDefinition } from '../jobs/job-definition.js';

/**
 * jobclock's one typed configuration. `knexfile-free-config.ts` at the repository root holds the
 * server's values; `loadConfig(env, base)` applies the environment on top (every field has a variable).
 *
 * @example
 * export default defineConfig({ store: 'postgres://localhost/app', timezone: 'Europe/London', … }) // every field, as knexfile-free-config.ts
 */
export interface JobclockConfig {
  /** Store URL of the `default` job store: `memory:`, `sqlite:<path>`, `sqlite::memory:`, `postgres://…`. Env: SCHEDULER_STORE. */
  readonly store: string;
  /** More named job stores, alias → URL (APScheduler's `jobstores`). Env: SCHEDULER_JOBSTORES=`alias=url,…`. */
  readonly jobstores: Readonly<Record<string, string>>;
  /** Prefix of jobclock's table names, so apps can share a database. Env: SCHEDULER_TABLE_PREFIX. */
  readonly tablePrefix: string;
  /** PostgreSQL schema for jobclock's tables (created if missing); null = the connection's default. Env: SCHEDULER_DB_SCHEMA. */
  readonly schema: string | null;
  /** IANA zone for triggers that name none. Env: SCHEDULER_TIMEZONE. */
  readonly timezone: string;
  /** Env: SCHEDULER_MISFIRE_GRACE_TIME (seconds or `none`), SCHEDULER_COALESCE, SCHEDULER_MAX_INSTANCES. */
  readonly jobDefaults: {
    readonly misfireGraceTime: number | null;
    readonly coalesce: boolean;
    readonly maxInstances: number;
  };
  /** Env: SCHEDULER_MAX_CONCURRENCY (async executor), SCHEDULER_WORKER_THREADS (worker executor). */
  readonly executors: {
    readonly maxConcurrency: number;
    readonly workerThreads: number;
  };
  /** Env: SCHEDULER_API_PREFIX, SCHEDULER_ENDPOINT_PREFIX, SCHEDULER_BODY_LIMIT (bytes). */
  readonly api: {
    readonly prefix: string;
    readonly endpointPrefix: string;
    readonly bodyLimit: number;
  };
  /** HTTP Basic users. Env: SCHEDULER_BASIC_AUTH=`user:password[,user:password]`. Empty = auth off. */
  readonly basicAuth: readonly { readonly username: string; readonly password: string }[];
  /** Hosts the scheduler may start on (`*` = any). Env: SCHEDULER_ALLOWED_HOSTS=`a,b`. */
  readonly allowedHosts: readonly string[];
  /** Task module files; module name = file name without extension. Env: SCHEDULER_TASKS=`a.js,b.mjs`. */
  readonly tasks: readonly string[];
  /** Jobs upserted at start (Flask-APScheduler's JOBS). */
  readonly jobs: readonly JobDefinition[];
  /** Env: HOST. */
  readonly host: string;
  /** Env: PORT. */
  readonly port: number;
  /** Allow a non-loopback HOST without auth. Env: SCHEDULER_ALLOW_NO_AUTH=1. */
  readonly allowNoAuth: boolean;
  /** The bundled server's log level: `fatal`, `error`, `warn`, `info` (default), `debug`, `trace` or `silent`. Env: LOG_LEVEL. */
  readonly logLevel?: LogLevel;
  /** Clustering on a PostgreSQL store (on by default there). Env: SCHEDULER_CLUSTER=0|1. */
  readonly cluster: boolean | null;
  /**
   * Cluster timing in ms (defaults 5000, 30000, 30000). Env: SCHEDULER_HEARTBEAT_MS,
   * SCHEDULER_LEASE_MS, SCHEDULER_FALLBACK_POLL_MS.
   */
  readonly clusterTiming?: {
    readonly heartbeatMs?: number;
    readonly leaseMs?: number;
    readonly fallbackPollMs?: number;
  };
  /** Run history kept per job and its age limit (defaults 100 runs, 30 days). Env: SCHEDULER_RUNS_PER_JOB, SCHEDULER_RUNS_MAX_AGE_MS. */
  readonly runRetention?: {
    readonly maxPerJob?: number;
    readonly maxAgeMs?: number;
  };
}

/**
 * The levels `LOG_LEVEL` takes, most severe first (pino's).
 *
 * @example
 * const quiet: JobclockConfig = { ...config, logLevel: LOG_LEVELS[2] } // 'warn'
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * One of {@link LOG_LEVELS}.
 *
 * @example
 * const level: LogLevel = 'debug'
 */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Types a config file; returns its argument.
 *
 * @example
 * export default defineConfig({ store: 'sqlite:./data/jobclock.sqlite', jobstores: {}, timezone: 'UTC', … })
 */
export function defineConfig(config: JobclockConfig): JobclockConfig {
  return config;
}
