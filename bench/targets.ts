import { formatNumber, formatRatio } from './lib/report.js';
import type { BenchResult } from './lib/result.js';

/**
 * The targets of issue 6, checked against one run's results. Ratios are against the peer measured
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

  const sqlite = jobclock('burst sqlite');
  const sqlitePeer = aps('burst sqlite');
  if (sqlite && sqlitePeer) {
    const ratio = (sqlite.rate ?? 0) / (sqlitePeer.rate ?? Infinity);
    lines.push(`- ${mark(ratio >= 20)} SQLite burst: ${formatNumber(sqlite.rate, 0)} fires/s, ${formatRatio(ratio)} ${sqlitePeer.subject} (target ≥ ×20)`);
  } else lines.push(`- ${mark(null)} SQLite burst ≥ ×20 APScheduler 3's SQLAlchemy store: not measured (peer or run missing)`);

  lines.push(...postgresTargetLines(results));

  const steady = results.filter((r) => r.scenario.startsWith('steady') && r.subject === 'jobclock');
  if (steady.length > 0) {
    const worst = Math.max(...steady.map((r) => r.lateness?.p99 ?? Infinity));
    const each = steady.map((r) => `${r.scenario.replace('steady ', '')} ${formatNumber(r.lateness?.p99)} ms`).join(', ');
    lines.push(`- ${mark(worst <= 5)} steady lateness p99 ≤ 5 ms: ${each}`);
  } else lines.push(`- ${mark(null)} steady lateness p99 ≤ 5 ms: not measured`);

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
  return lines;
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
