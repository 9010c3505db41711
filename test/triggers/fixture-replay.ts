import { readFileSync } from 'node:fs';
import type { Trigger } from '../../src/triggers/trigger.js';

/** One recorded case of test/fixtures/apscheduler-*.json (written by scripts/gen-apscheduler-fixtures.py). */
export interface FixtureCase {
  readonly id: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly now: string;
  /** How many fire times were asked for: a shorter sequence means the trigger finished. */
  readonly length: number;
  /** APScheduler 3.9.1's fire times (ISO 8601 with offset), or its error message. */
  readonly apscheduler: readonly string[] | string;
  /** The contract's fire times where they differ from APScheduler's. */
  readonly expected?: readonly string[];
  readonly reasons?: readonly string[];
}

/** Reads a fixture file's cases. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the fixture's row type
export function loadFixture<T = FixtureCase>(name: string): readonly T[] {
  const url = new URL(`../fixtures/${name}`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: T[] }).cases;
}

/** Iterates a trigger as the scheduler does: each fire time becomes the previous one. */
export function fireTimes(trigger: Trigger, now: Date, length: number): string[] {
  const times: string[] = [];
  let previous: Date | null = null;
  for (let i = 0; i < length; i += 1) {
    const next = trigger.getNextFireTime(previous, previous ?? now);
    if (next === null) break;
    times.push(next.toISOString());
    previous = next;
  }
  return times;
}

/** ISO strings with any offset as UTC ISO strings, so instants compare exactly. */
export function asInstants(times: readonly string[]): string[] {
  return times.map((t) => new Date(t).toISOString());
}

/** Runs every case, returning a readable line for each mismatch (all of them, so one run shows the pattern). */
export function mismatches<T extends { readonly id: string }>(
  cases: readonly T[],
  run: (c: T) => { actual: readonly string[]; expected: readonly string[] },
): string[] {
  const failures: string[] = [];
  for (const c of cases) {
    let result: { actual: readonly string[]; expected: readonly string[] };
    try {
      result = run(c);
    } catch (error) {
      failures.push(`${c.id}: threw ${(error as Error).message}`);
      continue;
    }
    const { actual, expected } = result;
    const at = expected.findIndex((t, i) => actual[i] !== t);
    if (at >= 0 || actual.length !== expected.length) {
      const i = at >= 0 ? at : Math.min(actual.length, expected.length);
      failures.push(`${c.id}: #${i} expected ${expected[i] ?? 'end'}, got ${actual[i] ?? 'end'}`);
    }
  }
  return failures;
}
