import type { Command } from 'commander';
import { defaultConfig } from '../config/default-config.js';
import { RefusedError, UnreachableError, UsageError } from './cli-errors.js';

/*
 * How the CLI talks to a running jobclock server: Node's fetch, Basic auth, JSON both ways, and the
 * server's `{"error_message"}` turned into a RefusedError.
 */

/** Where the API is, as `--url` or JOBCLOCK_URL give it: the server defaults unless told. */
export const DEFAULT_API_URL = `http://${defaultConfig.host}:${defaultConfig.port}${defaultConfig.api.prefix}`;

/** The API's base URL (its prefix included) and the Basic credentials, if any. */
export interface ApiTarget {
  readonly url: string;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
}

/** The connection options of `jobs` and `events`, after commander and the environment. */
export interface ConnectionOptions {
  readonly url?: string;
  readonly user?: string;
  readonly password?: string;
}

/** Adds `--url`, `--user` and `--password` to a command that talks to a server. */
export function withConnectionOptions(command: Command): Command {
  return command
    .option('--url <url>', `the API's URL, prefix included (env JOBCLOCK_URL; default ${DEFAULT_API_URL})`)
    .option('--user <name>', 'Basic auth user (env JOBCLOCK_USER)')
    .option('--password <password>', 'Basic auth password (env JOBCLOCK_PASSWORD)');
}

/** Options first, then JOBCLOCK_URL / JOBCLOCK_USER / JOBCLOCK_PASSWORD, then the server defaults. */
export function apiTarget(options: ConnectionOptions, env: NodeJS.ProcessEnv): ApiTarget {
  const url = (options.url ?? env.JOBCLOCK_URL ?? DEFAULT_API_URL).replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(url)) throw new UsageError(`--url must be an http:// or https:// URL, got "${url}"`);
  const user = options.user ?? env.JOBCLOCK_USER;
  const password = options.password ?? env.JOBCLOCK_PASSWORD;
  if (password !== undefined && user === undefined) throw new UsageError('--password needs --user (or JOBCLOCK_USER)');
  return { url, user, password };
}

/**
 * Sends one request to `path` under the API and gives the parsed JSON answer (null for 204).
 * Throws RefusedError for a 4xx/5xx, UnreachableError when no answer comes.
 */
export async function callApi(target: ApiTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await send(target, path, {
    method,
    headers: { accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return null;
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RefusedError(`the server at ${target.url} answered ${response.status} with something other than JSON`, response.status);
  }
}

/** Opens a request whose body is read as it comes (the event stream); refusals and no answer as `callApi`. */
export async function openStream(target: ApiTarget, path: string, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<Response> {
  return send(target, path, { method: 'GET', headers: { ...headers }, signal });
}

async function send(target: ApiTarget, path: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
  if (target.user !== undefined) {
    init.headers.authorization = `Basic ${Buffer.from(`${target.user}:${target.password ?? ''}`).toString('base64')}`;
  }
  let response: Response;
  try {
    response = await fetch(`${target.url}${path}`, init);
  } catch (error) {
    throw new UnreachableError(`cannot reach the jobclock server at ${target.url}: ${reasonOf(error)}`);
  }
  if (!response.ok) throw new RefusedError(await refusalMessage(response), response.status);
  return response;
}

/** The server's `error_message`, or the status when the body has none. */
async function refusalMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { error_message?: unknown };
    if (typeof parsed.error_message === 'string') return parsed.error_message;
  } catch {
    // not JSON: a proxy's page, say
  }
  return `HTTP ${response.status} ${response.statusText}`.trim();
}

/** fetch wraps the socket error (ECONNREFUSED, ENOTFOUND…) as its `cause`. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
