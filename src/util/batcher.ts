/**
 * Collects calls made in the same turn of the event loop and hands them to `flush` as one batch,
 * so many runs starting or ending together cost one statement rather than one each.
 *
 * @example
 * const started = new Batcher((keys: string[]) => store.markStarted(keys))
 * await started.add('a') // flushed with every other add of this turn
 */
export class Batcher<T, R> {
  private pending: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  private inFlight = new Set<Promise<void>>();

  /** `flush` answers one result per item, in order. */
  constructor(private readonly flush: (items: T[]) => Promise<R[]>) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.run());
    });
  }

  /** Resolves once every batch queued so far has been flushed (or has failed). */
  async drain(): Promise<void> {
    while (this.scheduled || this.inFlight.size > 0) {
      await Promise.all([...this.inFlight]);
      if (this.scheduled) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private run(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    const flushing = this.flush(batch.map((entry) => entry.item)).then(
      (results) => batch.forEach((entry, index) => entry.resolve(results[index] as R)),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
    this.inFlight.add(flushing);
    void flushing.finally(() => this.inFlight.delete(flushing));
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
  private pending: T[] = [];
  private batch: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | null = null;
  private inFlight = new Set<Promise<void>>();

  constructor(private readonly flush: (items: T[]) => Promise<void>) {}

  add(item: T): Promise<void> {
    this.pending.push(item);
    if (this.batch) return this.batch.promise;
    let resolve: () => void = () => {};
    let reject: (error: unknown) => void = () => {};
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.batch = { promise, resolve, reject };
    setImmediate(() => this.run());
    return promise;
  }

  /** Resolves once every batch queued so far has been flushed (or has failed). */
  async drain(): Promise<void> {
    while (this.batch || this.inFlight.size > 0) {
      await Promise.all([...this.inFlight]);
      if (this.batch) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private run(): void {
    const batch = this.batch;
    const items = this.pending;
    this.batch = null;
    this.pending = [];
    if (!batch) return;
    const flushing = this.flush(items).then(batch.resolve, batch.reject);
    this.inFlight.add(flushing);
    void flushing.finally(() => this.inFlight.delete(flushing));
  }
}
