import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A PostgreSQL server of a test's own, in a temp dir on a free port (trust auth, user `postgres`,
 * database `postgres`), that the test can stop, restart and freeze under a running store.
 *
 * @example
 * const pg = await createPrivatePostgres()
 * const store = new SqlJobStore({ dialect: 'postgres', connectionString: pg.url })
 * await pg.stop(); …; await pg.start(); …; await pg.remove()
 */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Starts the server and waits until it accepts connections (`pg_ctl start -w`). */
  start(): Promise<void>;
  /** Stops it: `fast` ends sessions (57P01 to their clients), `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  restart(): Promise<void>;
  /** SIGSTOPs the server and all its processes: a hung server whose sockets stay open. */
  freeze(): Promise<void>;
  /** SIGCONTs what `freeze()` stopped. */
  thaw(): Promise<void>;
  /** Stops the server (if running) and deletes its directory. */
  remove(): Promise<void>;
}

/** The newest Debian PostgreSQL bin dir that has initdb and pg_ctl, or null. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')) && existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

/**
 * Creates and starts a private cluster; skips the calling suite (with the reason) when the
 * PostgreSQL binaries are not installed.
 *
 * @example
 * before(async function () { this.timeout(180_000); server = await requirePrivatePostgres(this) })
 */
export async function requirePrivatePostgres(ctx: Mocha.Context): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) {
    console.warn('    skipping: no PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin/initdb, pg_ctl)');
    ctx.skip();
  }
  return createPrivatePostgres(bin);
}

/** Creates the cluster (initdb) and starts it. */
export async function createPrivatePostgres(bin = postgresBinDir()): Promise<PrivatePostgres> {
  if (!bin) throw new Error('No PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin');
  const asRoot = process.getuid?.() === 0;
  // initdb and postgres refuse to run as root: run them as the `postgres` OS user then.
  const pgTool = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]) : run(path.join(bin, tool), args);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-pg-'));
  const dataDir = path.join(dir, 'data');
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(dir, uid, gid);
  }
  await pgTool('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);

  let port = 0;
  let running = false;
  const frozen: number[] = [];
  const logFile = path.join(dir, 'server.log');

  const start = async () => {
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
    await pgTool('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
    running = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running) return;
    if (frozen.length > 0) await thaw();
    await pgTool('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    running = false;
  };
  const thaw = async () => {
    for (const pid of frozen.splice(0)) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone already.
      }
    }
  };

  // A free port can be taken between our probe and the server's bind: try a few.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (error) {
      if (attempt >= 2) {
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`private PostgreSQL did not start: ${(error as Error).message}\n${log}`);
      }
    }
  }

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async freeze() {
      const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      // The postmaster first, so it forks no new backend; then every child it has.
      const pids = [postmaster, ...childrenOf(postmaster)];
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      frozen.push(...pids);
    },
    thaw,
    async remove() {
      try {
        await stop('immediate');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Direct children of a process, from /proc. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 is the parent pid; the command name (field 2) may hold spaces, so parse after ")".
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
