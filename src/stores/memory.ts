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

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Removed ids the id order may hold before it is rebuilt: at least this many, and more than this
 * many times the live jobs. Each rebuild then costs at most a quarter of the deletes it replaces.
 */
const MIN_STALE_IDS = 1024;
const STALE_PER_LIVE_ID = 4;

/**
 * Keeps jobs in memory: by id in a Map, with a B-tree of the ids for pages in id order and one of
 * (next run time, id) for the due look-ups, so every look-up is O(1) or O(log n). Nothing survives
 * the process: use it for throw-away jobs and tests.
 *
 * @example
 * new Scheduler({ jobstores: { default: new MemoryJobStore() } })
 */
export class MemoryJobStore implements JobStore {
  private readonly byId = new Map<string, Job>();
  /**
   * The ids in order, removed ones included until it is rebuilt: a burst of one-off jobs would
   * otherwise pay a B-tree delete for each run (a fifth of its time). A page skips the removed ids
   * it meets.
   */
  private idOrder = new BTree<string, true>(undefined, compareIds);
  /** How many removed ids `idOrder` still holds (a count: a set of them cost a hash insert per run). */
  private staleIds = 0;
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
    this.idOrder.clear();
    this.staleIds = 0;
    this.byTime.clear();
  }

  async lookupJob(id: string): Promise<Job | null> {
    return this.byId.get(id) ?? null;
  }

  async getJobs(page: JobPage = {}): Promise<Job[]> {
    const limit = page.limit ?? Infinity;
    const jobs: Job[] = [];
    if (limit <= 0) return jobs;
    this.idOrder.forRange(page.after ?? '', this.idOrder.maxKey() ?? '', true, (id) => {
      if (page.after !== undefined && id === page.after) return;
      const job = this.byId.get(id);
      if (!job) return;
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
      else this.forget(job.id);
    }
    return acquired;
  }

  private index(job: Job): void {
    // A new id goes into the id order; a removed one coming back is still there (set answers false).
    if (!this.byId.has(job.id) && !this.idOrder.set(job.id, true)) this.staleIds--;
    this.byId.set(job.id, job);
    if (job.nextRunTime) this.byTime.set([job.nextRunTime.getTime(), job.id], job);
  }

  private unindex(job: Job): void {
    this.forget(job.id);
    if (job.nextRunTime) this.byTime.delete([job.nextRunTime.getTime(), job.id]);
  }

  /** Takes the id out of the map; its place in the id order goes at the next rebuild. */
  private forget(id: string): void {
    if (!this.byId.delete(id)) return;
    this.staleIds++;
    if (this.staleIds >= MIN_STALE_IDS && this.staleIds > STALE_PER_LIVE_ID * this.byId.size) {
      const order = new BTree<string, true>(undefined, compareIds);
      for (const liveId of [...this.byId.keys()].sort(compareIds)) order.set(liveId, true);
      this.idOrder = order;
      this.staleIds = 0;
    }
  }
}
