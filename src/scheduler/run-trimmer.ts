import type { Clock } from '../clock/clock.js';
import { JobStoreUnavailableError } from '../errors.js';
import type { JobStore } from '../stores/job-store.js';
import { DEFAULT_RUN_RETENTION, type RunRetention } from '../stores/run-history.js';
import type { Logger } from './logger.js';

/** Rows deleted per trimming statement. */
const TRIM_BATCH = 1000;

/**
 * Keeps run history within its retention: when `trimEveryMs` has passed, trims every store's history
 * in the background, a batch at a time. It rides on the scheduler's loop passes rather than a timer
 * of its own: with nothing running, nothing needs trimming.
 *
 * @example
 * const trimmer = new RunTrimmer(stores, clock, logger, { maxPerJob: 50 })
 * trimmer.trimWhenDue(() => scheduler.running) // on every loop pass
 */
export class RunTrimmer {
  private readonly retention: Required<RunRetention>;
  private readonly trimEveryMs: number;
  private lastTrimAt = -Infinity;
  private trimming: Promise<void> | null = null;

  constructor(
    private readonly stores: ReadonlyMap<string, JobStore>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: RunRetention & { readonly trimEveryMs?: number } = {},
  ) {
    const { trimEveryMs = 60_000, ...retention } = options;
    this.retention = { ...DEFAULT_RUN_RETENTION, ...retention };
    this.trimEveryMs = trimEveryMs;
  }

  /** Starts a trim in the background if one is due; `keepGoing` stops it between batches. */
  trimWhenDue(keepGoing: () => boolean): void {
    const now = this.clock.now().getTime();
    if (this.trimming || now - this.lastTrimAt < this.trimEveryMs) return;
    this.lastTrimAt = now;
    this.trimming = this.trim(keepGoing)
      .catch((error: unknown) => {
        // An unreachable store was logged once, by its health; the next trim tries again.
        if (!(error instanceof JobStoreUnavailableError)) this.logger.error('Trimming run history failed', error);
      })
      .finally(() => {
        this.trimming = null;
      });
  }

  /** Resolves once a trim in progress (if any) has finished. */
  async idle(): Promise<void> {
    await this.trimming;
  }

  private async trim(keepGoing: () => boolean): Promise<void> {
    for (const store of this.stores.values()) {
      const history = store.runHistory;
      if (!history) continue;
      while ((await history.trimRuns(this.retention, this.clock.now(), TRIM_BATCH)) >= TRIM_BATCH && keepGoing());
    }
  }
}
