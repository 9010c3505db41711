import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm start` runs the bundle of `dist/src/server/main.js` after a build; here the same entry runs from
// source through tsx, so the test does not depend on a build.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = path.join(ROOT, 'src', 'server', 'main.ts');
const FIXTURE_TASKS = path.join(ROOT, 'test', 'fixtures', 'tasks', 'fixture_tasks.ts');

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function runMain(env: Record<string, string>): Started {
  // Only what the server needs from the parent: a clean slate for every SCHEDULER_* variable.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SCHEDULER_|HOST$|PORT$)/.test(k)));
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { cwd: ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(started: Started, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(started.output());
    if (match) return match;
    if (started.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`Did not see ${pattern} (exit ${started.child.exitCode}); output:\n${started.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('npm start entry (src/server/main.ts)', function () {
  this.timeout(120_000);
  let dir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-main-'));
  });

  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts from env vars, logs where it listens and its store, answers, and exits 0 on SIGTERM', async () => {
    const started = runMain({
      HOST: '127.0.0.1',
      PORT: '0',
      SCHEDULER_STORE: `sqlite:${path.join(dir, 'data', 'jobclock.sqlite')}`,
      SCHEDULER_TASKS: FIXTURE_TASKS,
      SCHEDULER_API_PREFIX: '/api/scheduler',
    });
    children.push(started.child);
    const [, url] = await waitFor(started, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    await waitFor(started, /store: sqlite:/);
    const info = await fetch(`${url}/api/scheduler`);
    expect(info.status).to.equal(200);
    expect(await info.json()).to.include({ running: true });
    const added = await fetch(`${url}/api/scheduler/jobs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'fx', func: 'fixture_tasks:record', trigger: 'interval', minutes: 1 }),
    });
    expect(added.status).to.equal(200);
    expect((await fetch(`${url}/api/scheduler/jobs/fx/run`, { method: 'POST' })).status).to.equal(200);
    started.child.kill('SIGTERM');
    expect(await started.exited).to.equal(0);
    expect(started.output()).to.match(/SIGTERM received/).and.match(/stopped/);
  });

  it('exits 0 on SIGINT too, with Basic auth from SCHEDULER_BASIC_AUTH on a non-loopback host', async () => {
    const started = runMain({
      HOST: '0.0.0.0',
      PORT: '0',
      SCHEDULER_STORE: 'memory:',
      SCHEDULER_BASIC_AUTH: 'admin:pw',
    });
    children.push(started.child);
    const [, port] = await waitFor(started, /listening on http:\/\/0\.0\.0\.0:(\d+)/);
    expect((await fetch(`http://127.0.0.1:${port}/scheduler`)).status).to.equal(401);
    const authorized = await fetch(`http://127.0.0.1:${port}/scheduler`, { headers: { Authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` } });
    expect(authorized.status).to.equal(200);
    started.child.kill('SIGINT');
    expect(await started.exited).to.equal(0);
    expect(started.output()).to.not.contain('admin:pw');
  });

  it('refuses HOST=0.0.0.0 without auth, with a clear message and a non-zero exit', async () => {
    const started = runMain({ HOST: '0.0.0.0', PORT: '0', SCHEDULER_STORE: 'memory:' });
    children.push(started.child);
    const code = await started.exited;
    expect(code).to.not.equal(0);
    expect(started.output()).to.contain('Refusing to listen on 0.0.0.0 without authentication');
    expect(started.output()).to.contain('SCHEDULER_ALLOW_NO_AUTH=1');
  });

  it('starts on 0.0.0.0 without auth when SCHEDULER_ALLOW_NO_AUTH=1', async () => {
    const started = runMain({ HOST: '0.0.0.0', PORT: '0', SCHEDULER_STORE: 'memory:', SCHEDULER_ALLOW_NO_AUTH: '1' });
    children.push(started.child);
    const [, port] = await waitFor(started, /listening on http:\/\/0\.0\.0\.0:(\d+)/);
    expect((await fetch(`http://127.0.0.1:${port}/scheduler/jobs`)).status).to.equal(200);
    started.child.kill('SIGTERM');
    expect(await started.exited).to.equal(0);
  });

  it('exits non-zero with a message on a bad configuration', async () => {
    const started = runMain({ PORT: '0', SCHEDULER_STORE: 'mysql://nope' });
    children.push(started.child);
    expect(await started.exited).to.not.equal(0);
    expect(started.output()).to.match(/cannot start: .*Unknown job store URL/);
  });
});
