import { AsyncExecutor } from '../../src/executors/async-executor.js';
import type { JobDefinition } from '../../src/jobs/job-definition.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { JobStore } from '../../src/stores/job-store.js';
import { createJobStore } from '../../src/stores/store-url.js';
import { currentJob } from '../../src/tasks/current-job.js';
import { PG_URL, dropSchema, freshSchemaName, tempDir } from '../lib/places.js';
import { preciseClock } from '../lib/precise-clock.js';

export type StoreKind = 'memory' | 'sqlite' | 'postgres';

/** A store of a kind in a fresh place (temp SQLite file, PostgreSQL schema), and how to remove it. */
export interface BenchStore {
  readonly kind: StoreKind;
  /** The store URL (PostgreSQL: with the schema passed separately). */
  readonly url: string;
  readonly schema: string | null;
  create(): JobStore;
  remove(): Promise<void>;
}

/** `cluster: false` opens a PostgreSQL store for one process (no run claims); it is on by default, as in jobclock. */
export function benchStore(kind: StoreKind, options: { readonly cluster?: boolean } = {}): BenchStore {
  if (kind === 'memory') return { kind, url: 'memory:', schema: null, create: () => createJobStore('memory:'), remove: async () => {} };
  if (kind === 'sqlite') {
    const temp = tempDir();
    const url = `sqlite:${temp.dir}/jobs.sqlite`;
    return { kind, url, schema: null, create: () => createJobStore(url), remove: async () => temp.remove() };
  }
  const schema = freshSchemaName();
  return { kind, url: PG_URL, schema, create: () => createJobStore(PG_URL, { schema, cluster: options.cluster ?? true }), remove: () => dropSchema(schema) };
}

/**
 * Records, for every run of the `bench:tick` task, how late it started (ms after its scheduled run
 * time, read from `currentJob()`), and resolves `done` once `expected` runs have been seen.
 */
export class LatenessRecorder {
  readonly samples: number[] = [];
  /** The scheduled run time (epoch ms) of each sample. */
  readonly scheduled: number[] = [];
  firstStart = Infinity;
  lastStart = -Infinity;
  private readonly now = preciseClock();
  private expected = Infinity;
  private resolveDone: () => void = () => {};
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  /** The task function to register. */
  readonly tick = (): void => {
    const started = this.now();
    const job = currentJob();
    if (!job) throw new Error('bench:tick ran outside a job');
    this.samples.push(started - job.scheduledRunTime.getTime());
    this.scheduled.push(job.scheduledRunTime.getTime());
    if (started < this.firstStart) this.firstStart = started;
    if (started > this.lastStart) this.lastStart = started;
    if (this.samples.length >= this.expected) this.resolveDone();
  };

  /** Lateness of the runs scheduled before `endMs`. */
  samplesBefore(endMs: number): number[] {
    return this.samples.filter((_, i) => (this.scheduled[i] as number) < endMs);
  }

  preciseNow(): number {
    return this.now();
  }

  expect(count: number): void {
    this.expected = count;
    if (this.samples.length >= count) this.resolveDone();
  }
}

/** A scheduler on one store with the `bench:tick` task, as an application would build it. */
export function benchScheduler(store: JobStore, recorder: LatenessRecorder, maxConcurrency = 10): Scheduler {
  const scheduler = new Scheduler({
    jobstores: { default: store },
    executors: { default: new AsyncExecutor({ maxConcurrency }) },
    logger: silentLogger,
  });
  scheduler.registerTasks('bench', { tick: recorder.tick });
  return scheduler;
}

/** Adds jobs through the bulk path when the scheduler has one, else one `addJob` at a time. */
export async function addAll(scheduler: Scheduler, definitions: readonly JobDefinition[]): Promise<void> {
  const bulk = (scheduler as unknown as { addJobs?: (defs: readonly JobDefinition[]) => Promise<unknown> }).addJobs;
  if (typeof bulk === 'function') {
    for (let start = 0; start < definitions.length; start += 10_000) {
      await bulk.call(scheduler, definitions.slice(start, start + 10_000));
    }
    return;
  }
  for (const definition of definitions) await scheduler.addJob(definition);
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects after `ms` with `message`, unless `promise` settles first. */
export async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
