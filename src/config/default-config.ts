import { defineConfig } from './config.js';

/**
 * jobclock's server settings when nothing else is said: a SQLite file under ./data, UTC, the API
 * under /scheduler on 127.0.0.1:5000, no auth (allowed on loopback only). `knexfile-free-config.ts`
 * starts from it, and `jobclock serve` uses it when no `--config` file is given.
 *
 * @example
 * export default defineConfig({ ...defaultConfig, timezone: 'Europe/Paris' })
 */
export const defaultConfig = defineConfig({
  store: 'sqlite:./data/jobclock.sqlite',
  jobstores: {},
  tablePrefix: 'jobclock_',
  schema: null,
  timezone: 'UTC',
  jobDefaults: { misfireGraceTime: 1, coalesce: true, maxInstances: 1 },
  executors: { maxConcurrency: 10, workerThreads: 2 },
  api: { prefix: '/scheduler', endpointPrefix: 'scheduler.', bodyLimit: 64 * 1024 },
  basicAuth: [],
  allowedHosts: ['*'],
  tasks: [],
  jobs: [],
  host: '127.0.0.1',
  port: 5000,
  allowNoAuth: false,
  cluster: null,
});
