import type { Command } from 'commander';
import { loadBaseConfig } from './config-file.js';

/** `jobclock serve`: the server `npm start` runs, from the same environment variables. */
export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the jobclock server (REST API and scheduler), configured as `npm start` is: by the environment (HOST, PORT, SCHEDULER_STORE, SCHEDULER_BASIC_AUTH, …); SIGTERM/SIGINT stop it gracefully')
    .option('--config <file>', 'a JavaScript config module (export default defineConfig({ … })); default: jobclock\'s defaults')
    .action(async (options: { config?: string }) => {
      // Loaded here: the server's modules (Koa, the stores) are for this command only.
      const { serveUntilSignalled } = await import('../server/serve.js');
      serveUntilSignalled(process.env, await loadBaseConfig(options.config));
    });
}
