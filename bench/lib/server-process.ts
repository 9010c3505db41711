import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, from `bench/lib/` in source or `dist/bench/lib/` compiled. */
export const REPO_ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../' : '../../', import.meta.url));

/**
 * A jobclock server in a child process: `node dist/src/server/main.bundle.js`, what `npm start`
 * runs (so it needs a build), or the TypeScript entry through tsx with `source: true`.
 */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>` once it listens. */
  readonly url: string;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the exit code, or the signal's name, once it has exited. */
  readonly exited: Promise<number | string | null>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (a graceful shutdown), and waits for the exit code. */
  stop(): Promise<number | string | null>;
}

export interface ServerProcessOptions {
  /** Environment on top of the parent's (HOST, PORT and SCHEDULER_* of the parent are dropped). */
  readonly env: Readonly<Record<string, string>>;
  /** Run src/server/main.ts through tsx instead of the build. */
  readonly source?: boolean;
  /** How long to wait for "listening on" (default 30 s). */
  readonly timeoutMs?: number;
  /** Extra arguments for node, such as `--expose-gc`. */
  readonly nodeArgs?: readonly string[];
  /**
   * Another script to run instead of the server (relative to the repository root), such as the
   * compiled Koa floor peer `dist/bench/peers/koa-floor.js`; it prints `listening on <url>` too.
   */
  readonly entry?: string;
}

/**
 * Starts a server on a free loopback port (`PORT=0`) and resolves once it listens.
 *
 * @example
 * const server = await startServerProcess({ env: { SCHEDULER_STORE: 'sqlite:/tmp/x.sqlite' } })
 * await fetch(`${server.url}/scheduler/jobs`)
 * await server.stop()
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(SCHEDULER_|HOST$|PORT$)/.test(key)));
  const entry = options.entry ? [options.entry] : options.source ? ['--import', 'tsx', 'src/server/main.ts'] : ['dist/src/server/main.bundle.js'];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...entry], {
    cwd: REPO_ROOT,
    env: { ...inherited, HOST: '127.0.0.1', PORT: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let url: string | null = null;
  while (url === null) {
    url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? null;
    if (url) break;
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill('SIGKILL');
      throw new Error(`The server did not start (exit ${child.exitCode ?? child.signalCode}); its output:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    child,
    url,
    output: () => output,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
