/**
 * Time, injected. The scheduler reads the time and sets its one timer through a `Clock`, so tests
 * drive it exactly with {@link ManualClock} and production uses {@link systemClock}.
 *
 * @example
 * const scheduler = new Scheduler({ clock: new ManualClock() }) // or systemClock, the default
 */
export interface Clock {
  now(): Date;
  /** Calls `callback` once, `delayMs` from now. A clock may ignore `options` (a hint). */
  setTimer(callback: () => void, delayMs: number, options?: TimerOptions): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/**
 * How a timer should fire. `precise`: on the very millisecond it is due, for a wake-up that starts
 * jobs. Node's own timers fire 1–3 ms late; {@link systemClock} sets a precise timer that far
 * ahead a little early and waits out the last milliseconds turn by turn of the event loop (I/O
 * goes on meanwhile), which costs up to {@link PRECISE_LEAD_MS} ms of CPU per wake-up, so only for
 * wake-ups at least {@link PRECISE_MIN_DELAY_MS} ms ahead (at most ~1.5 % of a core).
 *
 * @example
 * clock.setTimer(() => wakeUp(), dueAt - Date.now(), { precise: true })
 */
export interface TimerOptions {
  readonly precise?: boolean;
}

/** How much earlier than asked a precise timer's Node timer is set. */
export const PRECISE_LEAD_MS = 3;
/** A precise timer due sooner than this is a plain one (a wake-up that frequent would spin often). */
export const PRECISE_MIN_DELAY_MS = 200;

/**
 * What `setTimer` returns, to cancel the timer with `clearTimer`.
 *
 * @example
 * const handle = clock.setTimer(() => wake(), 1000)
 * clock.clearTimer(handle)
 */
export interface TimerHandle {
  readonly id: number;
}

/** Node's own timers can wait at most 2^31-1 ms; longer sleeps wake up and re-check. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

class SystemClock implements Clock {
  private nextId = 1;
  /** A timer's Node timer, or, for a precise one in its last milliseconds, its next turn. */
  private readonly timers = new Map<number, { readonly timeout: NodeJS.Timeout } | { readonly immediate: NodeJS.Immediate }>();

  now(): Date {
    return new Date();
  }

  setTimer(callback: () => void, delayMs: number, options?: TimerOptions): TimerHandle {
    const id = this.nextId++;
    const delay = Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS);
    const fire = () => {
      this.timers.delete(id);
      callback();
    };
    if (options?.precise && delay >= PRECISE_MIN_DELAY_MS) {
      // Due on the wall clock's millisecond; the monotonic bound ends the wait if the wall clock is
      // set back meanwhile (it would otherwise spin until the wall clock caught up).
      const dueAt = Date.now() + delay;
      const latest = performance.now() + delay + 1;
      const waitOut = () => {
        if (Date.now() >= dueAt || performance.now() >= latest) fire();
        else this.timers.set(id, { immediate: setImmediate(waitOut) });
      };
      this.timers.set(id, { timeout: setTimeout(waitOut, delay - PRECISE_LEAD_MS) });
    } else {
      this.timers.set(id, { timeout: setTimeout(fire, delay) });
    }
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const timer = this.timers.get(handle.id);
    if (timer && 'immediate' in timer) clearImmediate(timer.immediate);
    else if (timer) clearTimeout(timer.timeout);
    this.timers.delete(handle.id);
  }
}

/**
 * The real wall clock.
 *
 * @example
 * const scheduler = new Scheduler({ clock: systemClock })
 */
export const systemClock: Clock = new SystemClock();

/**
 * A clock that only moves when told. Timers fire, in due order, during {@link ManualClock.advance}.
 *
 * @example
 * const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'))
 * const scheduler = new Scheduler({ clock })
 * await clock.advance(60_000) // one minute passes; due jobs fire
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  constructor(start: Date | number = Date.UTC(2030, 0, 1)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.current + Math.max(0, delayMs), callback });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Number of timers waiting. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** When the earliest timer will fire, or null. */
  get nextTimerAt(): Date | null {
    let earliest: number | null = null;
    for (const timer of this.timers.values()) if (earliest === null || timer.at < earliest) earliest = timer.at;
    return earliest === null ? null : new Date(earliest);
  }

  /**
   * Moves time forward by `ms`, firing every timer that comes due on the way, each at its own
   * instant, and letting the promises they start settle before moving on.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await settle();
      const due = this.earliestDueBy(target);
      if (!due) break;
      this.timers.delete(due.id);
      this.current = Math.max(this.current, due.at);
      due.callback();
    }
    this.current = target;
    await settle();
  }

  /** Sets the time without firing timers (as if the process had been asleep). */
  jumpTo(date: Date): void {
    this.current = date.getTime();
  }

  private earliestDueBy(limit: number): { id: number; at: number; callback: () => void } | null {
    let found: { id: number; at: number; callback: () => void } | null = null;
    for (const [id, timer] of this.timers) {
      if (timer.at <= limit && (!found || timer.at < found.at)) found = { id, ...timer };
    }
    return found;
  }
}

/** Lets pending promise chains (and I/O callbacks already queued) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
