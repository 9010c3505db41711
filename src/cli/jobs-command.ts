import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { JobJSON } from '../http/job-json.js';
import { apiTarget, callApi, withConnectionOptions, type ConnectionOptions } from './api-client.js';
import { UsageError } from './cli-errors.js';
import { printResult, withJsonOption } from './output.js';

/*
 * `jobclock jobs …`: the REST API's job endpoints from a terminal. Each subcommand is one request;
 * with --json it prints the server's answer as it came.
 */

type JobsOptions = ConnectionOptions & { readonly json?: boolean };

/** `jobclock jobs list|show|add|remove|pause|resume|run`. */
export function addJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('list, add, remove, pause, resume and run the jobs of a running server');

  leaf(jobs.command('list').description('every job: id, trigger, next run time, name')).action(async (options: JobsOptions) => {
    const list = (await callApi(apiTarget(options, process.env), 'GET', '/jobs')) as JobJSON[];
    printResult(options.json ?? false, list, (all) => (all.length === 0 ? ['no jobs'] : all.map(jobLine)));
  });

  leaf(jobs.command('show').description('one job, all its fields').argument('<id>', 'the job id')).action(async (id: string, options: JobsOptions) => {
    const job = (await callApi(apiTarget(options, process.env), 'GET', jobPath(id))) as JobJSON;
    printResult(options.json ?? false, job, (shown) => Object.entries(shown).map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`));
  });

  withConnectionOptions(
    jobs
      .command('add')
      .description('add a job from a JSON body, as POST /jobs takes it')
      .option('--json [body]', 'the job body as JSON (and print the answer as JSON); without a value: only print JSON')
      .option('--file <file>', 'read the job body from a file (- for standard input)'),
  ).action(async (options: ConnectionOptions & { json?: string | boolean; file?: string }) => {
    const body = jobBody(options);
    const job = (await callApi(apiTarget(options, process.env), 'POST', '/jobs', body)) as JobJSON;
    printResult(options.json !== undefined, job, (added) => [`added ${added.id}: next run ${added.next_run_time ?? 'none (paused)'}`]);
  });

  leaf(jobs.command('remove').description('remove a job').argument('<id>', 'the job id')).action(async (id: string, options: JobsOptions) => {
    await callApi(apiTarget(options, process.env), 'DELETE', jobPath(id));
    printResult(options.json ?? false, { id, removed: true }, () => [`removed ${id}`]);
  });

  leaf(jobs.command('pause').description('pause a job (it keeps its trigger, runs no more)').argument('<id>', 'the job id')).action(async (id: string, options: JobsOptions) => {
    const job = (await callApi(apiTarget(options, process.env), 'POST', `${jobPath(id)}/pause`)) as JobJSON;
    printResult(options.json ?? false, job, () => [`paused ${id}`]);
  });

  leaf(jobs.command('resume').description('resume a paused job').argument('<id>', 'the job id')).action(async (id: string, options: JobsOptions) => {
    const job = (await callApi(apiTarget(options, process.env), 'POST', `${jobPath(id)}/resume`)) as JobJSON | null;
    printResult(options.json ?? false, job, (resumed) => [
      resumed === null ? `resumed ${id}: its trigger has no fire time left, so it was removed` : `resumed ${id}: next run ${resumed.next_run_time ?? 'none'}`,
    ]);
  });

  leaf(jobs.command('run').description('run a job now, once, beside its schedule').argument('<id>', 'the job id')).action(async (id: string, options: JobsOptions) => {
    const job = (await callApi(apiTarget(options, process.env), 'POST', `${jobPath(id)}/run`)) as JobJSON;
    printResult(options.json ?? false, job, (ran) => [`running ${id}${ran.last_run ? `: last run ${ran.last_run.status}` : ''}`]);
  });
}

/** A subcommand with the connection options and --json. */
function leaf(command: Command): Command {
  return withJsonOption(withConnectionOptions(command));
}

function jobPath(id: string): string {
  return `/jobs/${encodeURIComponent(id)}`;
}

/** `id  trigger  next run  name`, for `jobs list`. */
function jobLine(job: JobJSON): string {
  return [job.id, job.trigger, job.next_run_time ?? 'paused', job.name].join('  ');
}

/** The body of `jobs add`: inline with --json '<body>', or from --file; JSON either way. */
function jobBody(options: { json?: string | boolean; file?: string }): unknown {
  const inline = typeof options.json === 'string' ? options.json : undefined;
  const { file } = options;
  if ((inline === undefined) === (file === undefined)) throw new UsageError("jobs add needs the job body: --json '<body>' or --file <file>, one of them");
  const text = file === undefined ? (inline ?? '') : readBodyFile(file);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`the job body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readBodyFile(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
