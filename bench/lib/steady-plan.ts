/**
 * The steady workload, the same for every scheduler measured: one job every second, or 1,000 jobs
 * on intervals of 1 to 5 s whose first runs are spread over one second, one per millisecond (so no
 * two runs ever share a millisecond: ~457 runs a second, evenly staggered).
 */
export interface SteadyJob {
  /** First run, epoch ms. */
  readonly startMs: number;
  readonly intervalMs: number;
}

/** The plan for `jobs` jobs whose first runs start at `baseMs` (a whole second plus a phase). */
export function steadyPlan(jobs: number, baseMs: number): SteadyJob[] {
  if (jobs === 1) return [{ startMs: baseMs, intervalMs: 1000 }];
  return Array.from({ length: jobs }, (_, i) => ({ startMs: baseMs + ((i * 13) % 1000), intervalMs: 1000 * (1 + (i % 5)) }));
}

/** How many runs the plan has with a scheduled time in [baseMs, baseMs + durationMs). */
export function expectedRuns(plan: readonly SteadyJob[], baseMs: number, durationMs: number): number {
  let runs = 0;
  for (const job of plan) {
    const end = baseMs + durationMs;
    if (job.startMs < end) runs += Math.ceil((end - job.startMs) / job.intervalMs);
  }
  return runs;
}

/** The first whole second at least `leadMs` from now, plus `phaseMs`. */
export function steadyBase(leadMs: number, phaseMs: number): number {
  return Math.ceil((Date.now() + leadMs) / 1000) * 1000 + phaseMs;
}
