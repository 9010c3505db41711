import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { RUN_ONE_MEMORY_JOB } from './memory-job-snippet.js';
import { freshClone } from '../docs/packed-package.js';

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

describe('the npm package (npm pack of a fresh clone)', function () {
  this.timeout(180_000);
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
    expect(files, 'the jobclock bin').to.include('dist/src/cli/jobclock.js');
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

  it('installs into a CommonJS app, which can require it and run a job (a missing driver is named) and run its jobclock bin', async () => {
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

    // The package's bin, as npm installed it: executable, runnable without the repository.
    const preview = await run(join(app, 'node_modules', '.bin', 'jobclock'), ['preview', '0 9 * * *', '--from', '2030-01-01T00:00:00Z', '--count', '2'], { cwd: app });
    expect(preview.stdout).to.equal('2030-01-01T09:00:00+00:00\n2030-01-02T09:00:00+00:00\n');
  });
  describe('a strict TypeScript consumer of schedulerRouter', () => {
    let app: string;
    const KOA_APP = `
import Koa from 'koa';
import { Scheduler, schedulerRouter } from 'jobclock';
const scheduler = new Scheduler({ jobstores: { default: 'memory:' } });
const router = schedulerRouter(scheduler, { prefix: '/scheduler' });
new Koa().use(router.routes()).use(router.allowedMethods());
`;
    const MEMORY_ONLY = `
import { Scheduler } from 'jobclock';
const scheduler = new Scheduler({ jobstores: { default: 'memory:' } });
await scheduler.start();
`;

    /** tsc's diagnostics (empty when it compiles) for one file under strict settings. */
    async function compile(source: string, skipLibCheck: boolean): Promise<string> {
      writeFileSync(join(app, 'main.ts'), source);
      const compilerOptions = { strict: true, exactOptionalPropertyTypes: true, module: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck };
      writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['main.ts'] }));
      return run(bin('tsc'), ['-p', app]).then(
        () => '',
        (error: { stdout: string }) => error.stdout,
      );
    }

    before(async function () {
      this.timeout(240_000);
      app = join(work, 'ts-app');
      mkdirSync(app);
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'ts-app', version: '1.0.0', private: true, type: 'module' }));
      await npm(['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
    });

    it('without @types/koa: compiles with skipLibCheck; without it, the only errors ask for Koa\'s types (and none for pg)', async function () {
      this.timeout(240_000);
      expect(await compile(MEMORY_ONLY, true)).to.equal('');
      const errors = (await compile(MEMORY_ONLY, false)).split('\n').filter((line) => line.includes('error TS'));
      expect(errors).to.not.deep.equal([]);
      for (const error of errors) expect(error).to.match(/TS7016: Could not find a declaration file for module 'koa'/);
    });

    it('with @types/koa (the optional peer dependency): mounts the router in a Koa app with full library checks', async function () {
      this.timeout(240_000);
      const types = JSON.parse(readFileSync(join(REPO, 'node_modules', '@types', 'koa', 'package.json'), 'utf8')) as { version: string };
      await npm(['install', `@types/koa@${types.version}`, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
      expect(await compile(KOA_APP, false)).to.equal('');
      expect(await compile(MEMORY_ONLY, false)).to.equal('');
    });
  });
});
