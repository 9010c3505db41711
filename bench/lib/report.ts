import type { BenchResult } from './result.js';

/** A rendered table: a header row and body rows of cells. */
export interface Table {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Formats a number for a table: thousands separators, few decimals, `—` for nothing. */
export function formatNumber(value: number | null | undefined, decimals?: number): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const places = decimals ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: places, maximumFractionDigits: places });
}

/** `×12.3`, or `—`. */
export function formatRatio(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `×${formatNumber(value, value >= 10 ? 0 : value >= 1 ? 1 : 2)}`;
}

/**
 * One table of results. Every peer row gets the ratio jobclock/peer against the jobclock row of the
 * same scenario: for `rate`, jobclock's rate over the peer's (higher is better for jobclock); for
 * `p99`, jobclock's p99 lateness over the peer's (lower is better for jobclock).
 */
export function resultTable(title: string, results: readonly BenchResult[], ratio: 'rate' | 'p99' | null, extraFigures: readonly string[] = []): Table {
  const header = ['scenario', 'subject', 'count', 'rate /s', 'p50 ms', 'p99 ms', 'max ms', ...extraFigures, ...(ratio ? [`jobclock/peer (${ratio})`] : []), 'notes'];
  const rows = results.map((result) => {
    const own = results.find((other) => other.scenario === result.scenario && other.subject === 'jobclock');
    let ratioCell = '';
    if (ratio && result.subject !== 'jobclock' && own) {
      ratioCell = ratio === 'rate' ? formatRatio((own.rate ?? NaN) / (result.rate ?? NaN)) : formatRatio((own.lateness?.p99 ?? NaN) / (result.lateness?.p99 ?? NaN));
    }
    return [
      result.scenario,
      result.subject,
      formatNumber(result.count, 0),
      formatNumber(result.rate, 0),
      formatNumber(result.lateness?.p50),
      formatNumber(result.lateness?.p99),
      formatNumber(result.lateness?.max),
      ...extraFigures.map((name) => formatNumber(result.figures?.[name])),
      ...(ratio ? [ratioCell] : []),
      result.note ?? '',
    ];
  });
  return { title, header, rows };
}

/** Plain text, columns padded, for the terminal. */
export function textTable(table: Table): string {
  const widths = table.header.map((cell, i) => Math.max(cell.length, ...table.rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [table.title, line(table.header), line(widths.map((w) => '-'.repeat(w))), ...table.rows.map(line)].join('\n');
}

/** GitHub-flavoured Markdown. */
export function markdownTable(table: Table): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(escape).join(' | ')} |`;
  return [`### ${table.title}`, '', line(table.header), line(table.header.map(() => '---')), ...table.rows.map(line)].join('\n');
}
