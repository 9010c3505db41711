import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { RUN_ONE_MEMORY_JOB } from './memory-job-snippet.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const bin = (name: string) => join(REPO, 'node_modules', '.bin', name);

interface PackResult {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

async function npm(args: readonly string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', [...args], { cwd, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** npm's `--json` output, past anything a lifecycle script printed before it. */
function packJson(stdout: string): PackResult {
  const results = JSON.parse(stdout.slice(stdout.indexOf('['))) as PackResult[];
  return results[0]!;
}

/**
 * A copy of what a fresh clone holds (tracked files, and new ones not ignored), without dist/:
 * packing it must build first. node_modules is linked, as `npm install` would have made it.
 */
async function freshClone(into: string): Promise<void> {
  const listed = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
  for (const file of listed.stdout.split('\0').filter((path) => path.length > 0 && existsSync(join(REPO, path)))) {
    mkdirSync(dirname(join(into, file)), { recursive: true });
    cpSync(join(REPO, file), join(into, file), { force: true });
  }
  symlinkSync(join(REPO, 'node_modules'), join(into, 'node_modules'), 'dir');
}

describe('the npm package (npm pack of a fresh clone)', function () {
  this.timeout(60_000);
  let work: string;
  let files: string[];
  let tarball: string;

  before(async function () {
    this.timeout(240_000); // the library build on a slow machine
    work = mkdtempSync(join(tmpdir(), 'jobclock-pack-'));
    const clone = join(work, 'clone');
    await freshClone(clone);
    files = packJson(await npm(['pack', '--dry-run', '--json'], clone)).files.map((file) => file.path).sort();
    // prepack built dist/ in the dry run; pack the same files for real without building again.
    const packed = packJson(await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], clone));
    tarball = join(work, packed.filename);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships the compiled library with types and source maps, the migrations, README, LICENSE and CHANGELOG', () => {
    for (const path of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/index.js.map', 'dist/src/executors/worker-entry.js']) {
      expect(files).to.include(path);
    }
    expect(files).to.include.members(['dist/migrations/0001_jobs.js', 'dist/migrations/0002_runs_and_nodes.js']);
    expect(files).to.include.members(['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json']);
    // The dashboard, bundled at build time and served by the router from the package.
    expect(files).to.include.members(['dist/src/ui/app.js', 'dist/src/ui/app.css', 'dist/src/http/dashboard-page.js']);
    expect(files.filter((path) => path.startsWith('src/') || path.endsWith('.ts') && !path.endsWith('.d.ts'))).to.deep.equal([]);
  });

  it("ships no tests, benches, fixtures, scripts, nor the repository's entry points and config", () => {
    const unwanted = files.filter((path) =>
      /(^|\/)(test|bench|fixtures|scripts)\//.test(path) ||
      /^dist\/src\/server\/(main|migrate)\./.test(path) ||
      path.includes('knexfile-free-config') ||
      path.startsWith('.'),
    );
    expect(unwanted).to.deep.equal([]);
  });

  it('passes publint', async () => {
    const { stdout } = await run(bin('publint'), ['run', tarball, '--strict']);
    expect(stdout).to.contain('All good!');
  });

  it('passes @arethetypeswrong/cli', async () => {
    // One rule ignored on purpose: jobclock is ESM only, and `require('jobclock')` works through
    // Node's require(esm) (Node ≥ 20.19, the package's engines). attw's node16-from-CJS check
    // predates require(esm) and flags every ESM-only package this way; the CommonJS test below shows
    // the require working for real.
    await run(bin('attw'), [tarball, '--ignore-rules', 'cjs-resolves-to-esm', '--no-color']);
  });

  it('installs into a CommonJS app, which can require it and run a job; a missing driver is named', async () => {
    const app = join(work, 'cjs-app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'cjs-app', version: '1.0.0', private: true }));
    // --ignore-scripts: a registry install runs none of jobclock's scripts (prepare runs only for
    // git or local sources), so neither does this one.
    await npm(['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
    writeFileSync(
      join(app, 'main.cjs'),
      `
const { Scheduler, createJobStore, MissingDriverError, silentLogger, openApiDocument } = require('jobclock');
const path = require('node:path');
(async () => {
${RUN_ONE_MEMORY_JOB}
  await scheduler.shutdown();
  let pgInstalled = true;
  try { require.resolve('pg'); } catch { pgInstalled = false; }
  const store = createJobStore('postgres://127.0.0.1/test');
  const opened = await store.open({ onUnreadableJob: () => {} }).then(() => 'opened', (error) => error);
  // The docs page's assets come from a dependency, resolved from jobclock's own folder.
  const docsAsset = require.resolve('swagger-ui-dist/swagger-ui-bundle.js', { paths: [path.dirname(require.resolve('jobclock'))] });
  const apiVersion = openApiDocument({ prefix: '/s' }).info.version;
  console.log(JSON.stringify({ ran, pgInstalled, missing: opened instanceof MissingDriverError ? opened.message : String(opened), docsAsset, apiVersion }));
})().catch((error) => { console.error(error); process.exit(1); });
`,
    );
    const { stdout } = await run(process.execPath, ['main.cjs'], { cwd: app });
    const report = JSON.parse(stdout) as { ran: number; pgInstalled: boolean; missing: string; docsAsset: string; apiVersion: string };
    expect(report.docsAsset).to.contain(join(app, 'node_modules', 'swagger-ui-dist'));
    expect(report.apiVersion).to.equal((JSON.parse(await npm(['pkg', 'get', 'version', '--json'], REPO)) as string));
    expect(report.ran).to.equal(1);
    // An optional peer dependency: npm does not install it for the app.
    expect(report.pgInstalled).to.equal(false);
    expect(report.missing).to.contain('npm install pg');
  });
});
