import sortedBtree from 'sorted-btree';
import { ConflictingIdError, JobLookupError } from '../errors.js';
import type { Job } from '../jobs/job.js';
import type { AcquiredJob, JobAdvance, JobCounts, JobPage, JobStore } from './job-store.js';
import { MemoryRunHistory } from './memory-run-history.js';

// sorted-btree is CommonJS: loaded as ESM its class is the module object's `default`; loaded
// through require (mocha under tsx) the default import is the class itself.
type BTreeClass = typeof sortedBtree.default;
const BTree: BTreeClass =
  (sortedBtree as unknown as { default?: BTreeClass }).default ?? (sortedBtree as unknown as BTreeClass);

type TimeKey = readonly [time: number, id: string];

/** Ends a `forRange` walk. */
const STOP = { break: true } as const;

const compareTimeKeys = (a: TimeKey, b: TimeKey): number =>
  a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

/**
 * Keeps jobs in memory, in two B-trees: by id, and by (next run time, id) for the due look-ups,
 * so both are O(log n). Nothing survives the process: use it for throw-away jobs and tests.
 *
 * @example
 * new Scheduler({ jobstores: { default: new MemoryJobStore() } })
 */
export class MemoryJobStore implements JobStore {
  private readonly byId = new BTree<string, Job>();
  private readonly byTime = new BTree<TimeKey, Job>(undefined, compareTimeKeys);
  readonly runHistory = new MemoryRunHistory();

  async open(): Promise<void> {}

  async close(): Promise<void> {}

  async addJob(job: Job, options: { readonly replaceExisting?: boolean } = {}): Promise<void> {
    const existing = this.byId.get(job.id);
    if (existing && !options.replaceExisting) throw new ConflictingIdError(job.id);
    if (existing) this.unindex(existing);
    this.index(job);
  }

  async addJobs(jobs: readonly Job[], options: { readonly replaceExisting?: boolean } = {}): Promise<void> {
    // Checked first, so a conflict adds none of them.
    if (!options.replaceExisting) {
      const ids = new Set<string>();
      for (const job of jobs) {
        if (ids.has(job.id) || this.byId.has(job.id)) throw new ConflictingIdError(job.id);
        ids.add(job.id);
      }
    }
    for (const job of jobs) {
      const existing = this.byId.get(job.id);
      if (existing) this.unindex(existing);
      this.index(job);
    }
  }

  async updateJob(job: Job): Promise<void> {
    const existing = this.byId.get(job.id);
    if (!existing) throw new JobLookupError(job.id);
    this.unindex(existing);
    this.index(job);
  }

  async removeJob(id: string): Promise<void> {
    const existing = this.byId.get(id);
    if (!existing) throw new JobLookupError(id);
    this.unindex(existing);
  }

  async removeAllJobs(): Promise<void> {
    this.byId.clear();
    this.byTime.clear();
  }

  async lookupJob(id: string): Promise<Job | null> {
    return this.byId.get(id) ?? null;
  }

  async getJobs(page: JobPage = {}): Promise<Job[]> {
    const limit = page.limit ?? Infinity;
    const jobs: Job[] = [];
    if (limit <= 0) return jobs;
    this.byId.forRange(page.after ?? '', this.byId.maxKey() ?? '', true, (id, job) => {
      if (page.after !== undefined && id === page.after) return;
      jobs.push(job);
      if (jobs.length >= limit) return { break: true };
      return;
    });
    return jobs;
  }

  async countJobs(): Promise<JobCounts> {
    return { scheduled: this.byTime.size, paused: this.byId.size - this.byTime.size };
  }

  async getNextRunTime(excluding?: ReadonlySet<string>): Promise<Date | null> {
    // The excluded jobs are a few, so skipping them costs at most that many steps.
    for (const [key] of this.byTime.entries()) if (!excluding?.has(key[1])) return new Date(key[0]);
    return null;
  }

  async acquireDueJobs(now: Date, limit: number, advance: (job: Job) => JobAdvance, excluding?: ReadonlySet<string>): Promise<AcquiredJob[]> {
    const due: Job[] = [];
    const low = this.byTime.minKey();
    if (low === undefined || limit <= 0) return [];
    let last: TimeKey = low;
    let skipped = false;
    // Run times are whole milliseconds: [now + 1 ms, '') bounds the due range from above.
    this.byTime.forRange(low, [now.getTime() + 1, ''], false, (key, job) => {
      if (excluding?.has(job.id)) {
        skipped = true;
        return;
      }
      due.push(job);
      last = key;
      return due.length >= limit ? STOP : undefined;
    });
    if (due.length === 0) return [];
    // Decided before anything changes, so a trigger that throws leaves the store as it was.
    const acquired = due.map((job): AcquiredJob => ({ job, advance: advance(job) }));
    // A burst takes its due jobs out of the time index in one range delete, not a search each.
    if (skipped) for (const job of due) this.byTime.delete([(job.nextRunTime as Date).getTime(), job.id]);
    else this.byTime.deleteRange(low, last, true);
    for (const { job, advance: decision } of acquired) {
      if (decision.kind === 'reschedule') this.index({ ...job, nextRunTime: decision.nextRunTime });
      else this.byId.delete(job.id);
    }
    return acquired;
  }

  private index(job: Job): void {
    this.byId.set(job.id, job);
    if (job.nextRunTime) this.byTime.set([job.nextRunTime.getTime(), job.id], job);
  }

  private unindex(job: Job): void {
    this.byId.delete(job.id);
    if (job.nextRunTime) this.byTime.delete([job.nextRunTime.getTime(), job.id]);
  }
}
