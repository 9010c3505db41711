// Builds dist/ for the npm scripts. Plain JavaScript: it runs before anything is compiled.
//
//   node scripts/build.mjs            the working build (tsconfig.json: src, migrations, bench and the
//                                     entry points), skipped when dist/ is newer than every input,
//                                     so `npm start` does not recompile a build that is up to date
//   node scripts/build.mjs --force    the working build, always
//   node scripts/build.mjs --check    exit 0 when the working build is up to date, 1 when it is stale
//   node scripts/build.mjs --package  an empty dist/, then only the library (tsconfig.build.json):
//                                     what `npm pack` ships (run by `prepack`)
//
// Every mode that builds also type-checks the dashboard (src/ui/, browser code) and bundles it with
// esbuild into dist/src/ui/app.js and app.css, which the router serves at `{prefix}/ui`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
/** Written after a working build: the inputs it compiled, one path a line; its mtime is the build's. */
const STAMP = join(DIST, '.working-build');
const INPUTS = ['src', 'migrations', 'bench', 'knexfile-free-config.ts', 'tsconfig.json'];

const mode = process.argv[2] ?? '--if-stale';
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
    writeFileSync(STAMP, inputs.join('\n'));
  }
} else {
  console.error(`scripts/build.mjs: unknown option ${mode} (expected --if-stale, --force, --check or --package)`);
  process.exit(2);
}

function compile(project) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, project)], { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** The dashboard: type-checked (esbuild does not), then bundled and minified, no source maps (size). */
async function bundleDashboard() {
  compile('src/ui/tsconfig.json');
  const { build } = await import('esbuild');
  const common = { bundle: true, minify: true, logLevel: 'warning', absWorkingDir: ROOT, legalComments: 'none' };
  await build({ ...common, entryPoints: ['src/ui/main.ts'], outfile: 'dist/src/ui/app.js', format: 'esm', target: 'es2022' });
  await build({ ...common, entryPoints: ['src/ui/style.css'], outfile: 'dist/src/ui/app.css' });
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
