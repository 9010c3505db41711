import { SchedulerAlreadyRunningError, SchedulerNotRunningError } from '../errors.js';

/**
 * Whether the scheduler is stopped, running, or running with job processing paused.
 *
 * @example
 * if (scheduler.state === 'paused') scheduler.resume()
 */
export type SchedulerState = 'stopped' | 'running' | 'paused';

/**
 * What a start, a stop, a pause and a resume do to the rest of the scheduler. The lifecycle calls
 * each at most once per transition, in order, and never two transitions' steps at the same time.
 */
export interface LifecycleSteps {
  /** False leaves the scheduler stopped (the step says why); checked before anything opens. */
  mayStart(): boolean;
  /** Opens what running needs (stores, executors); rejects if it cannot. */
  open(): Promise<void>;
  /** After a failed `open()`, once the scheduler counts as stopped again: undoes what it started. */
  openFailed(): Promise<void>;
  /** The start is complete, ending paused or running. */
  started(paused: boolean): void;
  /**
   * Stops processing: resolves once the stop is complete. `noWait` is aborted from the start when
   * running jobs are not to be waited for, or later when a second `shutdown({ wait: false })` gives
   * up the wait.
   */
  stop(noWait: AbortSignal): Promise<void>;
  paused(): void;
  resumed(): void;
}

/**
 * The scheduler's state machine: start, shutdown, pause and resume, each callable from any state and
 * concurrently (APScheduler's rules for `start`/`shutdown` errors; a start waits for a shutdown under
 * way, a shutdown for a start under way). It holds no timer, store or executor: the steps do the work.
 */
export class Lifecycle {
  private current: SchedulerState | 'starting' = 'stopped';
  /** The start under way, if any. */
  private starting: Promise<void> | null = null;
  /** The shutdown under way, if any: a second one waits for it. */
  private stopping: Promise<void> | null = null;
  /** Whether the start under way ends paused (`start({ paused })`, or `pause()` meanwhile). */
  private startPaused = false;
  /** Aborted to end the wait for running jobs of the shutdown under way. */
  private noWait: AbortController | null = null;

  constructor(private readonly steps: LifecycleSteps) {}

  /** `stopped`, `running` or `paused` (a start under way counts as what it will end as). */
  get state(): SchedulerState {
    if (this.current === 'starting') return this.startPaused ? 'paused' : 'running';
    return this.current;
  }

  /** True from `start()` until `shutdown()`, paused and starting included. */
  get running(): boolean {
    return this.current !== 'stopped';
  }

  /** True while due jobs are to be processed: started, not paused, not stopping. */
  get processing(): boolean {
    return this.current === 'running';
  }

  async start(options: { readonly paused?: boolean }): Promise<void> {
    if (this.stopping) await this.stopping.catch(() => undefined);
    if (this.running) throw new SchedulerAlreadyRunningError();
    if (!this.steps.mayStart()) return;
    this.startPaused = options.paused ?? false;
    const starting = this.openAndStart();
    this.starting = starting;
    try {
      await starting;
    } finally {
      this.starting = null;
    }
  }

  private async openAndStart(): Promise<void> {
    // Counted as started from here on (APScheduler's `running` turns true at once).
    this.current = 'starting';
    try {
      await this.steps.open();
    } catch (error) {
      this.current = 'stopped';
      await this.steps.openFailed();
      throw error;
    }
    if (this.current !== 'starting') return;
    this.current = this.startPaused ? 'paused' : 'running';
    this.steps.started(this.startPaused);
  }

  async shutdown(options: { readonly wait?: boolean }): Promise<void> {
    if (this.stopping) {
      if (options.wait === false) this.noWait?.abort();
      return this.stopping;
    }
    if (this.starting) {
      const started = await this.starting.then(
        () => true,
        () => false,
      );
      if (this.stopping) return this.stopping;
      if (!started || !this.running) return;
    }
    if (!this.running) throw new SchedulerNotRunningError();
    const stopping = this.stop(options.wait ?? true);
    this.stopping = stopping;
    try {
      await stopping;
    } finally {
      if (this.stopping === stopping) this.stopping = null;
    }
  }

  private async stop(wait: boolean): Promise<void> {
    const noWait = new AbortController();
    if (!wait) noWait.abort();
    this.noWait = noWait;
    this.current = 'stopped';
    try {
      await this.steps.stop(noWait.signal);
    } finally {
      this.noWait = null;
    }
  }

  /** Shuts down if running, starting or shutting down (waiting for that); never `SchedulerNotRunningError`. */
  async settle(options: { readonly wait?: boolean }): Promise<void> {
    if (!this.running && !this.starting && !this.stopping) return;
    await this.shutdown(options).catch((error: unknown) => {
      if (!(error instanceof SchedulerNotRunningError)) throw error;
    });
  }

  pause(): void {
    if (this.current === 'starting') {
      this.startPaused = true;
      return;
    }
    if (!this.running) throw new SchedulerNotRunningError();
    if (this.current === 'paused') return;
    this.current = 'paused';
    this.steps.paused();
  }

  resume(): void {
    if (this.current === 'starting') {
      this.startPaused = false;
      return;
    }
    if (!this.running) throw new SchedulerNotRunningError();
    if (this.current === 'running') return;
    this.current = 'running';
    this.steps.resumed();
  }
}
