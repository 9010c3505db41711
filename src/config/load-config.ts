import { LOG_LEVELS, type JobclockConfig, type LogLevel } from './config.js';

/** The environment variables jobclock reads (see README "Configuration"). */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * `base` (an application's config, usually its `defineConfig` file) with the environment applied on
 * top. The base is always passed in: the library never reads an application's config file itself;
 * the server and migrate entries of this repository pass `knexfile-free-config.ts`.
 *
 * @example
 * import config from './jobclock.config.js'
 * const settings = loadConfig(process.env, config)
 * const inTests = loadConfig({ SCHEDULER_STORE: 'memory:' }, config)
 */
export function loadConfig(env: Environment, base: JobclockConfig): JobclockConfig {
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  return {
    ...base,
    store: read('SCHEDULER_STORE') ?? base.store,
    jobstores: mapOrDefault(read('SCHEDULER_JOBSTORES'), parseAliases, base.jobstores),
    tablePrefix: read('SCHEDULER_TABLE_PREFIX') ?? base.tablePrefix,
    schema: read('SCHEDULER_DB_SCHEMA') ?? base.schema,
    timezone: read('SCHEDULER_TIMEZONE') ?? base.timezone,
    jobDefaults: {
      misfireGraceTime: mapOrDefault(read('SCHEDULER_MISFIRE_GRACE_TIME'), (v) => (v === 'none' ? null : number('SCHEDULER_MISFIRE_GRACE_TIME', v)), base.jobDefaults.misfireGraceTime),
      coalesce: mapOrDefault(read('SCHEDULER_COALESCE'), (v) => flag('SCHEDULER_COALESCE', v), base.jobDefaults.coalesce),
      maxInstances: mapOrDefault(read('SCHEDULER_MAX_INSTANCES'), (v) => number('SCHEDULER_MAX_INSTANCES', v), base.jobDefaults.maxInstances),
    },
    executors: {
      maxConcurrency: mapOrDefault(read('SCHEDULER_MAX_CONCURRENCY'), (v) => number('SCHEDULER_MAX_CONCURRENCY', v), base.executors.maxConcurrency),
      workerThreads: mapOrDefault(read('SCHEDULER_WORKER_THREADS'), (v) => number('SCHEDULER_WORKER_THREADS', v), base.executors.workerThreads),
    },
    api: {
      prefix: read('SCHEDULER_API_PREFIX') ?? base.api.prefix,
      endpointPrefix: read('SCHEDULER_ENDPOINT_PREFIX') ?? base.api.endpointPrefix,
      bodyLimit: mapOrDefault(read('SCHEDULER_BODY_LIMIT'), (v) => number('SCHEDULER_BODY_LIMIT', v), base.api.bodyLimit),
    },
    basicAuth: mapOrDefault(read('SCHEDULER_BASIC_AUTH'), parseUsers, base.basicAuth),
    allowedHosts: mapOrDefault(read('SCHEDULER_ALLOWED_HOSTS'), list, base.allowedHosts),
    tasks: mapOrDefault(read('SCHEDULER_TASKS'), list, base.tasks),
    host: read('HOST') ?? base.host,
    port: mapOrDefault(read('PORT'), (v) => number('PORT', v), base.port),
    allowNoAuth: mapOrDefault(read('SCHEDULER_ALLOW_NO_AUTH'), (v) => flag('SCHEDULER_ALLOW_NO_AUTH', v), base.allowNoAuth),
    logLevel: mapOrDefault(read('LOG_LEVEL'), logLevel, base.logLevel),
    cluster: mapOrDefault(read('SCHEDULER_CLUSTER'), (v) => flag('SCHEDULER_CLUSTER', v), base.cluster),
    clusterTiming: {
      ...base.clusterTiming,
      ...optionalNumber(read, 'SCHEDULER_HEARTBEAT_MS', 'heartbeatMs'),
      ...optionalNumber(read, 'SCHEDULER_LEASE_MS', 'leaseMs'),
      ...optionalNumber(read, 'SCHEDULER_FALLBACK_POLL_MS', 'fallbackPollMs'),
    },
    runRetention: {
      ...base.runRetention,
      ...optionalNumber(read, 'SCHEDULER_RUNS_PER_JOB', 'maxPerJob'),
      ...optionalNumber(read, 'SCHEDULER_RUNS_MAX_AGE_MS', 'maxAgeMs'),
    },
  };
}

/** `{ [key]: number }` when the variable is set, else `{}` (so the base value stays). */
function optionalNumber<K extends string>(read: (name: string) => string | undefined, name: string, key: K): Partial<Record<K, number>> {
  const value = read(name);
  return value === undefined ? {} : ({ [key]: number(name, value) } as Partial<Record<K, number>>);
}

function mapOrDefault<T>(value: string | undefined, parse: (value: string) => T, fallback: T): T {
  return value === undefined ? fallback : parse(value);
}

function logLevel(value: string): LogLevel {
  const level = value.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  return level as LogLevel;
}

function list(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
}

function number(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative number, got "${value}"`);
  return parsed;
}

function flag(name: string, value: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new Error(`${name} must be 1 or 0 (true/false), got "${value}"`);
}

function parseUsers(value: string): { username: string; password: string }[] {
  return list(value).map((pair) => {
    const colon = pair.indexOf(':');
    if (colon <= 0) throw new Error('SCHEDULER_BASIC_AUTH must be user:password[,user:password]');
    return { username: pair.slice(0, colon), password: pair.slice(colon + 1) };
  });
}

function parseAliases(value: string): Record<string, string> {
  const aliases: Record<string, string> = {};
  for (const pair of list(value)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error('SCHEDULER_JOBSTORES must be alias=url[,alias=url]');
    aliases[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return aliases;
}
