import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './readme-blocks.js';

// The package as a user gets it: built, packed with `npm pack` (only what package.json's `files`
// ships) and installed from the tarball into a fresh consumer project.

const run = promisify(execFile);

/** The environment for a child npm: without the npm_* variables of an enclosing `npm test`, which would point it at the repo. */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

async function npm(cwd: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run('npm', [...args], { cwd, env: npmEnv(), maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/** The version of a package installed in the repo's node_modules, so the consumer gets the same one. */
export function repoVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/**
 * A copy of what a fresh clone holds (tracked files, and new ones not ignored), without dist/:
 * packing it must build first. node_modules is linked, as `npm install` would have made it.
 * Packing a copy leaves the repository's own dist/ (the working build other tests run) alone.
 */
export async function freshClone(into: string): Promise<void> {
  const listed = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  for (const file of listed.stdout.split('\0').filter((name) => name.length > 0 && existsSync(path.join(REPO_ROOT, name)))) {
    mkdirSync(path.dirname(path.join(into, file)), { recursive: true });
    cpSync(path.join(REPO_ROOT, file), path.join(into, file), { force: true });
  }
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(into, 'node_modules'), 'dir');
}

/**
 * Packs a fresh clone of the repo (made under `dir`) into `dir`, returning the tarball's path.
 * `npm pack` builds by itself when package.json has a `prepack` (or `prepare`) script; otherwise
 * the build runs first.
 */
export async function packRepo(dir: string): Promise<string> {
  const clone = path.join(dir, 'clone');
  await freshClone(clone);
  const { scripts = {} } = JSON.parse(readFileSync(path.join(clone, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  if (!scripts['prepack'] && !scripts['prepare']) await npm(clone, ['run', 'build', '--silent']);
  const packed = JSON.parse(await npm(clone, ['pack', '--json', '--pack-destination', dir])) as Array<{ filename: string }>;
  return path.join(dir, packed[0]!.filename);
}

/**
 * A `"type": "module"` project in `dir` with the tarball and `extra` packages installed.
 * `--ignore-scripts`: these projects are only type-checked, so better-sqlite3's native build
 * (over a minute from source) is not needed.
 */
export async function consumerProject(dir: string, tarball: string, extra: readonly string[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'readme-consumer', private: true, type: 'module' }, null, 2));
  await npm(dir, ['install', tarball, ...extra, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts']);
}
