import type pg from 'pg';
import { loadPg } from './sql-connection.js';

/**
 * @example
 * const listener = new PgWakeListener({ connectionString, channel, onWake: (at) => …, onError: log })
 * await listener.start()
 */
export interface PgWakeListenerOptions {
  readonly connectionString: string;
  /** The NOTIFY channel; quoted, so any text up to 63 bytes. */
  readonly channel: string;
  /** A notification arrived (its payload: a next run time in epoch ms, or null), or the listener reconnected (null: some may have been lost). */
  readonly onWake: (nextRunTime: Date | null) => void;
  /** The connection failed or dropped; the listener retries by itself. */
  readonly onError: (error: unknown, retryInMs: number) => void;
  /** Reconnect backoff: first delay, doubled up to the maximum. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/**
 * One dedicated connection that `LISTEN`s for the store's wake-up channel, and comes back after
 * the connection drops (backoff doubling, capped). Pool connections cannot listen: a notification
 * is delivered only to the session that listens.
 */
export class PgWakeListener {
  private client: pg.Client | null = null;
  private stopped = true;
  private retryTimer: NodeJS.Timeout | null = null;
  private backoffMs: number;

  constructor(private readonly options: PgWakeListenerOptions) {
    this.backoffMs = options.minBackoffMs ?? 100;
  }

  /** Connects and listens; resolves once listening, or after the first failure (retries continue). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect(false);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
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
      this.retry(error ?? new Error('LISTEN connection ended'));
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
    this.backoffMs = this.options.minBackoffMs ?? 100;
    // While disconnected, notifications went nowhere: look again.
    if (reconnecting) this.options.onWake(null);
  }

  private retry(error: unknown): void {
    if (this.stopped) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(delay * 2, this.options.maxBackoffMs ?? 10_000);
    this.options.onError(error, delay);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) void this.connect(true);
    }, delay);
    this.retryTimer.unref();
  }
}
