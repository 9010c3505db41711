/**
 * What both batchers share: the items added in one turn of the event loop go to `flush` together
 * on the next turn; batches already flushing are tracked, so a caller can wait for all of them.
 */
class TurnBatches<T> {
  private pending: T[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly flush: (items: T[]) => Promise<void>) {}

  /** Queues `item`; true when it is the first of a new batch. */
  add(item: T): boolean {
    this.pending.push(item);
    if (this.scheduled) return false;
    this.scheduled = true;
    setImmediate(() => this.run());
    return true;
  }

  async drain(): Promise<void> {
    while (this.scheduled || this.inFlight.size > 0) {
      await Promise.all([...this.inFlight]);
      if (this.scheduled) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private run(): void {
    this.scheduled = false;
    const items = this.pending;
    this.pending = [];
    // `flush` settles its callers itself and never rejects.
    const flushing = this.flush(items);
    this.inFlight.add(flushing);
    void flushing.finally(() => this.inFlight.delete(flushing));
  }
}

/**
 * Collects calls made in the same turn of the event loop and hands them to `flush` as one batch,
 * so many runs starting or ending together cost one statement rather than one each.
 *
 * @example
 * const started = new Batcher((keys: string[]) => store.markStarted(keys))
 * await started.add('a') // flushed with every other add of this turn
 */
export class Batcher<T, R> {
  private readonly batches: TurnBatches<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }>;

  /** `flush` answers one result per item, in order. */
  constructor(flush: (items: T[]) => Promise<R[]>) {
    this.batches = new TurnBatches((entries) =>
      flush(entries.map((entry) => entry.item)).then(
        (results) => entries.forEach((entry, index) => entry.resolve(results[index] as R)),
        (error: unknown) => entries.forEach((entry) => entry.reject(error)),
      ),
    );
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => void this.batches.add({ item, resolve, reject }));
  }

  /** Resolves once every batch queued so far has been flushed (or has failed). */
  drain(): Promise<void> {
    return this.batches.drain();
  }
}

/**
 * A {@link Batcher} for calls that answer nothing each: every call of one turn shares its batch's
 * promise, so a burst of thousands of records costs one promise per batch, not one per record.
 *
 * @example
 * const records = new SharedBatcher((runs: RunRecord[]) => history.recordRuns(runs))
 * await records.add(run) // settles with the batch it went out in
 */
export class SharedBatcher<T> {
  private readonly batches: TurnBatches<T>;
  /** The promise of the batch being collected, settled by its flush. */
  private current: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | null = null;

  constructor(flush: (items: T[]) => Promise<void>) {
    this.batches = new TurnBatches((items) => {
      const batch = this.current;
      this.current = null;
      return flush(items).then(batch?.resolve, batch?.reject);
    });
  }

  add(item: T): Promise<void> {
    if (this.batches.add(item) || !this.current) {
      let resolve: () => void = () => {};
      let reject: (error: unknown) => void = () => {};
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.current = { promise, resolve, reject };
    }
    return this.current.promise;
  }

  /** Resolves once every batch queued so far has been flushed (or has failed). */
  drain(): Promise<void> {
    return this.batches.drain();
  }
}
