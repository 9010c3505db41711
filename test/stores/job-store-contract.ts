import { expect } from 'chai';
import { ConflictingIdError, JobDeserializationError, JobLookupError } from '../../src/errors.js';
import type { Job } from '../../src/jobs/job.js';
import { stateOf } from '../../src/jobs/job-state.js';
import type { JobAdvance, JobStore } from '../../src/stores/job-store.js';
import { at, intervalJob, removeAll, rescheduleAfter, richJob } from './job-fixtures.js';

/** One place stores can live for the length of a test (a temp file, a fresh schema, nothing). */
export interface StoreLocation {
  /** A new, unopened store at this location. */
  create(options?: { readonly tablePrefix?: string }): JobStore;
  /** A store created later here sees what an earlier one stored. */
  readonly persistent: boolean;
  /** SQL stores: write and read the jobs table directly, past the store. */
  readonly raw?: RawJobRows;
  dispose(): Promise<void>;
}

export interface RawJobRows {
  /** States this database can hold that are not a job (SQLite even takes text that is not JSON). */
  readonly corruptStates: readonly string[];
  insert(row: { id: string; nextRunTime: number | null; state: string }, tablePrefix?: string): Promise<void>;
  /** The row's next_run_time, or undefined when there is no such row. */
  nextRunTime(id: string, tablePrefix?: string): Promise<number | null | undefined>;
}

export interface StoreHarness {
  readonly name: string;
  /** Runs once before the suite; may skip it (`ctx.skip()`) or fail it. */
  before?(ctx: Mocha.Context): Promise<void>;
  /** A fresh, empty location for one test. */
  location(): Promise<StoreLocation>;
}

/**
 * The `JobStore` contract as tests: every store runs exactly these.
 *
 * @example
 * jobStoreContract({ name: 'MemoryJobStore', location: async () => memoryLocation() })
 */
export function jobStoreContract(harness: StoreHarness): void {
  describe(`JobStore contract: ${harness.name}`, function () {
    let location: StoreLocation;
    let opened: JobStore[];
    let unreadable: JobDeserializationError[];

    if (harness.before) {
      const setUp = harness.before;
      before(async function () {
        await setUp(this);
      });
    }

    beforeEach(async function () {
      location = await harness.location();
      opened = [];
      unreadable = [];
    });

    afterEach(async function () {
      for (const store of opened) await store.close();
      await location?.dispose();
    });

    async function openStore(options?: { readonly tablePrefix?: string }): Promise<JobStore> {
      const store = location.create(options);
      opened.push(store);
      await store.open({ onUnreadableJob: (error) => unreadable.push(error) });
      return store;
    }

    function expectSameJob(actual: Job | null | undefined, expected: Job): void {
      expect(actual, `job ${expected.id}`).to.not.equal(null);
      expect(actual?.id).to.equal(expected.id);
      expect(actual?.nextRunTime?.getTime() ?? null).to.equal(expected.nextRunTime?.getTime() ?? null);
      expect(actual?.trigger.timezone).to.equal(expected.trigger.timezone);
      expect(actual && stateOf(actual)).to.deep.equal(stateOf(expected));
    }

    const ids = (jobs: readonly { readonly id: string }[]): string[] => jobs.map((job) => job.id);

    describe('adding, looking up, changing', function () {
      it('round-trips every field of a job', async function () {
        const store = await openStore();
        const job = richJob('rich', at(5));
        await store.addJob(job);
        expectSameJob(await store.lookupJob('rich'), job);
        expectSameJob((await store.getJobs())[0], job);
      });

      it('keeps a paused job with a null next run time', async function () {
        const store = await openStore();
        await store.addJob(intervalJob('paused', null));
        expect((await store.lookupJob('paused'))?.nextRunTime).to.equal(null);
      });

      it('gives null for an unknown id', async function () {
        const store = await openStore();
        expect(await store.lookupJob('nope')).to.equal(null);
      });

      it('refuses a second job with the same id, keeping the first', async function () {
        const store = await openStore();
        await store.addJob(intervalJob('a', at(1)));
        const error = await store.addJob(intervalJob('a', at(2), { name: 'other' })).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(ConflictingIdError);
        expect((error as ConflictingIdError).jobId).to.equal('a');
        expectSameJob(await store.lookupJob('a'), intervalJob('a', at(1)));
      });

      it('answers each of many adds made at once for its own job: duplicates refused, the rest stored', async function () {
        const store = await openStore();
        await store.addJob(intervalJob('taken', at(1)));
        // On SQLite the adds of one turn share a transaction: one refused row must not refuse the others.
        const names = Array.from({ length: 40 }, (_, i) => (i % 10 === 3 ? 'taken' : i % 10 === 7 ? 'twice' : `n${String(i).padStart(2, '0')}`));
        const answers = await Promise.all(names.map((id, i) => store.addJob(intervalJob(id, at(i + 2))).then(() => id, (error: unknown) => error)));
        const refused = answers.filter((answer) => answer instanceof ConflictingIdError);
        // 'taken' four times, 'twice' three of its four times: the one answered as added is stored.
        // (Which one wins is the store's: adds on several connections race; SQLite's group commit
        // stores the first.)
        expect(refused.map((error) => error.jobId).sort()).to.deep.equal([...Array(4).fill('taken'), ...Array(3).fill('twice')]);
        expect(answers.filter((answer) => typeof answer === 'string')).to.have.length(33);
        expect(ids(await store.getJobs())).to.deep.equal([...new Set(names)].sort());
        expectSameJob(await store.lookupJob('taken'), intervalJob('taken', at(1)));
        expectSameJob(await store.lookupJob('n00'), intervalJob('n00', at(2)));
        const stored = answers.findIndex((answer) => answer === 'twice');
        expectSameJob(await store.lookupJob('twice'), intervalJob('twice', at(stored + 2)));
      });

      it('replaces an existing job when asked to', async function () {
        const store = await openStore();
        await store.addJob(intervalJob('a', at(1)));
        const replacement = richJob('a', at(9));
        await store.addJob(replacement, { replaceExisting: true });
        await store.addJob(intervalJob('b', at(3)), { replaceExisting: true });
        expectSameJob(await store.lookupJob('a'), replacement);
        expect(ids(await store.getJobs())).to.deep.equal(['a', 'b']);
      });

      it('updates a job, and refuses to update an unknown one', async function () {
        const store = await openStore();
        await store.addJob(intervalJob('a', at(1)));
        const updated = intervalJob('a', null, { name: 'renamed', args: [1, 2], maxInstances: 4 });
        await store.updateJob(updated);
        expectSameJob(await store.lookupJob('a'), updated);
        const error = await store.updateJob(intervalJob('ghost', at(1))).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(JobLookupError);
        expect(await store.lookupJob('ghost')).to.equal(null);
      });

      it('removes one job, refuses an unknown id, and removes all', async function () {
        const store = await openStore();
        for (const id of ['a', 'b', 'c']) await store.addJob(intervalJob(id, at(1)));
        await store.removeJob('b');
        expect(ids(await store.getJobs())).to.deep.equal(['a', 'c']);
        expect(await store.removeJob('b').catch((e: unknown) => e)).to.be.instanceOf(JobLookupError);
        await store.removeAllJobs();
        expect(await store.getJobs()).to.deep.equal([]);
        expect(await store.getNextRunTime()).to.equal(null);
      });
    });

    describe('listing', function () {
      const mixedIds = ['b', 'a', 'B', '10', '9', 'a-1', 'a_1', 'é', 'z', 'Z', '~'];

      it('lists jobs in id (code point) order', async function () {
        const store = await openStore();
        for (const id of mixedIds) await store.addJob(intervalJob(id, at(1)));
        expect(ids(await store.getJobs())).to.deep.equal([...mixedIds].sort());
      });

      it('pages with limit and after', async function () {
        const store = await openStore();
        for (const id of mixedIds) await store.addJob(intervalJob(id, at(1)));
        const sorted = [...mixedIds].sort();
        const pages: string[][] = [];
        let after: string | undefined;
        for (;;) {
          const page = ids(await store.getJobs(after === undefined ? { limit: 4 } : { limit: 4, after }));
          if (page.length === 0) break;
          pages.push(page);
          after = page.at(-1);
        }
        expect(pages.map((page) => page.length)).to.deep.equal([4, 4, 3]);
        expect(pages.flat()).to.deep.equal(sorted);
        expect(ids(await store.getJobs({ after: 'a' }))).to.deep.equal(sorted.filter((id) => id > 'a'));
        expect(await store.getJobs({ limit: 0 })).to.deep.equal([]);
        expect(await store.getJobs({ after: sorted.at(-1) })).to.deep.equal([]);
      });

      it('lists many jobs without a limit', async function () {
        const store = await openStore();
        const expected = Array.from({ length: 120 }, (_, i) => `job-${String(i).padStart(3, '0')}`);
        for (const id of expected) await store.addJob(intervalJob(id, at(i(id))));
        expect(ids(await store.getJobs())).to.deep.equal(expected);
      });

      it('pages the jobs left after thousands were run and removed, some added again', async function () {
        const store = await openStore();
        const all = Array.from({ length: 3000 }, (_, n) => `many-${String(n).padStart(4, '0')}`);
        // Every third job is due at once and removed when acquired, as a burst of one-off jobs is.
        await store.addJobs(all.map((id, n) => intervalJob(id, n % 3 === 0 ? at(1) : at(10_000))));
        expect(await store.acquireDueJobs(at(1), 5000, removeAll)).to.have.length(1000);
        // Then most of the others are removed one by one, and a few of the removed added again.
        for (const id of all.filter((_, n) => n % 3 === 1)) await store.removeJob(id);
        const again = all.filter((_, n) => n % 300 === 0);
        await store.addJobs(again.map((id) => intervalJob(id, at(20_000))));
        const expected = all.filter((id, n) => n % 3 === 2 || again.includes(id));
        const paged: string[] = [];
        for (let after: string | undefined; ; ) {
          const page = ids(await store.getJobs(after === undefined ? { limit: 700 } : { limit: 700, after }));
          if (page.length === 0) break;
          paged.push(...page);
          after = page.at(-1);
        }
        expect(paged).to.deep.equal(expected);
        expect(ids(await store.getJobs({ after: all[1] as string, limit: 2 }))).to.deep.equal(['many-0002', 'many-0005']);
        expect(await store.countJobs()).to.deep.equal({ scheduled: expected.length, paused: 0 });
      });
    });

    describe('next run time', function () {
      it('is null with no jobs, and the earliest time of the jobs that are not paused', async function () {
        const store = await openStore();
        expect(await store.getNextRunTime()).to.equal(null);
        await store.addJob(intervalJob('paused', null));
        expect(await store.getNextRunTime()).to.equal(null);
        await store.addJob(intervalJob('late', at(30)));
        await store.addJob(intervalJob('early', at(10)));
        expect((await store.getNextRunTime())?.getTime()).to.equal(at(10).getTime());
        await store.updateJob(intervalJob('early', null));
        expect((await store.getNextRunTime())?.getTime()).to.equal(at(30).getTime());
      });
    });

    describe('counting jobs', function () {
      it('counts scheduled and paused jobs, following updates and removals', async function () {
        const store = await openStore();
        expect(store.countJobs, 'every bundled store counts').to.be.a('function');
        const count = () => store.countJobs!();
        expect(await count()).to.deep.equal({ scheduled: 0, paused: 0 });
        await store.addJob(intervalJob('a', at(10)));
        await store.addJob(intervalJob('b', at(20)));
        await store.addJob(intervalJob('c', null));
        expect(await count()).to.deep.equal({ scheduled: 2, paused: 1 });
        await store.updateJob(intervalJob('a', null));
        await store.removeJob('b');
        expect(await count()).to.deep.equal({ scheduled: 0, paused: 2 });
      });
    });

    describe('acquiring due jobs', function () {
      it('hands out due jobs earliest first, ids breaking ties, up to the limit', async function () {
        const store = await openStore();
        await store.addJob(intervalJob('t20', at(20)));
        await store.addJob(intervalJob('t10-b', at(10)));
        await store.addJob(intervalJob('t10-a', at(10)));
        await store.addJob(intervalJob('t10-ü "quoted", \'x\'', at(10)));
        await store.addJob(intervalJob('t5', at(5)));
        await store.addJob(intervalJob('paused', null));
        await store.addJob(intervalJob('future', at(100)));
        const first = await store.acquireDueJobs(at(20), 3, rescheduleAfter(1000));
        expect(ids(first.map((a) => a.job))).to.deep.equal(['t5', 't10-a', 't10-b']);
        const second = await store.acquireDueJobs(at(20), 3, (job) => (job.id === 't20' ? removeAll(job) : rescheduleAfter(1000)(job)));
        expect(ids(second.map((a) => a.job))).to.deep.equal(['t10-ü "quoted", \'x\'', 't20']);
        expect((await store.lookupJob('t10-ü "quoted", \'x\''))?.nextRunTime?.getTime()).to.equal(at(1010).getTime());
        expect(await store.lookupJob('t20')).to.equal(null);
        expect(await store.acquireDueJobs(at(20), 3, rescheduleAfter(1000))).to.deep.equal([]);
        expect(await store.acquireDueJobs(at(20), 0, rescheduleAfter(1000))).to.deep.equal([]);
        const everything = await store.acquireDueJobs(at(5000), Infinity, removeAll);
        expect(ids(everything.map((a) => a.job))).to.deep.equal(['future', 't5', 't10-a', 't10-b', 't10-ü "quoted", \'x\'']);
        expect(ids(await store.getJobs())).to.deep.equal(['paused']);
      });

      it('leaves out excluded jobs (those catching up), taking the due jobs around them', async function () {
        const store = await openStore();
        for (const [id, seconds] of [['a', 1], ['b', 2], ['held', 2], ['c', 3], ['d', 4], ['later', 50]] as const) await store.addJob(intervalJob(id, at(seconds)));
        const held = new Set(['held']);
        const first = await store.acquireDueJobs(at(10), 3, removeAll, held);
        expect(ids(first.map((a) => a.job))).to.deep.equal(['a', 'b', 'c']);
        expect(ids(await store.getJobs())).to.deep.equal(['d', 'held', 'later']);
        const second = await store.acquireDueJobs(at(10), 3, removeAll, held);
        expect(ids(second.map((a) => a.job))).to.deep.equal(['d']);
        expect((await store.lookupJob('held'))?.nextRunTime?.getTime()).to.equal(at(2).getTime());
        expect((await store.getNextRunTime(held))?.getTime()).to.equal(at(50).getTime());
      });

      it('applies reschedules and removals before returning, and returns jobs as acquired', async function () {
        const store = await openStore();
        await store.addJob(intervalJob('keep', at(1)));
        await store.addJob(richJob('done', at(2)));
        const advance = (job: Job): JobAdvance => (job.id === 'done' ? removeAll(job) : rescheduleAfter(60)(job));
        const acquired = await store.acquireDueJobs(at(5), 10, advance);
        expect(acquired.map((a) => [a.job.id, a.advance.kind])).to.deep.equal([
          ['keep', 'reschedule'],
          ['done', 'remove'],
        ]);
        expectSameJob(acquired[0]?.job, intervalJob('keep', at(1)));
        expectSameJob(acquired[1]?.job, richJob('done', at(2)));
        expect((await store.lookupJob('keep'))?.nextRunTime?.getTime()).to.equal(at(61).getTime());
        expect(await store.lookupJob('done')).to.equal(null);
        expect((await store.getNextRunTime())?.getTime()).to.equal(at(61).getTime());
      });

      it('never hands out a job twice for the same run time, even to concurrent calls', async function () {
        const store = await openStore();
        const all = Array.from({ length: 60 }, (_, n) => `job-${String(n).padStart(2, '0')}`);
        for (const id of all) await store.addJob(intervalJob(id, at(i(id) % 7)));
        const batches = await Promise.all(
          Array.from({ length: 6 }, () => store.acquireDueJobs(at(10), 7, rescheduleAfter(3600))),
        );
        let rest = await store.acquireDueJobs(at(10), 1000, rescheduleAfter(3600));
        const handedOut = [...batches.flat(), ...rest].map((a) => a.job.id);
        expect([...handedOut].sort()).to.deep.equal(all);
        rest = await store.acquireDueJobs(at(10), 1000, rescheduleAfter(3600));
        expect(rest).to.deep.equal([]);
      });

      it('propagates an advance that throws and leaves the jobs as they were', async function () {
        const store = await openStore();
        await store.addJob(intervalJob('a', at(1)));
        const error = await store
          .acquireDueJobs(at(5), 10, () => {
            throw new Error('boom');
          })
          .catch((e: unknown) => e);
        expect((error as Error).message).to.equal('boom');
        expect((await store.lookupJob('a'))?.nextRunTime?.getTime()).to.equal(at(1).getTime());
      });
    });

    describe('unreadable rows', function () {
      beforeEach(function () {
        if (!location.raw) this.skip();
      });

      it('are kept, reported, skipped by lookups and lists, and paused when due', async function () {
        const store = await openStore();
        const raw = location.raw!;
        await store.addJob(intervalJob('a-good', at(1)));
        await store.addJob(intervalJob('z-good', at(3)));
        const broken = raw.corruptStates.map((state, n) => ({ id: `m-broken-${n}`, nextRunTime: at(2).getTime(), state }));
        for (const row of broken) await raw.insert(row);

        for (const row of broken) expect(await store.lookupJob(row.id)).to.equal(null);
        expect(unreadable.map((e) => e.jobId)).to.deep.equal(broken.map((row) => row.id));
        expect(unreadable.every((e) => e instanceof JobDeserializationError)).to.equal(true);

        unreadable.length = 0;
        expect(ids(await store.getJobs())).to.deep.equal(['a-good', 'z-good']);
        // A page still fills up past unreadable rows.
        expect(ids(await store.getJobs({ limit: 2 }))).to.deep.equal(['a-good', 'z-good']);
        expect(unreadable.length).to.be.greaterThan(0);

        unreadable.length = 0;
        const acquired = await store.acquireDueJobs(at(5), 10, rescheduleAfter(600));
        expect(ids(acquired.map((a) => a.job))).to.deep.equal(['a-good', 'z-good']);
        expect(unreadable.map((e) => e.jobId)).to.deep.equal(broken.map((row) => row.id));
        for (const row of broken) expect(await raw.nextRunTime(row.id)).to.equal(null);
        expect((await store.getNextRunTime())?.getTime()).to.equal(at(601).getTime());

        unreadable.length = 0;
        expect(await store.acquireDueJobs(at(5000), 10, rescheduleAfter(600))).to.have.length(2);
        expect(unreadable).to.deep.equal([]);
      });
    });

    describe('table prefixes', function () {
      it('keep stores with different prefixes apart in one database', async function () {
        const first = await openStore();
        const second = await openStore({ tablePrefix: 'other_app_' });
        await first.addJob(intervalJob('shared-id', at(1)));
        await second.addJob(intervalJob('shared-id', at(2), { name: 'second' }));
        await second.addJob(intervalJob('only-second', at(3)));
        expect(ids(await first.getJobs())).to.deep.equal(['shared-id']);
        expect((await first.lookupJob('shared-id'))?.name).to.equal('job shared-id');
        await second.removeAllJobs();
        expect(ids(await first.getJobs())).to.deep.equal(['shared-id']);
        expect(await first.acquireDueJobs(at(9), 10, removeAll)).to.have.length(1);
        expect(await second.getJobs()).to.deep.equal([]);
      });
    });

    describe('opening and closing', function () {
      it('treats a second open as a no-op and keeps data across close and open', async function () {
        const store = await openStore();
        await store.open({ onUnreadableJob: () => {} });
        await store.addJob(richJob('kept', at(7)));
        await store.close();
        if (location.persistent) {
          await store.open({ onUnreadableJob: () => {} });
          expectSameJob(await store.lookupJob('kept'), richJob('kept', at(7)));
          const again = await openStore();
          expectSameJob(await again.lookupJob('kept'), richJob('kept', at(7)));
          expect((await again.getNextRunTime())?.getTime()).to.equal(at(7).getTime());
        }
      });
    });
  });
}

/** The number in an id like `job-042`. */
function i(id: string): number {
  return Number(id.replace(/\D/g, ''));
}
