/**
 * A counting semaphore with a FIFO queue: at most `size` holders at once, the rest wait in order.
 */
export class SlotQueue {
  private active = 0;
  private readonly waiting: Array<(granted: boolean) => void> = [];

  constructor(private readonly size: number) {}

  /**
   * Waits for a free slot: true once held (pair it with one `release`), false when the wait was
   * dropped by `drain` (nothing to release then).
   */
  acquire(): Promise<boolean> {
    if (this.active < this.size) {
      this.active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next(true);
    else this.active--;
  }

  /** Drops every waiter that has not started; their `acquire` resolves false. Returns how many. */
  drain(): number {
    const dropped = this.waiting.splice(0);
    for (const resolve of dropped) resolve(false);
    return dropped.length;
  }
}
