import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// A jobclock server as its own process (`npm start`'s entry, or `jobclock serve`), with an
// environment of the test's choosing: none of the parent's SCHEDULER_* / JOBCLOCK_* / HOST / PORT.

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The parent's environment without anything that configures jobclock, plus `env`. */
export function cleanEnv(env: Record<string, string> = {}): Record<string, string> {
  const inherited = Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && !/^(SCHEDULER_|JOBCLOCK_|HOST$|PORT$)/.test(entry[0]),
  );
  return { ...Object.fromEntries(inherited), ...env };
}

/** A started server process, its address, and its output so far. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  /** SIGTERM (if still running), then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Runs `node <args>` with `env` on 127.0.0.1 and a free port, from the repository root; resolves
 * once it logged where it listens and its store, rejects (with its output) if it exits first.
 */
export async function startServerProcess(args: readonly string[], env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...args], { cwd: REPO, env: cleanEnv({ ...env, HOST: '127.0.0.1', PORT: '0' }), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (match && /jobclock store:/.test(output)) {
      const stop = () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        return exited;
      };
      return { child, url: match[1]!, output: () => output, exited, stop };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start (exit ${child.exitCode}):\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
