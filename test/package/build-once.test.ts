import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BUILD = join(REPO, 'scripts', 'build.mjs');
const run = promisify(execFile);

async function isUpToDate(): Promise<boolean> {
  try {
    await run(process.execPath, [BUILD, '--check'], { cwd: REPO });
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 1) return false;
    throw error;
  }
}

// `npm start` (and pretest, bench, migrate) run `node scripts/build.mjs` first: it must not
// recompile a build that is up to date, and must when a source changed after it.
describe('npm start builds only when sources changed (scripts/build.mjs)', function () {
  this.timeout(120_000);

  it('skips the compile when dist/ is up to date', async () => {
    await run(process.execPath, [BUILD], { cwd: REPO }); // npm test's pretest has already built
    // The compiled entry, and the bundle of it that `npm start` runs.
    const entries = ['main.js', 'main.bundle.js'].map((file) => join(REPO, 'dist', 'src', 'server', file));
    const builtAt = entries.map((entry) => statSync(entry).mtimeMs);
    const { stdout, stderr } = await run(process.execPath, [BUILD], { cwd: REPO });
    expect(stdout + stderr).to.equal('');
    expect(entries.map((entry) => statSync(entry).mtimeMs)).to.deep.equal(builtAt);
  });

  it('sees a source changed after the build as stale', async () => {
    const source = join(REPO, 'src', 'index.ts');
    const { atime, mtime } = statSync(source);
    expect(await isUpToDate()).to.equal(true);
    try {
      const later = new Date(Date.now() + 60_000);
      utimesSync(source, later, later);
      expect(await isUpToDate()).to.equal(false);
    } finally {
      utimesSync(source, atime, mtime);
    }
    expect(await isUpToDate()).to.equal(true);
  });

  it('takes turns with another build of the checkout, and takes over a lock whose process is gone', async () => {
    const lock = join(tmpdir(), `jobclock-build-${createHash('sha256').update(REPO).digest('hex').slice(0, 16)}.lock`);
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(holder.pid));
      let finished = false;
      const build = run(process.execPath, [BUILD], { cwd: REPO }).finally(() => (finished = true));
      // However slow the machine, the build cannot end while the lock's holder lives.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(finished, 'the build waited for the lock').to.equal(false);
      const exited = new Promise((resolve) => holder.on('exit', resolve));
      holder.kill('SIGKILL');
      await exited;
      await build;
      expect(existsSync(lock), 'the lock is released').to.equal(false);
    } finally {
      if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
      rmSync(lock, { recursive: true, force: true });
    }
  });
});
