import type pg from 'pg';
import { systemClock, type Clock, type TimerHandle } from '../../clock/clock.js';
import { JobStoreUnavailableError } from '../../errors.js';
import { loadPg } from './sql-connection.js';
import { translateStoreError } from './store-errors.js';

/** Reconnect backoff: the first delay, doubled on each failure up to the second (as the scheduler's own retries). */
const DEFAULT_MIN_BACKOFF_MS = 500;
const DEFAULT_MAX_BACKOFF_MS = 30_000;

/**
 * @example
 * const listener = new PgWakeListener({ connectionString, channel, onWake: (at) => …, onError: log })
 * await listener.start()
 */
export interface PgWakeListenerOptions {
  readonly connectionString: string;
  /** The NOTIFY channel; quoted, so any text up to 63 bytes. */
  readonly channel: string;
  /** Times the reconnect backoff (default the system clock). */
  readonly clock?: Clock;
  /** A notification arrived (its payload: a next run time in epoch ms, or null), or the listener reconnected (null: some may have been lost). */
  readonly onWake: (nextRunTime: Date | null) => void;
  /**
   * The connection failed or dropped; the listener retries by itself. A connection-level failure
   * comes as `JobStoreUnavailableError` (the scheduler counts it as the store being unreachable,
   * and logs the outage once rather than each attempt).
   */
  readonly onError: (error: unknown, retryInMs: number) => void;
  /** Reconnect backoff: first delay (default 0.5 s), doubled up to the maximum (default 30 s). */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/**
 * One dedicated connection that `LISTEN`s for the store's wake-up channel, and comes back after
 * the connection drops (backoff doubling from 0.5 s, capped at 30 s). Pool connections cannot listen: a notification
 * is delivered only to the session that listens.
 */
export class PgWakeListener {
  private client: pg.Client | null = null;
  private stopped = true;
  private retryTimer: TimerHandle | null = null;
  private backoffMs: number;
  private readonly clock: Clock;

  constructor(private readonly options: PgWakeListenerOptions) {
    this.clock = options.clock ?? systemClock;
    this.backoffMs = options.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS;
  }

  /** Connects and listens; resolves once listening, or after the first failure (retries continue). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect(false);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) this.clock.clearTimer(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  /** The listening session's backend pid (for tests that cut it off), or null while disconnected. */
  get backendPid(): number | null {
    return (this.client as unknown as { processID?: number } | null)?.processID ?? null;
  }

  private async connect(reconnecting: boolean): Promise<void> {
    const client = new (await loadPg()).Client({ connectionString: this.options.connectionString });
    client.on('notification', (message) => {
      const ms = Number(message.payload);
      this.options.onWake(message.payload && Number.isFinite(ms) ? new Date(ms) : null);
    });
    const dropped = (error: unknown) => {
      if (this.client !== client) return;
      this.client = null;
      client.end().catch(() => undefined);
      this.retry(error ?? new JobStoreUnavailableError('the LISTEN connection ended'));
    };
    client.on('error', dropped);
    client.on('end', () => dropped(null));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.options.channel)}`);
    } catch (error) {
      client.removeAllListeners('end');
      client.on('error', () => {});
      await client.end().catch(() => undefined);
      this.retry(error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoffMs = this.options.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS;
    // While disconnected, notifications went nowhere: look again.
    if (reconnecting) this.options.onWake(null);
  }

  private retry(error: unknown): void {
    if (this.stopped) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(delay * 2, this.options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS);
    this.options.onError(translateStoreError(error), delay);
    this.retryTimer = this.clock.setTimer(() => {
      this.retryTimer = null;
      if (!this.stopped) void this.connect(true);
    }, delay);
  }
}
