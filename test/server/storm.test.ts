import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The storm issue end to end: the real server (from source through tsx, as main.test.ts) with a
// 256 MB heap on an SQLite file, jobs whose next run time is in 1971, probed every 100 ms.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = path.join(ROOT, 'src', 'server', 'main.ts');
/** The rule is 1 s; a loaded test machine gets some slack on top. */
const PROBE_BOUND_MS = 2000;
const PROBE_FOR_MS = 4000;

const STORM_JOBS = [
  { id: 'storm-1s', func: 'examples:echo', trigger: 'interval', seconds: 1 },
  { id: 'storm-1ms', func: 'examples:echo', trigger: 'interval', seconds: 0.001, start_date: '1971-01-01T00:00:00Z' },
  { id: 'storm-cron', func: 'examples:echo', trigger: 'cron', second: '*' },
].map((job) => ({ ...job, next_run_time: '1971-01-01T00:00:00Z', coalesce: false, misfire_grace_time: null }));

/** One server process; keeps only the tail of its output (a storm may log for a while). */
function startServer(store: string) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SCHEDULER_|HOST$|PORT$|NODE_OPTIONS$)/.test(k)));
  const env = { ...inherited, HOST: '127.0.0.1', PORT: '0', SCHEDULER_STORE: store, NODE_OPTIONS: '--max-old-space-size=256' };
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (data: Buffer) => (tail = (tail + data.toString()).slice(-64_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = (async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(tail);
      if (match) return `${match[1]!}/scheduler`;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`The server did not start (exit ${child.exitCode}):\n${tail}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return { child, url, exited, output: () => tail };
}

/** GET /scheduler every 100 ms for `forMs`; the slowest answer, in ms. */
async function probe(url: string, forMs: number): Promise<number> {
  let slowest = 0;
  for (const end = Date.now() + forMs; Date.now() < end; ) {
    const sent = Date.now();
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).to.equal(200);
    await response.json();
    slowest = Math.max(slowest, Date.now() - sent);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return slowest;
}

describe('storm: jobs due since 1971 on the real server (256 MB heap, SQLite)', function () {
  this.timeout(90_000);
  let dir: string;
  let servers: ReturnType<typeof startServer>[] = [];

  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-storm-'))));
  afterEach(() => {
    for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
    servers = [];
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps answering within the bound, survives a restart on the same rows, and deletes them', async () => {
    const store = `sqlite:${path.join(dir, 'jobs.sqlite')}`;
    const first = startServer(store);
    servers.push(first);
    const url = await first.url;
    for (const job of STORM_JOBS) {
      const response = await fetch(`${url}/jobs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(job) });
      expect(response.status, await response.clone().text()).to.equal(200);
    }
    expect(await probe(url, PROBE_FOR_MS), 'slowest GET /scheduler (ms)').to.be.below(PROBE_BOUND_MS);
    // The backlog is worked through: the rows' next run times moved on from 1971.
    const jobs = (await (await fetch(`${url}/jobs`)).json()) as { id: string; next_run_time: string | null }[];
    for (const job of jobs) expect(Date.parse(job.next_run_time!), job.id).to.be.above(Date.parse('1971-01-01T00:00:01Z'));
    first.child.kill('SIGTERM');
    expect(await first.exited, first.output()).to.equal(0);

    const second = startServer(store);
    servers.push(second);
    const again = await second.url;
    expect(await probe(again, PROBE_FOR_MS / 2), 'slowest GET /scheduler after the restart (ms)').to.be.below(PROBE_BOUND_MS);
    const listed = (await (await fetch(`${again}/jobs`)).json()) as { id: string }[];
    expect(listed.map((job) => job.id).sort()).to.deep.equal(STORM_JOBS.map((job) => job.id).sort());
    for (const job of STORM_JOBS) expect((await fetch(`${again}/jobs/${job.id}`, { method: 'DELETE' })).status).to.be.below(300);
    expect(await (await fetch(`${again}/jobs`)).json()).to.deep.equal([]);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output()).to.equal(0);
  });
});
