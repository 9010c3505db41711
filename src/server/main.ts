import fileConfig from '../../knexfile-free-config.js';
import { loadConfig } from '../config/load-config.js';
import type { Logger } from '../scheduler/logger.js';
import { startServer, type RunningServer } from './app.js';
import { createServerLogger } from './server-logger.js';

// `npm start`: jobclock's server, configured by knexfile-free-config.ts and the environment
// (HOST, PORT, SCHEDULER_STORE, SCHEDULER_TASKS, SCHEDULER_BASIC_AUTH, …). SIGTERM / SIGINT shut it
// down gracefully; a second signal exits at once.

// Until the config is read (LOG_LEVEL among it), a failure is told on stderr.
let logger: Logger = console;

async function main(): Promise<void> {
  const config = loadConfig(process.env, fileConfig);
  logger = await createServerLogger(config.logLevel);
  const server = await startServer(config, { logger });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.error(`jobclock: ${signal} again, exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`jobclock: ${signal} received, shutting down`);
    shutDown(server).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('jobclock: shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function shutDown(server: RunningServer): Promise<void> {
  await server.close();
  logger.info('jobclock: stopped');
}

main().catch((error: unknown) => {
  logger.error(`jobclock: cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
