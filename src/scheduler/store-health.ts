import type { Clock } from '../clock/clock.js';
import { JobStoreUnavailableError } from '../errors.js';
import { Backoff } from './backoff.js';
import type { Logger } from './logger.js';

/**
 * Whether a store answered its last calls (`ok`) or failed them at the connection level (`unreachable`).
 *
 * @example
 * if (scheduler.storeStatus().default?.state === 'unreachable') alert()
 */
export type StoreState = 'ok' | 'unreachable';

/** Whether a store call only reads, or changes something (a due pass, a heartbeat, a run record). */
export type StoreCallKind = 'read' | 'write';

/**
 * What `Scheduler.storeStatus()` tells of one store.
 *
 * @example
 * const { state, since, lastError } = scheduler.storeStatus().default
 */
export interface StoreStatus {
  readonly state: StoreState;
  /** When the store entered this state; null while it has been `ok` all along. */
  readonly since: Date | null;
  /** The last connection-level failure, in a few words (`connect ECONNREFUSED 127.0.0.1:5432`); null if none yet. */
  readonly lastError: string | null;
  /** Connection-level failures of calls to this store since the scheduler was made (retries count each). */
  readonly errors: number;
  /** What a client retrying a call is told to wait (`Retry-After`), from the scheduler's current backoff. */
  readonly retryAfterSeconds: number;
}

/**
 * One store's reachability, fed by every call the scheduler makes to it (through
 * {@link StoreHealth.track}): the first connection-level failure logs one line and marks it
 * unreachable, the first success after logs one line with how long it was gone. In between nothing
 * is logged, however often the wake loop, the heartbeat or REST calls retry.
 *
 * A call started before the last change of state does not change it again: a slow query that
 * began before the server stopped and answered after is not a recovery, nor is a connect that
 * timed out after another call already got through. Once a write failed, only a write that
 * succeeds ends the outage: a read-only SQLite file or a full disk still answers reads.
 *
 * @example
 * const health = new StoreHealth('default', clock, logger)
 * const jobs = await health.track('read', () => store.getJobs())
 */
export class StoreHealth {
  private state: StoreState = 'ok';
  private since: Date | null = null;
  private lastError: string | null = null;
  private errors = 0;
  /** How many calls were started; a call's ticket is its number. */
  private calls = 0;
  /** `calls` when the state last changed: outcomes of calls up to it are stale. */
  private changedAt = 0;
  /** A write failed during this outage: reads that succeed do not end it. */
  private writeFailed = false;
  private readonly retries = new Backoff();

  constructor(
    readonly alias: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs one store call and records how it went. A connection-level failure is rethrown as
   * {@link JobStoreUnavailableError} naming this store, with `Retry-After` from the current backoff;
   * any other error is rethrown as it is (it says nothing about reachability).
   */
  async track<T>(kind: StoreCallKind, call: () => Promise<T>): Promise<T> {
    const ticket = ++this.calls;
    let result: T;
    try {
      result = await call();
    } catch (error) {
      if (!(error instanceof JobStoreUnavailableError)) throw error;
      this.failed(error, kind, ticket);
      throw error.forStore(this.alias, this.retryAfterSeconds);
    }
    this.succeeded(kind, ticket);
    return result;
  }

  /** Records a connection-level failure seen outside `track` (the LISTEN connection dropping, say). */
  failed(error: JobStoreUnavailableError, kind: StoreCallKind = 'read', ticket = ++this.calls): void {
    this.lastError = error.summary;
    this.errors++;
    if (ticket <= this.changedAt) return;
    if (kind === 'write') this.writeFailed = true;
    if (this.state === 'unreachable') return;
    this.change('unreachable');
    this.logger.error(`Job store "${this.alias}" is unreachable: ${error.summary}; retrying with backoff (up to ${this.retries.maxMs / 1000} s)`);
  }

  /** The wake loop's delay before it tries this store again; doubles on each call until the store is back. */
  nextRetryMs(): number {
    return this.retries.next();
  }

  get unreachable(): boolean {
    return this.state === 'unreachable';
  }

  /** Seconds a client should wait before trying again (at least 1). */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.retries.currentMs / 1000));
  }

  status(): StoreStatus {
    return { state: this.state, since: this.since, lastError: this.lastError, errors: this.errors, retryAfterSeconds: this.retryAfterSeconds };
  }

  private succeeded(kind: StoreCallKind, ticket: number): void {
    if (this.state === 'ok' || ticket <= this.changedAt || (this.writeFailed && kind === 'read')) return;
    const goneMs = this.clock.now().getTime() - (this.since?.getTime() ?? this.clock.now().getTime());
    this.change('ok');
    this.retries.reset();
    this.logger.info(`Job store "${this.alias}" is back after ${(goneMs / 1000).toFixed(1)} s`);
  }

  private change(state: StoreState): void {
    this.state = state;
    this.since = this.clock.now();
    this.changedAt = this.calls;
    this.writeFailed = false;
  }
}
