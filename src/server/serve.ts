import type { JobclockConfig } from '../config/config.js';
import { loadConfig, type Environment } from '../config/load-config.js';
import { startServer, type RunningServer } from './app.js';

/**
 * Runs jobclock's server as a process: starts it from `base` with the environment applied
 * (`loadConfig`), shuts it down gracefully on SIGTERM
 * or SIGINT (a second signal exits at once), and exits 1 with the reason when it cannot start.
 * `npm start` (src/server/main.ts) and `jobclock serve` both run it.
 *
 * @example
 * serveUntilSignalled(process.env, config)
 */
export function serveUntilSignalled(env: Environment, base: JobclockConfig): void {
  Promise.resolve().then(() => startServer(loadConfig(env, base))).then(stopOnSignals, (error: unknown) => {
    console.error(`jobclock: cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

function stopOnSignals(server: RunningServer): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`jobclock: ${signal} again, exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    console.info(`jobclock: ${signal} received, shutting down`);
    server.close().then(
      () => {
        console.info('jobclock: stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('jobclock: shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
