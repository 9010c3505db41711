import { expect } from 'chai';
import { ConflictingIdError, ValidationError } from '../../src/errors.js';
import type { JobStore } from '../../src/stores/job-store.js';
import { MemoryJobStore } from '../../src/stores/memory.js';
import { createJobStore } from '../../src/stores/store-url.js';
import { harness, T0 } from '../helpers/harness.js';
import { createTestSchema, PG_URL, requirePostgres, type TestSchema } from '../stores/postgres-test-db.js';

// Scheduler.addJobs, the bulk path: every definition validated first, each store's jobs stored in
// one batch (all or none), events and wake-ups as addJob gives them.

const stores: { name: string; make(): Promise<{ store: JobStore; cleanUp(): Promise<void> }>; pg?: boolean }[] = [
  { name: 'memory', make: async () => ({ store: new MemoryJobStore(), cleanUp: async () => {} }) },
  { name: 'SQLite', make: async () => ({ store: createJobStore('sqlite::memory:'), cleanUp: async () => {} }) },
  {
    name: 'PostgreSQL',
    pg: true,
    make: async () => {
      const schema: TestSchema = await createTestSchema();
      return { store: createJobStore(PG_URL, { schema: schema.name, cluster: false }), cleanUp: () => schema.drop() };
    },
  },
];

for (const { name, make, pg } of stores) {
  describe(`Scheduler.addJobs (${name} store)`, function () {
    let store: JobStore;
    let cleanUp: () => Promise<void>;

    beforeEach(async function () {
      if (pg) await requirePostgres(this);
      ({ store, cleanUp } = await make());
    });
    afterEach(async () => {
      await store?.close();
      await cleanUp?.();
    });

    it('adds every job, with its fields, and emits job_added for each', async () => {
      const { scheduler, kinds } = harness({ jobstores: { default: store } });
      const jobs = await scheduler.addJobs(
        Array.from({ length: 1200 }, (_, i) => ({ id: `bulk-${i}`, func: 't:record', trigger: 'interval' as const, minutes: 1 + (i % 7), args: [i, "it's \"quoted\" \\ ü"] })),
      );
      expect(jobs).to.have.length(1200);
      expect(kinds('job_added')).to.have.length(1200);
      const stored = await scheduler.getJob('bulk-1199');
      expect(stored?.args).to.deep.equal([1199, "it's \"quoted\" \\ ü"]);
      expect(stored?.nextRunTime?.getTime()).to.equal(T0.getTime() + (1 + (1199 % 7)) * 60_000);
      expect(await scheduler.getJobs()).to.have.length(1200);
    });

    it('adds none when one id conflicts, within the batch or with a stored job', async () => {
      const { scheduler } = harness({ jobstores: { default: store } });
      await scheduler.addJob({ id: 'taken', func: 't:record', trigger: 'interval', minutes: 1 });
      const fresh = Array.from({ length: 10 }, (_, i) => ({ id: `new-${i}`, func: 't:record' }));
      let error = await scheduler.addJobs([...fresh, { id: 'taken', func: 't:record' }]).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ConflictingIdError);
      expect((error as Error).message).to.contain('taken');
      error = await scheduler.addJobs([...fresh, { id: 'new-3', func: 't:record' }]).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ConflictingIdError);
      expect((error as Error).message).to.contain('new-3');
      expect((await scheduler.getJobs()).map((job) => job.id)).to.deep.equal(['taken']);
    });

    it('validates every definition before storing any', async () => {
      const { scheduler } = harness({ jobstores: { default: store } });
      const error = await scheduler.addJobs([{ id: 'ok', func: 't:record' }, { id: 'bad', func: 't:record', trigger: 'interval', minuts: 5 }]).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ValidationError);
      expect(await scheduler.getJobs()).to.deep.equal([]);
    });

    it('replaces existing jobs with replace_existing', async () => {
      const { scheduler } = harness({ jobstores: { default: store } });
      await scheduler.addJob({ id: 'a', func: 't:record', trigger: 'interval', minutes: 1 });
      await scheduler.addJobs([{ id: 'a', func: 't:record', trigger: 'interval', minutes: 9, replace_existing: true }, { id: 'b', func: 't:record', replace_existing: true }]);
      expect((await scheduler.getJob('a'))?.trigger.toString()).to.equal('interval[0:09:00]');
      expect(await scheduler.getJob('b')).not.to.equal(null);
    });

    // The wake-up is the scheduler's, whatever the store; a manual clock does not wait for PostgreSQL's I/O.
    if (!pg) it('wakes the running scheduler for the earliest new job', async () => {
      const { scheduler, clock, calls } = harness({ jobstores: { default: store } });
      await scheduler.start();
      await scheduler.addJobs([
        { id: 'later', func: 't:record', trigger: 'date', run_date: new Date(T0.getTime() + 60_000), args: ['later'] },
        { id: 'sooner', func: 't:record', trigger: 'date', run_date: new Date(T0.getTime() + 5000), args: ['sooner'] },
      ]);
      await clock.advance(5000);
      expect(calls.map((call) => call.args[0])).to.deep.equal(['sooner']);
      await clock.advance(55_000);
      expect(calls.map((call) => call.args[0])).to.deep.equal(['sooner', 'later']);
      await scheduler.shutdown();
    });
  });
}
