import fileConfig from '../../knexfile-free-config.js';
import { loadConfig } from '../config/load-config.js';
import { startServer, type RunningServer } from './app.js';

// `npm start`: jobclock's server, configured by knexfile-free-config.ts and the environment
// (HOST, PORT, SCHEDULER_STORE, SCHEDULER_TASKS, SCHEDULER_BASIC_AUTH, …). SIGTERM / SIGINT shut it
// down gracefully; a second signal exits at once.

async function main(): Promise<void> {
  const server = await startServer(loadConfig(process.env, fileConfig));
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`jobclock: ${signal} again, exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    console.info(`jobclock: ${signal} received, shutting down`);
    shutDown(server).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('jobclock: shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function shutDown(server: RunningServer): Promise<void> {
  await server.close();
  console.info('jobclock: stopped');
}

main().catch((error: unknown) => {
  console.error(`jobclock: cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
