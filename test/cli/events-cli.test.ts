import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { cleanEnv, type ServerProcess } from '../helpers/server-process.js';
import { BIN, buildOnce, REPO, runCli, serveCli } from './cli-harness.js';

// `jobclock events` against `jobclock serve` (SQLite, Basic auth): the built bin following the real
// SSE stream of GET {prefix}/events.

interface Follower {
  readonly lines: () => string[];
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function follow(args: readonly string[], env: Record<string, string>): Follower {
  const child = spawn(process.execPath, [BIN, 'events', ...args], { cwd: REPO, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { lines: () => stdout.split('\n').filter(Boolean), stderr: () => stderr, exited };
}

async function waitForLines(follower: Follower, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (follower.lines().length < count) {
    if (Date.now() > deadline) throw new Error(`saw ${follower.lines().length} of ${count} lines:\n${follower.lines().join('\n')}\n${follower.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface PrintedEvent {
  readonly id: string;
  readonly event: string;
  readonly data: { readonly job_id?: string };
}

describe('jobclock events (the SSE stream of a running server)', function () {
  this.timeout(60_000);
  let dir: string;
  let server: ServerProcess;
  let env: Record<string, string>;

  before(async function () {
    this.timeout(240_000);
    await buildOnce();
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-cli-events-'));
    server = await serveCli({ SCHEDULER_STORE: `sqlite:${path.join(dir, 'jobs.sqlite')}`, SCHEDULER_BASIC_AUTH: 'ops:pw' });
    env = { JOBCLOCK_URL: `${server.url}/scheduler`, JOBCLOCK_USER: 'ops', JOBCLOCK_PASSWORD: 'pw' };
    const added = await runCli(['jobs', 'add', '--json', '{"id": "tick", "func": "examples:echo", "trigger": "interval", "hours": 1}'], { env });
    expect(added.code, added.stderr).to.equal(0);
  });

  after(async () => {
    if (server) await server.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('replays the recent events from --last-event-id, then prints a manual run as it happens, one JSON line each', async () => {
    const follower = follow(['--json', '--last-event-id', '0', '--count', '4'], env);
    // The replay is written once the stream is subscribed: what follows arrives live.
    await waitForLines(follower, 2);
    const ran = await runCli(['jobs', 'run', 'tick'], { env });
    expect(ran.code, ran.stderr).to.equal(0);
    expect(await follower.exited, follower.stderr()).to.equal(0);
    const events = follower.lines().map((line) => JSON.parse(line) as PrintedEvent);
    expect(events.map((e) => e.event)).to.deep.equal(['scheduler_started', 'job_added', 'job_submitted', 'job_executed']);
    expect(events.slice(1).map((e) => e.data.job_id)).to.deep.equal(['tick', 'tick', 'tick']);
    const ids = events.map((e) => BigInt(e.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).to.deep.equal(ids);
  });

  it('resumes after a given event id, and prints one text line per event without --json', async () => {
    const all = await runCli(['events', '--json', '--last-event-id', '0', '--count', '2'], { env });
    const [, jobAdded] = all.stdout.trim().split('\n').map((line) => JSON.parse(line) as PrintedEvent);
    const after = await runCli(['events', '--last-event-id', jobAdded!.id, '--count', '1'], { env });
    expect(after.code, after.stderr).to.equal(0);
    expect(after.stdout).to.match(/^\d+ {2}job_submitted {2}\{"kind":"job_submitted","job_id":"tick".*\}\n$/);
  });

  it('exits 1 with the server\'s message without credentials, and 2 on a bad --count', async () => {
    const refused = await runCli(['events', '--count', '1'], { env: { JOBCLOCK_URL: env.JOBCLOCK_URL! } });
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/^jobclock: \S/);
    const usage = await runCli(['events', '--count', 'many'], { env });
    expect(usage.code).to.equal(2);
  });

  it('exits 1 saying so when the server ends the stream (the scheduler shut down)', async () => {
    const other = await serveCli({ SCHEDULER_STORE: 'memory:' });
    const follower = follow(['--last-event-id', '0'], { JOBCLOCK_URL: `${other.url}/scheduler` });
    await waitForLines(follower, 1); // scheduler_started: the stream is open
    expect(await other.stop()).to.equal(0);
    expect(await follower.exited).to.equal(1);
    expect(follower.stderr()).to.contain('the server ended the event stream');
  });
});
