import type { LatenessSummary } from './stats.js';

/**
 * What one measurement reports back to `bench/run.ts`: a child process prints it as one line
 * `RESULT {json}` on stdout; every other line is passed through as a log.
 */
export interface BenchResult {
  /** The scenario row, e.g. `burst memory`. */
  readonly scenario: string;
  /** Who was measured: `jobclock`, `APScheduler 3.9.1`, `node-schedule 2.1.1`, … */
  readonly subject: string;
  /** Jobs (or requests) measured. */
  readonly count?: number;
  /** Events per second: fires, adds or requests. */
  readonly rate?: number;
  readonly lateness?: LatenessSummary;
  /** Anything else worth a column: `{ 'restart to first fire ms': 180 }`. */
  readonly figures?: Readonly<Record<string, number>>;
  readonly note?: string;
}

const PREFIX = 'RESULT ';

/** Prints a result for the parent to collect. */
export function report(result: BenchResult): void {
  process.stdout.write(`${PREFIX}${JSON.stringify(result)}\n`);
}

/** The results in a child's output, and its other lines. */
export function parseResults(output: string): { results: BenchResult[]; log: string[] } {
  const results: BenchResult[] = [];
  const log: string[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith(PREFIX)) results.push(JSON.parse(line.slice(PREFIX.length)) as BenchResult);
    else if (line.trim() !== '') log.push(line);
  }
  return { results, log };
}

/** The JSON parameters a measurement child was started with (its last argument). */
export function childParams<T>(defaults: T): T {
  const raw = process.argv.at(-1);
  if (!raw || !raw.startsWith('{')) return defaults;
  return { ...defaults, ...(JSON.parse(raw) as Partial<T>) };
}
