import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The server's logs as an operator gets them: `npm start`'s entry run from source through tsx
// (as test/server/main.test.ts does), its stdout read line by line.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = path.join(ROOT, 'src', 'server', 'main.ts');

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function run(command: string, args: string[], env: Record<string, string>): Started {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SCHEDULER_|HOST$|PORT$|LOG_LEVEL$)/.test(k)));
  const child = spawn(command, args, { cwd: ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(started: Started, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(started.output());
    if (match) return match;
    if (started.child.exitCode !== null || Date.now() > deadline) throw new Error(`Did not see ${pattern} (exit ${started.child.exitCode}); output:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

interface LogLine {
  readonly level: number;
  readonly time: number;
  readonly msg: string;
  readonly err?: { readonly message: string; readonly stack: string };
}

describe('server logs (pino)', function () {
  this.timeout(60_000);
  let dir: string;
  const children: ChildProcess[] = [];
  const env = (extra: Record<string, string>) => ({ HOST: '127.0.0.1', PORT: '0', SCHEDULER_STORE: `sqlite:${path.join(dir, 'jobs.sqlite')}`, ...extra });

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-logs-'));
  });

  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes JSON lines when stdout is not a terminal: listening, a job error once with its stack, shutting down', async () => {
    const started = run(process.execPath, ['--import', 'tsx', MAIN], env({}));
    children.push(started.child);
    const [, url] = await waitFor(started, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const add = await fetch(`${url}/scheduler/jobs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: 'broken', func: 'examples:fail', trigger: 'interval', hours: 1 }) });
    expect(add.status).to.equal(200);
    await fetch(`${url}/scheduler/jobs/broken/run`, { method: 'POST' });
    started.child.kill('SIGTERM');
    expect(await started.exited).to.equal(0);
    const lines = started.output().trim().split('\n').map((line) => JSON.parse(line) as LogLine);
    expect(lines.find((line) => /listening on/.test(line.msg))).to.include({ level: 30 });
    expect(lines.some((line) => /^jobclock store: sqlite:/.test(line.msg))).to.equal(true);
    const errors = lines.filter((line) => /Job "broken" raised an error/.test(line.msg));
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include({ level: 50 });
    expect(errors[0]!.err?.message).to.equal('examples:fail failed, as asked');
    expect(errors[0]!.err?.stack).to.contain('at ');
    expect(lines.some((line) => /SIGTERM received, shutting down/.test(line.msg))).to.equal(true);
    expect(lines.at(-1)!.msg).to.match(/stopped/);
  });

  it('logs at LOG_LEVEL: warn leaves the info lines out', async () => {
    const port = await freePort();
    const started = run(process.execPath, ['--import', 'tsx', MAIN], env({ PORT: String(port), LOG_LEVEL: 'warn' }));
    children.push(started.child);
    const deadline = Date.now() + 60_000;
    let up = false;
    while (!up && Date.now() < deadline) {
      up = await fetch(`http://127.0.0.1:${port}/scheduler/health`).then((reply) => reply.ok, () => false);
      if (!up) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(up, started.output()).to.equal(true);
    await fetch(`http://127.0.0.1:${port}/scheduler/jobs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: 'broken', func: 'examples:fail', trigger: 'interval', hours: 1 }) });
    await fetch(`http://127.0.0.1:${port}/scheduler/jobs/broken/run`, { method: 'POST' });
    started.child.kill('SIGTERM');
    expect(await started.exited).to.equal(0);
    const lines = started.output().trim().split('\n').map((line) => JSON.parse(line) as LogLine);
    expect(lines.length).to.be.greaterThan(0);
    expect(lines.every((line) => line.level >= 40), started.output()).to.equal(true);
  });

  it('refuses an unknown LOG_LEVEL at start, naming the levels', async () => {
    const started = run(process.execPath, ['--import', 'tsx', MAIN], env({ LOG_LEVEL: 'loud' }));
    children.push(started.child);
    expect(await started.exited).to.equal(1);
    expect(started.output()).to.contain('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"');
  });

  it('writes readable lines, not JSON, on a terminal', async function () {
    if (spawnSync('script', ['--version']).status !== 0) this.skip();
    const command = [process.execPath, '--import', 'tsx', MAIN].map((part) => `'${part}'`).join(' ');
    const started = run('script', ['-qefc', command, '/dev/null'], env({}));
    children.push(started.child);
    await waitFor(started, /INFO.*listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(started.output()).to.not.match(/^\{"level"/m);
    started.child.kill('SIGTERM');
  });
});
