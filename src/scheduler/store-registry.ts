import { systemClock, type Clock } from '../clock/clock.js';
import { ConflictingIdError, JobLookupError, JobStoreUnavailableError, UnknownComponentError } from '../errors.js';
import type { Job } from '../jobs/job.js';
import type { ClusterCoordination } from '../stores/cluster-coordination.js';
import type { JobCounts, JobPage, JobStore, StoreContext } from '../stores/job-store.js';
import type { RunRecord } from '../stores/run-history.js';
import { MemoryJobStore } from '../stores/memory.js';
import { createJobStore } from '../stores/store-url.js';
import { silentLogger, type Logger } from './logger.js';
import { StoreHealth, type StoreStatus } from './store-health.js';
import { TrackedJobStore } from './tracked-store.js';

/** A job together with the alias of the store it lives in. */
export interface StoredJob {
  readonly job: Job;
  readonly jobstore: string;
}

/** Where a registry's stores report their health: the scheduler's clock and logger. */
export interface StoreHealthParts {
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/**
 * The scheduler's named job stores: opens them once (again after a failed open), closes them,
 * answers the questions that span stores (which store holds a job, whether an id is free in all of
 * them, whether any is shared as a cluster), and keeps each store's health. It knows stores only by
 * the `JobStore` contract, and hands them out as {@link TrackedJobStore}s, so every call any part
 * of the scheduler makes feeds the store's {@link StoreHealth}.
 *
 * @example
 * const stores = StoreRegistry.of({ default: 'sqlite:./data/jobs.sqlite' }, (alias) => ({ onUnreadableJob: console.error }))
 * const found = await stores.findJob('nightly')
 * stores.statuses() // { default: { state: 'ok', … } }
 */
export class StoreRegistry {
  private opening: Promise<void> | null = null;
  private readonly stores: ReadonlyMap<string, TrackedJobStore>;

  constructor(
    stores: ReadonlyMap<string, JobStore>,
    /** What each store is opened with; called at open time, so it may close over collaborators made later. */
    private readonly contextFor: (alias: string) => StoreContext,
    { clock = systemClock, logger = silentLogger }: StoreHealthParts = {},
  ) {
    this.stores = new Map([...stores].map(([alias, store]) => [alias, new TrackedJobStore(store, new StoreHealth(alias, clock, logger))]));
  }

  /** Stores from `SchedulerOptions.jobstores` (instances or store URLs), with a memory store as `default` unless given. */
  static of(
    jobstores: Readonly<Record<string, JobStore | string>> = {},
    contextFor: (alias: string) => StoreContext,
    health: StoreHealthParts = {},
  ): StoreRegistry {
    const stores = Object.entries(jobstores).map(([alias, store]) => [alias, typeof store === 'string' ? createJobStore(store) : store] as const);
    const withDefault = stores.some(([alias]) => alias === 'default') ? stores : [['default', new MemoryJobStore()] as const, ...stores];
    return new StoreRegistry(new Map(withDefault), contextFor, health);
  }

  /** The health of the store named `alias`; `UnknownComponentError` when there is none. */
  health(alias: string): StoreHealth {
    return this.tracked(alias).health;
  }

  /** Every store's health, by alias. */
  statuses(): Record<string, StoreStatus> {
    return Object.fromEntries([...this.stores].map(([alias, store]) => [alias, store.health.status()]));
  }

  /**
   * Each store's job counts; null for a store that cannot count, is known to be unreachable (it is not
   * asked, so a scrape stays fast during an outage) or fails now.
   */
  async countJobs(): Promise<Record<string, JobCounts | null>> {
    const opened = await this.open().then(() => true, () => false);
    const counts = await Promise.all(
      [...this.stores].map(async ([alias, store]) => {
        const count = store.countJobs;
        if (!opened || !count || store.health.unreachable) return [alias, null] as const;
        return [alias, await count().catch(() => null)] as const;
      }),
    );
    return Object.fromEntries(counts);
  }

  /** Aliases in configuration order (`default` first unless configured otherwise). */
  get aliases(): string[] {
    return [...this.stores.keys()];
  }

  /** Alias and store pairs, in alias order. */
  entries(): IterableIterator<[string, JobStore]> {
    return this.stores.entries();
  }

  /** Opens every store once; a failed open is retried by the next call. */
  open(): Promise<void> {
    this.opening ??= Promise.all([...this.stores].map(([alias, store]) => store.open(this.openingContext(alias, store.health)))).then(() => undefined);
    const opening = this.opening;
    opening.catch(() => {
      if (this.opening === opening) this.opening = null;
    });
    return opening;
  }

  /** Closes every store that was opened (or was being opened). */
  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = null;
    if (!opening) return;
    await opening.catch(() => undefined);
    await Promise.all([...this.stores.values()].map((store) => store.close()));
  }

  /** The store named `alias`; `UnknownComponentError` when there is none. */
  store(alias: string): JobStore {
    return this.tracked(alias);
  }

  /** The one alias given (checked), or every alias when none is. */
  select(jobstore?: string): string[] {
    if (jobstore === undefined) return this.aliases;
    this.store(jobstore);
    return [jobstore];
  }

  /** The job and its store's alias, looking in `jobstore` or in every store; null when absent. */
  async findJob(id: string, jobstore?: string): Promise<StoredJob | null> {
    await this.open();
    for (const alias of this.select(jobstore)) {
      const job = await this.store(alias).lookupJob(id);
      if (job) return { job, jobstore: alias };
    }
    return null;
  }

  /** As `findJob`, but `JobLookupError` when absent. */
  async requireJob(id: string, jobstore?: string): Promise<StoredJob> {
    const found = await this.findJob(id, jobstore);
    if (!found) throw new JobLookupError(id);
    return found;
  }

  /** Ids are unique across stores, so REST paths (which name no store) always find one job. */
  async assertIdFreeElsewhere(id: string, jobstore: string): Promise<void> {
    for (const [alias, store] of this.stores) {
      if (alias !== jobstore && (await store.lookupJob(id))) throw new ConflictingIdError(id);
    }
  }

  /**
   * Adds jobs, each store taking its jobs in one batch (one transaction on SQL) after every id was
   * checked free in the other stores; `onAdded` hears of each job once its batch is stored.
   */
  async addJobs(
    items: readonly { readonly job: Job; readonly jobstore: string; readonly replaceExisting: boolean }[],
    onAdded: (job: Job, jobstore: string) => void,
  ): Promise<void> {
    await this.open();
    const batches = new Map<string, { jobstore: string; replaceExisting: boolean; jobs: Job[] }>();
    for (const { job, jobstore, replaceExisting } of items) {
      await this.assertIdFreeElsewhere(job.id, jobstore);
      const key = `${replaceExisting}:${jobstore}`;
      const batch = batches.get(key) ?? { jobstore, replaceExisting, jobs: [] };
      batch.jobs.push(job);
      batches.set(key, batch);
    }
    for (const { jobstore, replaceExisting, jobs } of batches.values()) {
      const store = this.store(jobstore);
      if (store.addJobs) await store.addJobs(jobs, { replaceExisting });
      else for (const job of jobs) await store.addJob(job, { replaceExisting });
      for (const job of jobs) onAdded(job, jobstore);
    }
  }

  /** Jobs in id order from one store or all (merged), optionally a page. */
  async getJobs(page: JobPage, jobstore?: string): Promise<Job[]> {
    await this.open();
    const lists = await Promise.all(this.select(jobstore).map((alias) => this.store(alias).getJobs(page)));
    if (lists.length === 1) return lists[0] ?? [];
    const merged = lists.flat().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return page.limit === undefined ? merged : merged.slice(0, page.limit);
  }

  /** A job's runs, newest first, from its store's history (or every store's, for a job that is gone). */
  async getRuns(jobId: string, limit: number, jobstore?: string): Promise<RunRecord[]> {
    const found = await this.findJob(jobId, jobstore);
    const aliases = found ? [found.jobstore] : jobstore !== undefined ? [jobstore] : this.aliases;
    const lists = await Promise.all(aliases.map(async (alias) => (await this.store(alias).runHistory?.getRuns(jobId, { limit })) ?? []));
    return lists.flat().sort((a, b) => b.scheduledRunTime.getTime() - a.scheduledRunTime.getTime()).slice(0, limit);
  }

  /** The newest run of each given job that has one, across stores. */
  async getLastRuns(jobIds: readonly string[]): Promise<Map<string, RunRecord>> {
    await this.open();
    const last = new Map<string, RunRecord>();
    for (const store of this.stores.values()) {
      const runs = await store.runHistory?.lastRuns(jobIds);
      for (const [id, run] of runs ?? []) {
        const seen = last.get(id);
        if (!seen || seen.scheduledRunTime < run.scheduledRunTime) last.set(id, run);
      }
    }
    return last;
  }

  /** Whether some store is shared as a cluster (known once the stores are open). */
  get clustered(): boolean {
    return this.coordination() !== undefined;
  }

  /** The coordination of the first store shared as a cluster, if any. */
  coordination(): ClusterCoordination | undefined {
    for (const store of this.stores.values()) if (store.cluster) return store.cluster;
    return undefined;
  }

  private tracked(alias: string): TrackedJobStore {
    const store = this.stores.get(alias);
    if (!store) throw new UnknownComponentError(`No job store named "${alias}"`);
    return store;
  }

  /**
   * The scheduler's context for one store, except that a dropped connection the store reports by
   * itself (its LISTEN connection, say) counts as the store being unreachable: one line for the
   * outage, not one per reconnect attempt.
   */
  private openingContext(alias: string, health: StoreHealth): StoreContext {
    const context = this.contextFor(alias);
    return {
      ...context,
      warn: (message, error) => {
        if (error instanceof JobStoreUnavailableError) health.failed(error);
        else context.warn?.(message, error);
      },
    };
  }
}
