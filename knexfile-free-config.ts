import { defineConfig } from './src/config/config.js';

/**
 * jobclock's configuration: the store, defaults, API and server settings. `npm start` and
 * `npm run migrate` read it (no knexfile needed); every field can be overridden from the
 * environment, see src/config/config.ts and the README.
 */
export default defineConfig({
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
