import type { Clock, TimerHandle } from '../clock/clock.js';

/**
 * Runs `work` every `everyMs` on the scheduler's clock, never two at once. After a failure it
 * backs off (doubling, up to `maxBackoffMs`) and reports the failure; the first success after
 * resets the pace.
 *
 * @example
 * const beat = new RepeatingTask(clock, 5000, () => cluster.heartbeat(clock.now()), log)
 * beat.start()
 */
export class RepeatingTask {
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private failures = 0;
  private stopped = true;

  constructor(
    private readonly clock: Clock,
    private readonly everyMs: number,
    private readonly work: () => Promise<void>,
    private readonly onFailure: (error: unknown, retryInMs: number) => void,
    private readonly maxBackoffMs = 30_000,
  ) {}

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
    this.running = this.work()
      .then(() => {
        this.failures = 0;
      })
      .catch((error: unknown) => {
        this.failures += 1;
        this.onFailure(error, this.delay());
      })
      .finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = this.clock.setTimer(() => this.tick(), this.delay());
      });
  }

  private delay(): number {
    if (this.failures === 0) return this.everyMs;
    return Math.min(this.everyMs * 2 ** (this.failures - 1), Math.max(this.everyMs, this.maxBackoffMs));
  }
}
