import type { JobclockConfig } from '../config/config.js';
import { loadConfig, type Environment } from '../config/load-config.js';
import type { Logger } from '../scheduler/logger.js';
import { startServer, type RunningServer } from './app.js';
import { createServerLogger } from './server-logger.js';

/**
 * Runs jobclock's server as a process: starts it from `base` with the environment applied
 * (`loadConfig`), logging through pino at `LOG_LEVEL`; shuts it down gracefully on SIGTERM or
 * SIGINT (a second signal exits at once), and exits 1 with the reason when it cannot start.
 * `npm start` (src/server/main.ts) and `jobclock serve` both run it.
 *
 * @example
 * serveUntilSignalled(process.env, config)
 */
export function serveUntilSignalled(env: Environment, base: JobclockConfig): void {
  // Until the config is read (LOG_LEVEL among it), a failure is told on stderr.
  let logger: Logger = console;
  const start = async () => {
    const config = loadConfig(env, base);
    logger = await createServerLogger(config.logLevel);
    return startServer(config, { logger });
  };
  start().then(
    (server) => stopOnSignals(server, logger),
    (error: unknown) => {
      logger.error(`jobclock: cannot start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

function stopOnSignals(server: RunningServer, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.error(`jobclock: ${signal} again, exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`jobclock: ${signal} received, shutting down`);
    server.close().then(
      () => {
        logger.info('jobclock: stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('jobclock: shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
