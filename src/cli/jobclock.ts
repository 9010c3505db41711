#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { exitCodeOf } from './cli-errors.js';
import { addEventsCommand } from './events-command.js';
import { addJobsCommand } from './jobs-command.js';
import { addMigrateCommand } from './migrate-command.js';
import { addPreviewCommand } from './preview-command.js';
import { addServeCommand } from './serve-command.js';

// The package's `jobclock` bin. Exit codes scripts can rely on: 0 done, 1 refused (the server's
// error_message on stderr, or why it could not be reached), 2 bad usage (see cli-errors.ts).

const program = new Command('jobclock')
  .description('jobclock, a persistent job scheduler: run its server, migrate its stores, manage jobs, preview triggers, follow events')
  .exitOverride() // inherited by every subcommand: commander's errors come back here, to get exit code 2
  .showHelpAfterError('(add --help for usage)');

addServeCommand(program);
addMigrateCommand(program);
addJobsCommand(program);
addPreviewCommand(program);
addEventsCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  // commander has already printed its own errors and help.
  if (!(error instanceof CommanderError)) console.error(`jobclock: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = exitCodeOf(error);
});
