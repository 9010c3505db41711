import { formatNumber, formatRatio } from './lib/report.js';
import type { BenchResult } from './lib/result.js';

/**
 * The targets of issue 14 (burst, steady, scale), checked against one run's results. Ratios are against the peer measured
 * in the same run; a target whose peer (or measurement) is missing says so instead of passing.
 */
export function evaluateTargets(results: readonly BenchResult[]): string[] {
  const find = (scenario: string, subject: (s: string) => boolean) => results.find((r) => r.scenario === scenario && subject(r.subject));
  const jobclock = (scenario: string) => find(scenario, (s) => s === 'jobclock');
  const aps = (scenario: string) => find(scenario, (s) => s.startsWith('APScheduler'));
  const mark = (ok: boolean | null) => (ok === null ? '❔' : ok ? '✅' : '❌');
  const lines: string[] = [];

  const memory = jobclock('burst memory');
  const memoryPeer = aps('burst memory');
  if (memory && memoryPeer) {
    const ratio = (memory.rate ?? 0) / (memoryPeer.rate ?? Infinity);
    const p99 = memory.lateness?.p99 ?? Infinity;
    lines.push(`- ${mark(ratio >= 5 && p99 <= 100)} memory burst of ${formatNumber(memory.count, 0)}: ${formatNumber(memory.rate, 0)} fires/s, ${formatRatio(ratio)} ${memoryPeer.subject} (target ≥ ×5), p99 lateness ${formatNumber(p99)} ms (target ≤ 100 ms)`);
  } else lines.push(`- ${mark(null)} memory burst ≥ ×5 APScheduler 3, p99 ≤ 100 ms: not measured (APScheduler 3 or jobclock's run missing)`);

  const large = jobclock('burst memory ×10');
  if (large && memory) {
    const ratio = (large.rate ?? 0) / (memory.rate ?? Infinity);
    const peak = large.figures?.['peak rss MB'] ?? Infinity;
    lines.push(
      `- ${mark(ratio >= 0.75 && peak < 600)} memory burst of ${formatNumber(large.count, 0)}: ${formatNumber(large.rate, 0)} fires/s, ${formatRatio(ratio)} the ${formatNumber(memory.count, 0)} rate ` +
        `(target within 25 %: ≥ ×0.75), peak RSS ${formatNumber(peak, 0)} MB (target < 600 MB)`,
    );
  } else lines.push(`- ${mark(null)} memory burst ×10 within 25 % of the smaller burst's rate, peak RSS < 600 MB: not measured`);

  const sqlite = jobclock('burst sqlite');
  const sqlitePeer = aps('burst sqlite');
  if (sqlite && sqlitePeer) {
    const ratio = (sqlite.rate ?? 0) / (sqlitePeer.rate ?? Infinity);
    const p99 = sqlite.lateness?.p99 ?? Infinity;
    lines.push(`- ${mark(ratio >= 100 && p99 <= 100)} SQLite burst of ${formatNumber(sqlite.count, 0)}: ${formatNumber(sqlite.rate, 0)} fires/s, ${formatRatio(ratio)} ${sqlitePeer.subject} (target ≥ ×100), p99 lateness ${formatNumber(p99)} ms (target ≤ 100 ms)`);
  } else lines.push(`- ${mark(null)} SQLite burst ≥ ×100 APScheduler 3's SQLAlchemy store, p99 ≤ 100 ms: not measured (peer or run missing)`);

  lines.push(...postgresTargetLines(results));

  // One job each second: each store's p99 against setTimeout's own, measured in the same window.
  const floor = find('steady 1 memory', (s) => s.startsWith('setTimeout'));
  const floorP99 = floor?.lateness?.p99;
  for (const store of ['memory', 'sqlite']) {
    const steady = jobclock(`steady 1 ${store}`);
    if (!steady || floorP99 === undefined) {
      lines.push(`- ${mark(null)} steady, one job each second, ${store}: p99 ≤ setTimeout floor + 1 ms: not measured (run or floor missing)`);
      continue;
    }
    const p99 = steady.lateness?.p99 ?? Infinity;
    lines.push(`- ${mark(p99 <= floorP99 + 1)} steady, one job each second, ${store}: p99 lateness ${formatNumber(p99)} ms (target ≤ setTimeout floor ${formatNumber(floorP99)} + 1 ms)`);
  }

  for (const store of ['sqlite', 'postgres']) {
    const restart = jobclock(`scale restart ${store}`);
    if (!restart) {
      lines.push(`- ${mark(null)} ${store} with 1,000,000 jobs: not measured`);
      continue;
    }
    const first = restart.figures?.['start() to first fire ms'] ?? Infinity;
    const fromProcess = restart.figures?.['process start to first fire ms'] ?? Infinity;
    const rss = restart.figures?.['idle RSS MB'] ?? Infinity;
    lines.push(
      `- ${mark(first < 1000 && rss < 200)} ${store} with ${formatNumber(restart.count, 0)} jobs: restart to first fire ${formatNumber(first, 0)} ms from \`start()\` ` +
        `(${formatNumber(fromProcess, 0)} ms from process start) (target < 1 s), idle RSS ${formatNumber(rss, 0)} MB (target < 200 MB)`,
    );
  }
  lines.push(...restTargetLines(results));
  return lines;
}

/** Issue 14's REST targets (SQLite store, 10 connections), with each figure as a share of the bare-Koa floor of the same run. */
const REST_TARGETS = [
  { scenario: 'REST POST /jobs', target: 10_000 },
  { scenario: 'REST GET /jobs/:id', target: 15_000 },
  { scenario: 'REST GET /jobs?limit=100', target: 3000 },
] as const;

/**
 * The REST target lines: requests per second against each target, and the share of the REST floor
 * (a bare Koa app answering a constant JSON, measured in the same run) when it was measured.
 *
 * @example
 * restTargetLines(results) // ['- ❌ REST POST /jobs: 4,210 req/s (target ≥ 10,000), 31 % of the Koa floor (13,580 req/s)', …]
 */
export function restTargetLines(results: readonly BenchResult[]): string[] {
  const floor = results.find((r) => r.scenario.startsWith('REST floor'));
  return REST_TARGETS.map(({ scenario, target }) => {
    const own = results.find((r) => r.scenario === scenario && r.subject === 'jobclock');
    if (!own) return `- ❔ ${scenario} ≥ ${formatNumber(target, 0)} req/s: not measured`;
    const rate = own.rate ?? 0;
    const share = floor?.rate ? `${formatNumber((100 * rate) / floor.rate, 0)} % of the Koa floor (${formatNumber(floor.rate, 0)} req/s)` : 'Koa floor not measured';
    return `- ${rate >= target ? '✅' : '❌'} ${scenario}: ${formatNumber(rate, 0)} req/s (target ≥ ${formatNumber(target, 0)}), ${share}`;
  });
}

/**
 * The PostgreSQL targets of issue 14: the one-node burst with cluster mode on (≥ 8,000 fires/s; cluster
 * mode off shown beside it) and the 3-node cluster against one node (≥ ×2.5, from bench/cluster-rate.ts).
 *
 * @example
 * lines.push(...postgresTargetLines(results))
 */
export function postgresTargetLines(results: readonly BenchResult[]): string[] {
  const jobclock = (scenario: string) => results.find((r) => r.scenario === scenario && r.subject === 'jobclock');
  const mark = (ok: boolean | null) => (ok === null ? '❔' : ok ? '✅' : '❌');
  const lines: string[] = [];
  const on = jobclock('burst postgres');
  const off = jobclock('burst postgres (cluster off)');
  const offText = off ? `; cluster mode off ${formatNumber(off.rate, 0)} fires/s` : '';
  if (on) lines.push(`- ${mark((on.rate ?? 0) >= 8000)} PostgreSQL burst, cluster mode on (the default), one node: ${formatNumber(on.rate, 0)} fires/s (target ≥ 8,000/s)${offText}`);
  else lines.push(`- ${mark(null)} PostgreSQL burst ≥ 8,000/s (cluster mode on, one node): not measured`);
  const three = jobclock('cluster burst postgres, 3 nodes');
  const ratio = three?.figures?.['× 1 node'];
  if (three && ratio !== undefined) lines.push(`- ${mark(ratio >= 2.5)} PostgreSQL cluster burst, 3 nodes: ${formatNumber(three.rate, 0)} fires/s, ${formatRatio(ratio)} one node (target ≥ ×2.5)`);
  else lines.push(`- ${mark(null)} PostgreSQL cluster, 3 nodes ≥ ×2.5 one node: not measured (\`--only=cluster\`)`);
  return lines;
}
