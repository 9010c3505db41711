import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { TestSchema } from '../stores/postgres-test-db.js';
import { PG_URL } from '../stores/postgres-test-db.js';

const NODE_SCRIPT = fileURLToPath(new URL('../fixtures/cluster-node.ts', import.meta.url));

/** A cluster node process (test/fixtures/cluster-node.ts). */
export interface NodeProcess {
  readonly child: ChildProcess;
  readonly nodeId: string;
  /** Its REST API (`http` option), or ''. */
  readonly url: string;
  readonly stderr: () => string;
  /** SIGTERM, and wait for the clean exit. */
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/**
 * Starts a node on `schema` and waits for it to say it is ready.
 *
 * @example
 * const node = await startNode(schema, { leaseMs: 3000 })
 */
export async function startNode(schema: TestSchema, options: Record<string, unknown> = {}): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', NODE_SCRIPT, JSON.stringify({ pgUrl: PG_URL, schema: schema.name, ...options })], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith('ready ')) resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`cluster node exited (${code}) before ready: ${stderr}`)));
  });
  const [, nodeId = '', url = ''] = ready.split(' ');
  return {
    child,
    nodeId,
    url,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The side-effect table the `cluster:work` task writes to. */
export async function createEffectsTable(schema: TestSchema): Promise<void> {
  await sql`create table ${sql.table(`${schema.name}.effects`)} (
    id bigserial primary key, job_id text not null, scheduled_run_time bigint not null,
    node_id text not null, started_at bigint not null, finished_at bigint)`.execute(schema.db);
}

export interface EffectRow {
  job_id: string;
  scheduled_run_time: number;
  node_id: string;
  started_at: number;
  finished_at: number | null;
}

export interface RunRow {
  job_id: string;
  scheduled_run_time: number;
  node_id: string;
  status: string;
  started_at: number | null;
  finished_at: number | null;
}

export async function readEffects(schema: TestSchema): Promise<EffectRow[]> {
  const { rows } = await sql<EffectRow>`select job_id, scheduled_run_time::float8 as scheduled_run_time, node_id,
    started_at::float8 as started_at, finished_at::float8 as finished_at from ${sql.table(`${schema.name}.effects`)}`.execute(schema.db);
  return rows;
}

export async function readRuns(schema: TestSchema): Promise<RunRow[]> {
  const { rows } = await sql<RunRow>`select job_id, scheduled_run_time::float8 as scheduled_run_time, node_id, status,
    started_at::float8 as started_at, finished_at::float8 as finished_at from ${sql.table(`${schema.name}.jobclock_runs`)}`.execute(schema.db);
  return rows;
}

/** How many claimed or running runs a node holds. */
export async function liveRunsOf(schema: TestSchema, nodeId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(`${schema.name}.jobclock_runs`)}
    where node_id = ${nodeId} and status in ('claimed', 'running')`.execute(schema.db);
  return rows[0]?.n ?? 0;
}

/** Polls `check` every 20 ms until it holds (true) or `timeoutMs` passes (false). */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
