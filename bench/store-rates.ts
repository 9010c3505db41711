/**
 * How fast the SQL job stores add jobs and hand out due ones, for 1k and 10k jobs, on an SQLite
 * file and on PostgreSQL (skipped when unreachable).
 *
 * Run: node --import tsx bench/store-rates.ts
 * Env: JOBCLOCK_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test), BENCH_BATCH (acquire batch, default 500).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Job } from '../src/jobs/job.js';
import { jobFromState, stateOf } from '../src/jobs/job-state.js';
import type { JobAdvance, JobStore } from '../src/stores/job-store.js';
import { createJobStore } from '../src/stores/store-url.js';
import { createTrigger } from '../src/triggers/trigger-registry.js';
import { PG_URL, postgresReachable } from './lib/places.js';

const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const SIZES = [1_000, 10_000];
const NOW = new Date('2030-01-01T00:00:00Z');

interface Place {
  readonly name: string;
  /** A fresh, empty store, and how to clean up after it. */
  make(): Promise<{ store: JobStore; cleanUp(): Promise<void> }>;
}

const sqliteFile: Place = {
  name: 'SQLite file',
  async make() {
    const dir = mkdtempSync(join(tmpdir(), 'jobclock-bench-'));
    return {
      store: createJobStore(`sqlite:${join(dir, 'bench.sqlite')}`),
      cleanUp: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

const postgres: Place = {
  name: 'PostgreSQL',
  async make() {
    const schema = `jobclock_bench_${randomBytes(4).toString('hex')}`;
    return {
      store: createJobStore(PG_URL, { schema }),
      cleanUp: async () => {
        const db = new Kysely<object>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, max: 1 }) }) });
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
        await db.destroy();
      },
    };
  },
};

// One trigger for every job: building triggers is the trigger module's cost, not the store's.
const TRIGGER = createTrigger('interval', { seconds: 10 }, { timezone: 'UTC', now: NOW });

function job(n: number): Job {
  return {
    id: `job-${n}`,
    name: `bench job ${n}`,
    func: 'bench:tick',
    args: [n, 'some text'],
    kwargs: { n },
    trigger: TRIGGER,
    executor: 'default',
    misfireGraceTime: 1,
    coalesce: true,
    maxInstances: 1,
    // Spread over the past minute, so every job is due and they are not all in one index slot.
    nextRunTime: new Date(NOW.getTime() - (n % 60_000)),
  };
}

const reschedule = (job: Job): JobAdvance => ({
  kind: 'reschedule',
  runTimes: [job.nextRunTime ?? NOW],
  nextRunTime: new Date(NOW.getTime() + 3_600_000),
});
const remove = (job: Job): JobAdvance => ({ kind: 'remove', runTimes: [job.nextRunTime ?? NOW] });

async function timed(work: () => Promise<number>): Promise<string> {
  const start = process.hrtime.bigint();
  const count = await work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return `${Math.round(count / seconds).toLocaleString('en')}/s`.padStart(12);
}

async function drain(store: JobStore, now: Date, advance: (job: Job) => JobAdvance): Promise<number> {
  let total = 0;
  for (;;) {
    const batch = await store.acquireDueJobs(now, BATCH, advance);
    if (batch.length === 0) return total;
    total += batch.length;
  }
}

async function measure(place: Place, size: number): Promise<void> {
  const { store, cleanUp } = await place.make();
  await store.open({ onUnreadableJob: (error) => console.error(error.message) });
  try {
    const add = await timed(async () => {
      for (let n = 0; n < size; n++) await store.addJob(job(n));
      return size;
    });
    const acquireReschedule = await timed(() => drain(store, NOW, reschedule));
    const nextRunTime = await timed(async () => {
      for (let n = 0; n < 1000; n++) await store.getNextRunTime();
      return 1000;
    });
    const acquireRemove = await timed(() => drain(store, new Date(NOW.getTime() + 3_600_000), remove));
    console.log(
      `${place.name.padEnd(12)} ${String(size).padStart(6)} jobs   add ${add}   acquire+reschedule ${acquireReschedule}   acquire+remove ${acquireRemove}   getNextRunTime ${nextRunTime}`,
    );
  } finally {
    await store.close();
    await cleanUp();
  }
}


console.log(`acquire batch ${BATCH}; rates are jobs (or calls) per second, one awaited call at a time`);
// Every job read back goes through jobFromState (it rebuilds the trigger): the ceiling for reads.
const state = JSON.stringify(stateOf(job(0)));
console.log(
  `jobFromState alone (no database): ${await timed(async () => {
    for (let n = 0; n < 5000; n++) jobFromState(`job-${n}`, NOW, state);
    return 5000;
  })}`,
);
const places = [sqliteFile, ...((await postgresReachable()) ? [postgres] : [])];
if (places.length === 1) console.log(`PostgreSQL unreachable at ${PG_URL}: measuring SQLite only`);
for (const place of places) for (const size of SIZES) await measure(place, size);
