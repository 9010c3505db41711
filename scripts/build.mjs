// Builds dist/ for the npm scripts. Plain JavaScript: it runs before anything is compiled.
//
//   node scripts/build.mjs            the working build (tsconfig.json: src, migrations, bench and the
//                                     entry points), skipped when dist/ is newer than every input,
//                                     so `npm start` does not recompile a build that is up to date
//   node scripts/build.mjs --force    the working build, always
//   node scripts/build.mjs --check    exit 0 when the working build is up to date, 1 when it is stale
//   node scripts/build.mjs --package  an empty dist/, then only the library (tsconfig.build.json):
//                                     what `npm pack` ships (run by `prepack`)
//   node scripts/build.mjs --then dist/src/server/main.bundle.js
//                                     as without options, then runs that built entry in this same
//                                     process (`npm start`: one Node start-up instead of two)
//
// The working build also bundles the server entry (dist/src/server/main.js and everything it
// imports, jobclock's modules and the pure-JS dependencies) with esbuild into one file,
// dist/src/server/main.bundle.js, which `npm start` runs: Node 20 spends most of a start loading
// some 600 small ES modules one by one, and one file halves the time to the first answer
// (BENCHMARKS.md has no row for it; `node scripts/start-time.mjs` measures it).
//
// Every mode that builds also type-checks the dashboard (src/ui/, browser code) and bundles it with
// esbuild into dist/src/ui/app.js and app.css, which the router serves at `{prefix}/ui`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
/** Written after a working build: the inputs it compiled, one path a line; its mtime is the build's. */
const STAMP = join(DIST, '.working-build');
const INPUTS = ['src', 'migrations', 'bench', 'knexfile-free-config.ts', 'tsconfig.json'];
/** The package's `bin` (package.json): tsc keeps its `#!/usr/bin/env node` line, not an executable mode. */
const BIN = join(DIST, 'src', 'cli', 'jobclock.js');

const [option, entry] = process.argv.slice(2);
const mode = option === '--then' ? '--if-stale' : (option ?? '--if-stale');
// Two builds of one checkout at once (two `npm start`s, a pack while the tests build) would write
// over each other's dist/: they take turns.
const releaseBuildLock = mode === '--check' ? () => {} : holdBuildLock();
if (mode === '--package') {
  rmSync(DIST, { recursive: true, force: true });
  compile('tsconfig.build.json');
  await bundleDashboard();
} else if (mode === '--check') {
  process.exit(isStale(inputFiles()) ? 1 : 0);
} else if (mode === '--force' || mode === '--if-stale') {
  // `npm pack` runs `prepack` (the package build) and then `prepare` (this): a working build now
  // would add the bench and the entry points to what is about to be packed.
  const packing = process.env.npm_command === 'pack' || process.env.npm_command === 'publish';
  if (packing && mode === '--if-stale') process.exit(0);
  const inputs = inputFiles();
  if (mode === '--force' || isStale(inputs)) {
    compile('tsconfig.json');
    await bundleDashboard();
    await bundleServer();
    writeFileSync(STAMP, inputs.join('\n'));
  }
  if (option === '--then') {
    // The entry (a server) runs for long: the next build must not wait for it.
    releaseBuildLock();
    await import(pathToFileURL(join(ROOT, entry)).href);
  }
} else {
  console.error(`scripts/build.mjs: unknown option ${mode} (expected --if-stale, --force, --check or --package)`);
  process.exit(2);
}

function compile(project) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, project)], { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) process.exit(result.status ?? 1);
  if (existsSync(BIN)) chmodSync(BIN, 0o755);
}

/** The dashboard: type-checked (esbuild does not), then bundled and minified, no source maps (size). */
async function bundleDashboard() {
  compile('src/ui/tsconfig.json');
  const { build } = await import('esbuild');
  const common = { bundle: true, minify: true, logLevel: 'warning', absWorkingDir: ROOT, legalComments: 'none' };
  await build({ ...common, entryPoints: ['src/ui/main.ts'], outfile: 'dist/src/ui/app.js', format: 'esm', target: 'es2022' });
  await build({ ...common, entryPoints: ['src/ui/style.css'], outfile: 'dist/src/ui/app.css' });
}

/**
 * The server entry in one ES module next to main.js, so its relative paths (example tasks, the
 * dashboard's files) hold. Left outside, loaded from node_modules at run time: native addons
 * (better-sqlite3, pg-native), piscina (it starts workers from its own files), the optional
 * pino-pretty, and anything loaded by a computed specifier (drivers, task modules), which esbuild
 * leaves as it is. CommonJS dependencies inside an ES module need `require`: the banner makes one.
 */
async function bundleServer() {
  const { build } = await import('esbuild');
  await build({
    entryPoints: ['dist/src/server/main.js'],
    outfile: 'dist/src/server/main.bundle.js',
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'none',
    external: ['better-sqlite3', 'pg-native', 'piscina', 'pino-pretty'],
    banner: { js: "import { createRequire as __jobclockCreateRequire } from 'node:module'; const require = __jobclockCreateRequire(import.meta.url);" },
  });
}

/** Every file the working build compiles from, relative to the root, sorted. */
function inputFiles() {
  const files = [];
  const walk = (path) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    else files.push(relative(ROOT, path));
  };
  for (const input of INPUTS) walk(join(ROOT, input));
  return files.sort();
}

/** No stamp, a file added or removed since, or one changed after it. */
function isStale(inputs) {
  if (!existsSync(STAMP)) return true;
  if (readFileSync(STAMP, 'utf8') !== inputs.join('\n')) return true;
  const builtAt = statSync(STAMP).mtimeMs;
  return inputs.some((file) => statSync(join(ROOT, file)).mtimeMs > builtAt);
}

/**
 * Waits (up to 10 minutes) until no other build of this checkout runs, then holds the lock until
 * this process exits or the returned function is called. A lock left by a process that is gone is
 * taken over.
 */
function holdBuildLock() {
  const lock = join(tmpdir(), `jobclock-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 16)}.lock`);
  const owner = join(lock, 'pid');
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = Date.now() + 10 * 60_000; ; ) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      const release = () => {
        process.off('exit', release);
        rmSync(lock, { recursive: true, force: true });
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    if (!holderAlive(owner)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      console.error(`scripts/build.mjs: another build of ${ROOT} has held ${lock} for 10 minutes; giving up`);
      process.exit(1);
    }
    Atomics.wait(pause, 0, 0, 100);
  }
}

/** Whether the process named in the lock still runs (a lock just made may have no pid yet: alive for 10 s). */
function holderAlive(owner) {
  let pid;
  try {
    pid = Number(readFileSync(owner, 'utf8'));
  } catch {
    try {
      return statSync(join(owner, '..')).mtimeMs > Date.now() - 10_000;
    } catch {
      return false;
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}
