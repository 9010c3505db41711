import { ConflictingIdError, JobLookupError, UnknownComponentError } from '../errors.js';
import type { Job } from '../jobs/job.js';
import type { ClusterCoordination } from '../stores/cluster-coordination.js';
import type { JobStore, StoreContext } from '../stores/job-store.js';
import { MemoryJobStore } from '../stores/memory.js';
import { createJobStore } from '../stores/store-url.js';

/** A job together with the alias of the store it lives in. */
export interface StoredJob {
  readonly job: Job;
  readonly jobstore: string;
}

/**
 * The scheduler's named job stores: opens them once (again after a failed open), closes them, and
 * answers the questions that span stores (which store holds a job, whether an id is free in all of
 * them, whether any is shared as a cluster). It knows stores only by the `JobStore` contract.
 *
 * @example
 * const stores = StoreRegistry.of({ default: 'sqlite:./data/jobs.sqlite' }, (alias) => ({ onUnreadableJob: console.error }))
 * const found = await stores.findJob('nightly')
 */
export class StoreRegistry {
  private opening: Promise<void> | null = null;

  constructor(
    private readonly stores: ReadonlyMap<string, JobStore>,
    /** What each store is opened with; called at open time, so it may close over collaborators made later. */
    private readonly contextFor: (alias: string) => StoreContext,
  ) {}

  /** Stores from `SchedulerOptions.jobstores` (instances or store URLs), with a memory store as `default` unless given. */
  static of(jobstores: Readonly<Record<string, JobStore | string>> = {}, contextFor: (alias: string) => StoreContext): StoreRegistry {
    const stores = Object.entries(jobstores).map(([alias, store]) => [alias, typeof store === 'string' ? createJobStore(store) : store] as const);
    const withDefault = stores.some(([alias]) => alias === 'default') ? stores : [['default', new MemoryJobStore()] as const, ...stores];
    return new StoreRegistry(new Map(withDefault), contextFor);
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
    this.opening ??= Promise.all([...this.stores].map(([alias, store]) => store.open(this.contextFor(alias)))).then(() => undefined);
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
    const store = this.stores.get(alias);
    if (!store) throw new UnknownComponentError(`No job store named "${alias}"`);
    return store;
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

  /** Whether some store is shared as a cluster (known once the stores are open). */
  get clustered(): boolean {
    return this.coordination() !== undefined;
  }

  /** The coordination of the first store shared as a cluster, if any. */
  coordination(): ClusterCoordination | undefined {
    for (const store of this.stores.values()) if (store.cluster) return store.cluster;
    return undefined;
  }
}
