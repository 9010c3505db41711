import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Koa from 'koa';
import type { Context } from 'koa';
import type { TimerHandle } from '../clock/clock.js';
import type { JobclockConfig } from '../config/config.js';
import { AsyncExecutor } from '../executors/async-executor.js';
import { WorkerExecutor } from '../executors/worker-executor.js';
import { authEnabled, type AuthOptions } from '../http/auth.js';
import { schedulerRouter } from '../http/scheduler-router.js';
import { metricsMiddleware } from '../metrics/metrics-middleware.js';
import type { Logger } from '../scheduler/logger.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { JobStore } from '../stores/job-store.js';
import { createJobStore } from '../stores/store-url.js';
import { createServerLogger } from './server-logger.js';

/** The task modules bundled with the server (`mymodule:my_function`, `tasks:daily_cleanup`, …). */
export const EXAMPLE_TASK_MODULES = ['mymodule', 'tasks', 'examples'] as const;

/**
 * How `createApp` and `startServer` log, authenticate and shut down, beside the config.
 *
 * @example
 * await startServer(config, { logger: console, shutdownTimeoutMs: 5000 })
 */
export interface ServerOptions {
  /** Default: pino at `config.logLevel`, JSON lines (readable ones on a terminal). */
  readonly logger?: Logger;
  /** A custom auth check beside (or instead of) `config.basicAuth`; see `AuthOptions.authenticate`. */
  readonly authenticate?: AuthOptions['authenticate'];
  /** How long a graceful shutdown waits for requests and running jobs; default 10 s. */
  readonly shutdownTimeoutMs?: number;
}

/**
 * The Koa app serving the REST API and the scheduler behind it, not yet listening.
 *
 * @example
 * const { app, scheduler } = await createApp(config)
 */
export interface JobclockApp {
  readonly app: Koa;
  readonly scheduler: Scheduler;
}

/**
 * A listening server: its address, app and scheduler, and how to stop it.
 *
 * @example
 * const server = await startServer(config)
 * await server.close()
 */
export interface RunningServer extends JobclockApp {
  /** `http://host:port` (the API is under `config.api.prefix`). */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stops accepting connections, lets requests and running jobs finish (bounded), closes the stores. */
  close(): Promise<void>;
}

/**
 * Builds the scheduler `config` describes, with the bundled example tasks and the config's task
 * modules registered, and a Koa app serving its REST API. Nothing is started or opened yet.
 *
 * @example
 * const { app, scheduler } = await createApp(loadConfig({ SCHEDULER_STORE: 'memory:' }, config))
 */
export async function createApp(config: JobclockConfig, options: ServerOptions = {}): Promise<JobclockApp> {
  const logger = options.logger ?? (await createServerLogger(config.logLevel));
  const scheduler = createScheduler(config, logger);
  await registerTaskModules(scheduler, config);
  const auth = { basic: config.basicAuth, ...(options.authenticate && { authenticate: options.authenticate }) };
  const router = schedulerRouter(scheduler, {
    prefix: config.api.prefix,
    endpointPrefix: config.api.endpointPrefix,
    bodyLimit: config.api.bodyLimit,
    auth,
    logger,
    ui: true,
  });
  // koa is a peer dependency, loaded only by those who serve over HTTP.
  const { default: KoaApp } = await import('koa');
  const app = new KoaApp();
  app.use(await metricsMiddleware(scheduler, { auth, logger }));
  app.use(router.routes()).use(router.allowedMethods());
  app.use((ctx: Context) => {
    ctx.status = 404;
    ctx.body = { error_message: `No endpoint at ${ctx.path}; the API is under ${config.api.prefix || '/'}` };
  });
  app.on('error', (error: unknown) => logger.error('HTTP server error', error));
  return { app, scheduler };
}

/**
 * Starts jobclock as `npm start` does: refuses a non-loopback `host` without auth (unless
 * `allowNoAuth`), upserts `config.jobs`, starts the scheduler (on an allowed host), and listens.
 * `port: 0` picks a free port.
 *
 * @example
 * const server = await startServer({ ...loadConfig(process.env, config), store: 'memory:', port: 0 })
 * await fetch(`${server.url}/scheduler/jobs`)
 * await server.close()
 */
export async function startServer(config: JobclockConfig, options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? (await createServerLogger(config.logLevel));
  const auth = { basic: config.basicAuth, authenticate: options.authenticate };
  if (!isLoopback(config.host) && !authEnabled(auth) && !config.allowNoAuth) {
    throw new Error(
      `Refusing to listen on ${config.host || 'every address'} without authentication: set SCHEDULER_BASIC_AUTH=user:password, ` +
        'or SCHEDULER_ALLOW_NO_AUTH=1 to serve the API to the network unauthenticated',
    );
  }
  const { app, scheduler } = await createApp(config, { ...options, logger });
  let server: Server;
  try {
    for (const job of config.jobs) await scheduler.upsertJob(job);
    await scheduler.start();
    server = await listen(app, config.host, config.port);
  } catch (error) {
    await scheduler.close({ wait: false }).catch(() => undefined);
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info(`jobclock listening on ${url} (REST API at ${url}${config.api.prefix}, auth ${authEnabled(auth) ? 'on' : 'off'})`);
  logger.info(`jobclock store: ${redactStoreUrl(config.store)}${describeOtherStores(config)}; scheduler ${scheduler.state}`);
  logger.info(`jobclock health at ${url}${config.api.prefix}/health, events at ${url}${config.api.prefix}/events, metrics at ${url}/metrics`);
  let closing: Promise<void> | null = null;
  const close = () => (closing ??= closeGracefully(server, scheduler, logger, options.shutdownTimeoutMs ?? 10_000));
  return { app, scheduler, server, url, port, close };
}

function createScheduler(config: JobclockConfig, logger: Logger): Scheduler {
  // Clustering is on by default on PostgreSQL (SQLite and memory stores are for one process).
  const storeOptions = { tablePrefix: config.tablePrefix, schema: config.schema, cluster: config.cluster ?? true };
  const jobstores: Record<string, JobStore> = {};
  for (const [alias, url] of Object.entries(config.jobstores)) jobstores[alias] = createJobStore(url, storeOptions);
  jobstores.default = createJobStore(config.store, storeOptions);
  return new Scheduler({
    jobstores,
    executors: {
      default: new AsyncExecutor({ maxConcurrency: config.executors.maxConcurrency }),
      worker: new WorkerExecutor({ maxThreads: config.executors.workerThreads }),
    },
    jobDefaults: config.jobDefaults,
    timezone: config.timezone,
    allowedHosts: config.allowedHosts,
    logger,
    ...(config.clusterTiming && { cluster: config.clusterTiming }),
    ...(config.runRetention && { runRetention: config.runRetention }),
  });
}

/** The bundled examples first, then `config.tasks` (paths from the working directory), so a user's module can extend or shadow one. */
async function registerTaskModules(scheduler: Scheduler, config: JobclockConfig): Promise<void> {
  for (const name of EXAMPLE_TASK_MODULES) await scheduler.tasks.registerFile(exampleTaskFile(name));
  for (const file of config.tasks) {
    try {
      await scheduler.tasks.registerFile(path.resolve(file));
    } catch (error) {
      throw new Error(`Cannot load task module "${file}" (SCHEDULER_TASKS): ${(error as Error).message}`, { cause: error });
    }
  }
}

/** The compiled module next to this file; under a TypeScript loader (tests, tsx) the .ts source. */
function exampleTaskFile(name: string): string {
  const compiled = fileURLToPath(new URL(`./example-tasks/${name}.js`, import.meta.url));
  return existsSync(compiled) ? compiled : fileURLToPath(new URL(`./example-tasks/${name}.ts`, import.meta.url));
}

function listen(app: Koa, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app.callback());
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

async function closeGracefully(server: Server, scheduler: Scheduler, logger: Logger, timeoutMs: number): Promise<void> {
  const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections would hold `close` up until they time out: answers from now on end their
  // connection, and connections that fall idle are closed as they do.
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  });
  // Timers through the scheduler's clock (the system clock here: createScheduler sets no other).
  const { clock } = scheduler;
  let idleSweep = clock.setTimer(function sweep() {
    server.closeIdleConnections();
    idleSweep = clock.setTimer(sweep, 50);
  }, 50);
  server.closeIdleConnections();
  let deadline: TimerHandle | undefined;
  const schedulerStopped = scheduler.running
    ? scheduler.shutdown({ wait: true }).catch((error: unknown) => logger.error('Scheduler shutdown failed', error))
    : Promise.resolve();
  const finished = await Promise.race([
    Promise.all([serverClosed, schedulerStopped]).then(() => true),
    new Promise<false>((resolve) => { deadline = clock.setTimer(() => resolve(false), timeoutMs); }),
  ]);
  clock.clearTimer(idleSweep);
  if (deadline) clock.clearTimer(deadline);
  if (!finished) {
    logger.warn(`Shutdown: requests or jobs still running after ${timeoutMs} ms; closing anyway`);
    server.closeAllConnections();
  }
  await scheduler.close({ wait: false });
}

/** Loopback addresses: where an unauthenticated API is reachable only from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.trim().replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/** A store URL fit for a log: any password replaced by `***`. */
export function redactStoreUrl(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

function describeOtherStores(config: JobclockConfig): string {
  const others = Object.entries(config.jobstores).filter(([alias]) => alias !== 'default');
  return others.length === 0 ? '' : ` (also ${others.map(([alias, url]) => `${alias}=${redactStoreUrl(url)}`).join(', ')})`;
}
