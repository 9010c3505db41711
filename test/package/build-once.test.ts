import { execFile } from 'node:child_process';
import { statSync, utimesSync } from 'node:fs';
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
  this.timeout(30_000);

  it('skips the compile when dist/ is up to date', async () => {
    await run(process.execPath, [BUILD], { cwd: REPO }); // npm test's pretest has already built
    const entry = join(REPO, 'dist', 'src', 'server', 'main.js');
    const builtAt = statSync(entry).mtimeMs;
    const { stdout, stderr } = await run(process.execPath, [BUILD], { cwd: REPO });
    expect(stdout + stderr).to.equal('');
    expect(statSync(entry).mtimeMs).to.equal(builtAt);
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
});
