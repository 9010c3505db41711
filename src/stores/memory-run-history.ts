import { FINAL_RUN_STATUSES, type RunHistory, type RunRecord, type RunRetention } from './run-history.js';

/** Runs kept per job whatever the retention, so a job firing every millisecond cannot fill memory. */
const HARD_LIMIT_PER_JOB = 1000;

/**
 * Run history in memory: per job, records in scheduled-time order. `trimRuns` applies the
 * retention; a hard cap per job bounds memory between trims.
 *
 * @example
 * const history = new MemoryRunHistory()
 * await history.recordRuns([record])
 */
export class MemoryRunHistory implements RunHistory {
  private readonly byJob = new Map<string, RunRecord[]>();

  async recordRuns(runs: readonly RunRecord[]): Promise<void> {
    for (const run of runs) this.record(run);
  }

  async getRuns(jobId: string, options: { readonly limit?: number } = {}): Promise<RunRecord[]> {
    const runs = this.byJob.get(jobId) ?? [];
    return runs.slice(Math.max(0, runs.length - (options.limit ?? 20))).reverse();
  }

  async lastRuns(jobIds: readonly string[]): Promise<Map<string, RunRecord>> {
    const last = new Map<string, RunRecord>();
    for (const id of jobIds) {
      const run = this.byJob.get(id)?.at(-1);
      if (run) last.set(id, run);
    }
    return last;
  }

  async trimRuns(retention: RunRetention, now: Date, batchSize: number): Promise<number> {
    const cutoff = retention.maxAgeMs === undefined ? -Infinity : now.getTime() - retention.maxAgeMs;
    const keep = retention.maxPerJob ?? Infinity;
    let deleted = 0;
    for (const [jobId, runs] of this.byJob) {
      const kept = runs.filter((run, index) => {
        const expired = run.scheduledRunTime.getTime() < cutoff || runs.length - index > keep;
        if (!expired || !FINAL_RUN_STATUSES.includes(run.status) || deleted >= batchSize) return true;
        deleted++;
        return false;
      });
      if (kept.length === 0) this.byJob.delete(jobId);
      else this.byJob.set(jobId, kept);
    }
    return deleted;
  }

  private record(run: RunRecord): void {
    const runs = this.byJob.get(run.jobId);
    // A job's first run (every run of a burst of one-off jobs), and a run after the last: no search.
    if (runs === undefined) {
      this.byJob.set(run.jobId, [run]);
      return;
    }
    const time = run.scheduledRunTime.getTime();
    if ((runs.at(-1)?.scheduledRunTime.getTime() ?? -Infinity) < time) {
      runs.push(run);
      if (runs.length > HARD_LIMIT_PER_JOB) runs.splice(0, runs.length - HARD_LIMIT_PER_JOB);
      return;
    }
    // Runs arrive nearly in time order: search from the end.
    let index = runs.length;
    while (index > 0 && (runs[index - 1]?.scheduledRunTime.getTime() ?? -Infinity) > time) index--;
    // Among the records of this millisecond (a scheduled run and manual ones), the one with the same key is replaced.
    let same = index;
    while (same > 0 && runs[same - 1]?.scheduledRunTime.getTime() === time && runs[same - 1]?.manualRunId !== run.manualRunId) same--;
    if (same > 0 && runs[same - 1]?.scheduledRunTime.getTime() === time) runs[same - 1] = run;
    else runs.splice(index, 0, run);
    if (runs.length > HARD_LIMIT_PER_JOB) runs.splice(0, runs.length - HARD_LIMIT_PER_JOB);
  }
}
