// How long `npm start` takes to serve when nothing changed: from spawning the command to the first
// answer of GET /scheduler, on a new SQLite file store, several times; prints each and the median.
//
//   node scripts/start-time.mjs [runs=5] [command …]     e.g. node scripts/start-time.mjs 5 node dist/src/server/main.js
//
// It builds first (so no run includes a compile) and uses port 5987.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PORT = 5987;
const [runsArg, ...commandArgs] = process.argv.slice(2);
const runs = Number(runsArg) || 5;
const [command, ...args] = commandArgs.length > 0 ? commandArgs : ['npm', 'start', '--silent'];

spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
const times = [];
for (let i = 0; i < runs; i++) times.push(await timeOneStart());
times.sort((a, b) => a - b);
console.log(`${[command, ...args].join(' ')}: serving after ${times.map((t) => `${t} ms`).join(', ')}; median ${times[Math.floor(times.length / 2)]} ms`);

async function timeOneStart() {
  const dir = mkdtempSync(join(tmpdir(), 'jobclock-start-'));
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(PORT), SCHEDULER_STORE: `sqlite:${join(dir, 'jobs.sqlite')}` },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode} before serving`);
      const answered = await fetch(`http://127.0.0.1:${PORT}/scheduler`).then(() => true, () => false);
      if (answered) return Math.round(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}
