/**
 * `npm run bench`: every benchmark of BENCHMARKS.md, each measurement in a fresh child process,
 * jobclock and its peers on this machine in the same run. Prints the tables and rewrites the
 * generated part of BENCHMARKS.md (machine, date, command, results, targets).
 *
 *   npm run bench                      everything (about 10 minutes)
 *   npm run bench -- --only=burst,rest groups: burst, cluster, steady, add, rest, scale
 *   npm run bench -- --quick           small counts and short runs, to check the bench itself
 *                                      (BENCHMARKS.md is left alone unless --write is given)
 *
 * Peers are used when present and skipped with a message otherwise; the bench installs nothing.
 * APScheduler 3 is Debian's python3-apscheduler (/usr/bin/python3), its SQLAlchemy store needs
 * python3-sqlalchemy; PostgreSQL is JOBCLOCK_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PG_URL, postgresReachable } from './lib/places.js';
import { markdownTable, resultTable, textTable, type Table } from './lib/report.js';
import { parseResults, type BenchResult } from './lib/result.js';
import { REPO_ROOT } from './lib/server-process.js';
import { evaluateTargets } from './targets.js';

type Group = 'burst' | 'cluster' | 'steady' | 'add' | 'rest' | 'scale';
const GROUPS: readonly Group[] = ['burst', 'cluster', 'steady', 'add', 'rest', 'scale'];

interface Step {
  readonly group: Group;
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  /** Steps with the same key run at the same time (light loads at distinct phases). */
  readonly parallel?: string;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = new Set((args.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',') ?? GROUPS) as Group[]);
const write = args.includes('--write') || (!quick && only.size === GROUPS.length);
const PYTHON = '/usr/bin/python3';
const started = Date.now();
const loadAtStart = os.loadavg()[0] ?? 0;
const skipped: string[] = [];
const failed: string[] = [];

const sizes = quick
  ? { burstMemory: 2000, burstMemoryLarge: 20_000, burstSqlite: 500, burstPostgres: 500, apsSqlalchemy: 200, graphile: 200, steadyMs: 5000, steady1000Ms: 5000, addOne: 500, addBulk: 5000, restS: 3, restJobs: 1000, scale: 20_000 }
  : { burstMemory: 20_000, burstMemoryLarge: 200_000, burstSqlite: 5000, burstPostgres: 5000, apsSqlalchemy: 2000, graphile: 2000, steadyMs: 120_000, steady1000Ms: 20_000, addOne: 5000, addBulk: 50_000, restS: 10, restJobs: 10_000, scale: 1_000_000 };

const dist = (file: string) => path.join(REPO_ROOT, 'dist', 'bench', file);
const node = (group: Group, label: string, file: string, params: object, timeoutMs = 300_000, parallel?: string): Step => ({
  group, label, command: process.execPath, args: [dist(file), JSON.stringify(params)], timeoutMs, ...(parallel ? { parallel } : {}),
});
const python = (group: Group, label: string, pyArgs: string[], timeoutMs = 600_000, parallel?: string): Step => ({
  group, label, command: PYTHON, args: [path.join(REPO_ROOT, 'bench', 'peers', 'apscheduler_peer.py'), ...pyArgs], timeoutMs, ...(parallel ? { parallel } : {}),
});

function log(message: string): void {
  const elapsed = Math.round((Date.now() - started) / 1000);
  process.stderr.write(`[bench ${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, '0')}] ${message}\n`);
}

function pythonHas(module: string): string | null {
  const probe = spawnSync(PYTHON, ['-c', `import ${module}; print(getattr(${module}, '__version__', ''))`], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() || 'present' : null;
}

async function nodePackage(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

async function plan(): Promise<Step[]> {
  const aps = existsSync(PYTHON) ? pythonHas('apscheduler') : null;
  const sqlalchemy = aps ? pythonHas('sqlalchemy') : null;
  const postgres = await postgresReachable();
  const nodeSchedule = await nodePackage('node-schedule');
  const toad = await nodePackage('toad-scheduler');
  const graphile = await nodePackage('graphile-worker');
  if (!aps) skipped.push(`APScheduler 3: \`${PYTHON} -c 'import apscheduler'\` failed (install Debian's python3-apscheduler)`);
  else if (!sqlalchemy) skipped.push("APScheduler 3's SQLAlchemyJobStore: python3-sqlalchemy is not installed");
  if (!postgres) skipped.push(`PostgreSQL: nothing answers at ${PG_URL.replace(/\/\/[^@]*@/, '//')}; every PostgreSQL measurement`);
  if (!nodeSchedule) skipped.push('node-schedule: not installed (npm install)');
  if (!toad) skipped.push('toad-scheduler: not installed (npm install)');
  if (!graphile) skipped.push('graphile-worker: not installed (npm install)');

  const steps: Step[] = [];
  const n = sizes;
  // burst
  steps.push(node('burst', 'burst memory: jobclock', 'jobclock/burst.js', { store: 'memory', n: n.burstMemory }));
  if (nodeSchedule) steps.push(node('burst', 'burst memory: node-schedule', 'peers/node-schedule.js', { mode: 'burst', n: n.burstMemory }));
  if (aps) steps.push(python('burst', 'burst memory: APScheduler', ['burst', '--store', 'memory', '--n', String(n.burstMemory)]));
  // How it scales: ten times the jobs (its rate is compared with the row above, its peak RSS with 600 MB).
  steps.push(node('burst', 'burst memory ×10: jobclock', 'jobclock/burst.js', { store: 'memory', n: n.burstMemoryLarge, scenario: 'burst memory ×10' }));
  steps.push(node('burst', 'burst sqlite: jobclock', 'jobclock/burst.js', { store: 'sqlite', n: n.burstSqlite }));
  if (sqlalchemy) steps.push(python('burst', 'burst sqlite: APScheduler SQLAlchemyJobStore', ['burst', '--store', 'sqlalchemy', '--n', String(n.apsSqlalchemy)]));
  // The same burst as a user of the server sees it: `npm start`'s bundle, the jobs added over REST.
  steps.push(node('burst', 'burst sqlite through the server: jobclock', 'jobclock/server-burst.js', { n: n.burstSqlite }));
  if (postgres) {
    steps.push(node('burst', 'burst postgres: jobclock', 'jobclock/burst.js', { store: 'postgres', n: n.burstPostgres }));
    steps.push(node('burst', 'burst postgres: jobclock, cluster off', 'jobclock/burst.js', { store: 'postgres', n: n.burstPostgres, cluster: false }));
    if (graphile) steps.push(node('burst', 'burst postgres: graphile-worker', 'peers/graphile-worker.js', { n: n.graphile }));
  }
  // cluster: 1, 2 and 3 node processes on one PostgreSQL schema (its nodes are TypeScript fixtures, run through tsx)
  if (postgres) {
    steps.push({
      group: 'cluster', label: 'cluster burst postgres: 1, 2, 3 nodes', command: process.execPath,
      args: ['--import', 'tsx', path.join(REPO_ROOT, 'bench', 'cluster-rate.ts')], timeoutMs: 600_000,
    });
  }
  // steady: the one-job runs share a 120 s window, each at its own phase of the second. 120 runs,
  // so that the p99 is not simply the slowest run (of 30 runs, the nearest-rank p99 is the 30th):
  // the slowest is the first run of the process, its warm-up, and shows in the max column.
  steps.push(node('steady', 'steady 1: jobclock memory', 'jobclock/steady.js', { store: 'memory', jobs: 1, durationMs: n.steadyMs, phaseMs: 200 }, 300_000, 'steady-1'));
  steps.push(node('steady', 'steady 1: jobclock sqlite', 'jobclock/steady.js', { store: 'sqlite', jobs: 1, durationMs: n.steadyMs, phaseMs: 400 }, 300_000, 'steady-1'));
  if (nodeSchedule) steps.push(node('steady', 'steady 1: node-schedule', 'peers/node-schedule.js', { mode: 'steady', durationMs: n.steadyMs }, 300_000, 'steady-1'));
  if (toad) steps.push(node('steady', 'steady 1: toad-scheduler', 'peers/toad-scheduler.js', { jobs: 1, durationMs: n.steadyMs, phaseMs: 600 }, 300_000, 'steady-1'));
  if (aps) steps.push(python('steady', 'steady 1: APScheduler', ['steady', '--jobs', '1', '--duration-ms', String(n.steadyMs), '--phase-ms', '800'], 300_000, 'steady-1'));
  steps.push(node('steady', 'steady 1: setTimeout floor', 'peers/timer-floor.js', { jobs: 1, durationMs: n.steadyMs, phaseMs: 100 }, 300_000, 'steady-1'));
  steps.push(node('steady', 'steady 1000: jobclock memory', 'jobclock/steady.js', { store: 'memory', jobs: 1000, durationMs: n.steady1000Ms }, 120_000));
  steps.push(node('steady', 'steady 1000: jobclock sqlite', 'jobclock/steady.js', { store: 'sqlite', jobs: 1000, durationMs: n.steady1000Ms }, 120_000));
  if (toad) steps.push(node('steady', 'steady 1000: toad-scheduler', 'peers/toad-scheduler.js', { jobs: 1000, durationMs: n.steady1000Ms }, 120_000));
  if (aps) steps.push(python('steady', 'steady 1000: APScheduler', ['steady', '--jobs', '1000', '--duration-ms', String(n.steady1000Ms)], 120_000));
  steps.push(node('steady', 'steady 1000: setTimeout floor', 'peers/timer-floor.js', { jobs: 1000, durationMs: n.steady1000Ms }, 120_000));
  // add
  for (const store of ['memory', 'sqlite', ...(postgres ? ['postgres'] : [])]) {
    steps.push(node('add', `add: jobclock ${store}`, 'jobclock/add.js', { store, n: n.addOne, bulk: n.addBulk }));
  }
  // REST (its POST /jobs is also the "add through REST" figure)
  steps.push(node('rest', 'REST: jobclock server', 'jobclock/rest.js', { durationS: n.restS, jobs: n.restJobs }));
  // scale
  steps.push(node('scale', 'scale sqlite', 'jobclock/scale.js', { store: 'sqlite', n: n.scale }, 600_000));
  if (postgres) steps.push(node('scale', 'scale postgres', 'jobclock/scale.js', { store: 'postgres', n: n.scale }, 600_000));
  return steps.filter((step) => only.has(step.group));
}

function runStep(step: Step): Promise<BenchResult[]> {
  return new Promise((resolve) => {
    const begun = Date.now();
    const child = spawn(step.command, [...step.args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${step.timeoutMs / 1000} s)`;
      child.kill('SIGKILL');
    }, step.timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const { results, log: lines } = parseResults(stdout);
      const seconds = ((Date.now() - begun) / 1000).toFixed(1);
      if (code !== 0 || results.length === 0) {
        const why = [...lines, ...stderr.trim().split('\n')].filter(Boolean).slice(-3).join(' / ');
        failed.push(`${step.label}: exit ${code}: ${why}`);
        log(`${step.label}: FAILED after ${seconds} s (${why})`);
      } else {
        log(`${step.label}: ${seconds} s`);
      }
      resolve(results);
    });
  });
}

async function runAll(steps: readonly Step[]): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (let i = 0; i < steps.length; ) {
    const step = steps[i] as Step;
    const group = step.parallel ? steps.filter((other) => other.parallel === step.parallel) : [step];
    log(group.length > 1 ? `running together: ${group.map((g) => g.label).join(', ')}` : `running ${step.label}`);
    for (const batch of await Promise.all(group.map(runStep))) results.push(...batch);
    // A parallel group's steps are listed together: carry on after its last one.
    i = steps.indexOf(group.at(-1) as Step) + 1;
  }
  return results;
}

async function machine(): Promise<string[]> {
  const cpus = os.cpus();
  const lines = [
    `- CPU: ${cpus.length} × ${cpus[0]?.model ?? 'unknown'}; memory ${Math.round(os.totalmem() / 2 ** 30)} GiB; ${os.type()} ${os.release()}`,
    `- Node.js ${process.version}; SQLite ${sqliteVersion()} (better-sqlite3)`,
    `- Load average (1 min) ${loadAtStart.toFixed(2)} at the start, ${os.loadavg()[0]?.toFixed(2)} at the end: other work on the machine during the run shows up as lateness`,
  ];
  try {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    await client.connect();
    const { rows } = await client.query<{ version: string }>('select version()');
    await client.end();
    lines.push(`- PostgreSQL: ${rows[0]?.version.split(' on ')[0] ?? '?'} on 127.0.0.1 (default settings)`);
  } catch {
    lines.push('- PostgreSQL: not reachable');
  }
  const python = existsSync(PYTHON) ? spawnSync(PYTHON, ['--version'], { encoding: 'utf8' }).stdout.trim() : 'absent';
  const aps = existsSync(PYTHON) ? pythonHas('apscheduler') : null;
  const sqlalchemy = aps ? pythonHas('sqlalchemy') : null;
  lines.push(`- ${python} (${PYTHON}); APScheduler ${aps ?? 'absent'}; SQLAlchemy ${sqlalchemy ?? 'absent'}`);
  return lines;
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  const version = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
  db.close();
  return version;
}

function tables(results: readonly BenchResult[]): Table[] {
  const pick = (prefix: string) => results.filter((result) => result.scenario.startsWith(prefix));
  const scale = pick('scale');
  return [
    resultTable('burst: N no-op jobs due at one instant (rate = N / (last start − due time); lateness = start − due time)', pick('burst'), 'rate', ['rss MB', 'peak rss MB']),
    resultTable('cluster: 5,000 no-op jobs due at one instant on one PostgreSQL schema, 1, 2 and 3 node processes (bench/cluster-rate.ts; rate = N / last start − due time)', pick('cluster'), null, ['× 1 node', 'steady p99 ms']),
    resultTable('steady: lateness of every run (1 job each second; 1,000 staggered interval jobs)', pick('steady'), 'p99'),
    resultTable('add: jobs added per second (API: one awaited call at a time, or addJobs in batches of 10,000; REST: POST /jobs, 10 connections)', [
      ...pick('add'),
      ...pick('REST POST').map((result) => ({ ...result, scenario: 'add REST POST /jobs sqlite', lateness: undefined })),
    ], null),
    resultTable('REST: autocannon, 10 connections, against `node dist/src/server/main.bundle.js` on an SQLite file store (latency columns are request latency)', pick('REST'), null, ['failures', '% of Koa floor']),
    {
      title: 'scale: 1,000,000 jobs in one store',
      header: ['store', 'jobs', 'bulk add s', 'bulk add /s', 'start() → first fire ms', 'process start → first fire ms', 'idle RSS MB', 'idle heap MB'],
      rows: ['sqlite', 'postgres'].flatMap((store) => {
        const add = scale.find((result) => result.scenario === `scale add ${store}`);
        const restart = scale.find((result) => result.scenario === `scale restart ${store}`);
        if (!add && !restart) return [];
        const f = (value: number | undefined, decimals?: number) => (value === undefined ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: decimals ?? 0 }));
        return [[store, f(add?.count), f(add?.figures?.['add s'], 1), f(add?.rate), f(restart?.figures?.['start() to first fire ms']), f(restart?.figures?.['process start to first fire ms']), f(restart?.figures?.['idle RSS MB']), f(restart?.figures?.['idle heap MB'])]];
      }),
    },
  ].filter((table) => table.rows.length > 0);
}

const MARK_START = '<!-- bench:results:start (generated by `npm run bench`; edit outside these markers) -->';
const MARK_END = '<!-- bench:results:end -->';

function writeBenchmarksMd(generated: string): void {
  const file = path.join(REPO_ROOT, 'BENCHMARKS.md');
  const block = `${MARK_START}\n${generated}\n${MARK_END}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${MARK_START}\n${MARK_END}\n`;
  const from = current.indexOf(MARK_START);
  const to = current.indexOf(MARK_END);
  const next = from >= 0 && to > from ? current.slice(0, from) + block + current.slice(to + MARK_END.length) : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

const steps = await plan();
log(`${steps.length} measurements${quick ? ' (quick sizes)' : ''}; skipped: ${skipped.length === 0 ? 'nothing' : skipped.join('; ')}`);
const results = await runAll(steps);
const rendered = tables(results);
const targets = evaluateTargets(results);
const minutes = ((Date.now() - started) / 60_000).toFixed(1);

process.stdout.write(`\n${rendered.map(textTable).join('\n\n')}\n\nTargets\n${targets.join('\n')}\n`);
if (skipped.length) process.stdout.write(`\nSkipped\n${skipped.map((s) => `- ${s}`).join('\n')}\n`);
if (failed.length) process.stdout.write(`\nFailed\n${failed.map((s) => `- ${s}`).join('\n')}\n`);
process.stdout.write(`\n${results.length} results in ${minutes} min\n`);

if (write) {
  const command = ['npm run bench', ...(args.length ? ['--', ...args] : [])].join(' ');
  const generated = [
    `Latest run: ${new Date(started).toISOString().replace(/\.\d+Z$/, 'Z')}, \`${command}\`, ${minutes} minutes, on:`,
    '',
    ...(await machine()),
    '',
    '## Targets',
    '',
    ...targets,
    '',
    '## Results',
    '',
    rendered.map(markdownTable).join('\n\n'),
    '',
    `Sizes: burst ${sizes.burstMemory.toLocaleString('en-US')} jobs in memory (and ${sizes.burstMemoryLarge.toLocaleString('en-US')} for the ×10 row), ${sizes.burstSqlite.toLocaleString('en-US')} on SQLite and PostgreSQL; ` +
      `APScheduler's SQLAlchemy store and graphile-worker get ${sizes.apsSqlalchemy.toLocaleString('en-US')} and ${sizes.graphile.toLocaleString('en-US')} (they add jobs at about a hundred a second, so the full count would take minutes); ` +
      `steady one job for ${sizes.steadyMs / 1000} s, 1,000 jobs for ${sizes.steady1000Ms / 1000} s.`,
    ...(skipped.length ? ['', '**Skipped:**', '', ...skipped.map((s) => `- ${s}`)] : []),
    ...(failed.length ? ['', '**Failed:**', '', ...failed.map((s) => `- ${s}`)] : []),
  ].join('\n');
  writeBenchmarksMd(generated);
  log('BENCHMARKS.md updated');
}
process.exitCode = failed.length > 0 ? 1 : 0;
