import type { Clock, TimerHandle } from '../clock/clock.js';
import { Backoff, DEFAULT_BACKOFF } from './backoff.js';

/**
 * Runs `work` every `everyMs` on the scheduler's clock, never two at once. After a failure it
 * reports it and retries with backoff (from 0.5 s, or `everyMs` if shorter, doubling up to
 * `maxBackoffMs`); the first success after resets the pace.
 *
 * @example
 * const beat = new RepeatingTask(clock, 5000, () => cluster.heartbeat(clock.now()), log)
 * beat.start()
 */
export class RepeatingTask {
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private readonly backoff: Backoff;

  constructor(
    private readonly clock: Clock,
    private readonly everyMs: number,
    private readonly work: () => Promise<void>,
    private readonly onFailure: (error: unknown, retryInMs: number) => void,
    maxBackoffMs: number = DEFAULT_BACKOFF.maxMs,
  ) {
    this.backoff = new Backoff(Math.min(DEFAULT_BACKOFF.minMs, everyMs), Math.max(everyMs, maxBackoffMs));
  }

  /** Runs `work` now, then every `everyMs`. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tick();
  }

  /** Stops the timer; resolves once a run in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
    await this.running;
  }

  private tick(): void {
    this.timer = null;
    let delay = this.everyMs;
    this.running = this.work()
      .then(() => this.backoff.reset())
      .catch((error: unknown) => {
        delay = this.backoff.next();
        this.onFailure(error, delay);
      })
      .finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = this.clock.setTimer(() => this.tick(), delay);
      });
  }
}
