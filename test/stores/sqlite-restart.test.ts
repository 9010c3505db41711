import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { createJobStore } from '../../src/stores/store-url.js';

const CHILD = fileURLToPath(new URL('../fixtures/store-child.ts', import.meta.url));

describe('SQLite store across a killed process', function () {
  this.timeout(180_000);
  let dir: string;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'jobclock-restart-'));
  });

  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  for (const round of [1, 2, 3]) {
    it(`keeps every acknowledged job after SIGKILL (round ${round})`, async function () {
      const file = join(dir, 'jobs.sqlite');
      const acknowledged = await runAndKill(file, Math.floor(Math.random() * 600));
      expect(acknowledged.size, 'the child acknowledged some jobs').to.be.greaterThan(0);

      // The file opens cleanly: WAL recovery, a sound database.
      const check = new Database(file, { readonly: true });
      expect(check.pragma('integrity_check', { simple: true })).to.equal('ok');
      check.close();

      const store = createJobStore(`sqlite:${file}`);
      await store.open({ onUnreadableJob: (error) => expect.fail(error.message) });
      try {
        const stored = new Map((await store.getJobs()).map((job) => [job.id, job.nextRunTime?.getTime()]));
        for (const [id, nextRunTime] of acknowledged) {
          expect(stored.get(id), `job ${id}`).to.equal(nextRunTime);
        }
        // At most the one add in flight at the kill may have committed without being printed.
        expect(stored.size - acknowledged.size).to.be.within(0, 1);
      } finally {
        await store.close();
      }
    });
  }
});

/** Runs the child until it has acknowledged jobs for `killAfterMs`, SIGKILLs it, and returns what it printed. */
async function runAndKill(file: string, killAfterMs: number): Promise<Map<string, number>> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'add-loop', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acknowledged = new Map<string, number>();
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': it comes after the last of stdout has been read.
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') resolve();
        const [id, time] = line.split(' ');
        if (id && time) acknowledged.set(id, Number(time));
      }
    });
    child.on('exit', () => reject(new Error(`child exited before it was ready: ${stderr}`)));
  });
  await ready;
  // The kill comes at a random moment once jobs are being acknowledged (a busy machine may be slow to start).
  for (const deadline = Date.now() + 30_000; acknowledged.size === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, killAfterMs));
  child.kill('SIGKILL');
  expect(await exited).to.equal('SIGKILL');
  // A partial last line was never acknowledged: `buffered` is dropped.
  return acknowledged;
}
