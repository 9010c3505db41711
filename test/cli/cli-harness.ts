import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cleanEnv, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

// The CLI as users get it: the built bin (dist/src/cli/jobclock.js) run by node as a child
// process, with an environment of the test's choosing (see cleanEnv).

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = path.join(REPO, 'dist', 'src', 'cli', 'jobclock.js');

/** Builds dist/ if a source changed since the last build (npm test's pretest has usually done it). */
export async function buildOnce(): Promise<void> {
  await promisify(execFile)(process.execPath, [path.join(REPO, 'scripts', 'build.mjs')], { cwd: REPO });
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `jobclock <args>` to its end; never rejects on a non-zero exit (the code is the point). */
export function runCli(args: readonly string[], options: { env?: Record<string, string>; input?: string; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPO, env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Starts `jobclock serve` with `env` on 127.0.0.1 and a free port; resolves once it listens. */
export function serveCli(env: Record<string, string>, args: readonly string[] = []): Promise<ServerProcess> {
  return startServerProcess([BIN, 'serve', ...args], env);
}
