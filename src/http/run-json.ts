import type { RunRecord } from '../stores/run-history.js';
import { isoInZone } from './job-json.js';

/**
 * A run as the REST API shows it (`GET {prefix}/jobs/:id/runs`).
 *
 * @example
 * const runs: RunJSON[] = (await scheduler.getRuns('report')).map((run) => runToJSON(run))
 */
export interface RunJSON {
  /** The fire time; for a manual run, when it was asked for. */
  readonly scheduled_run_time: string;
  /** `scheduled` (the job's trigger fired) or `manual` (`POST /jobs/:id/run`, `runJob`). */
  readonly trigger: RunRecord['trigger'];
  readonly node_id: string;
  readonly status: RunRecord['status'];
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly error_message: string | null;
  readonly duration_ms: number | null;
}

/**
 * Times are ISO 8601 in `zone` (the job's trigger zone, when the job is known).
 *
 * @example
 * ctx.body = (await scheduler.getRuns('nightly')).map((run) => runToJSON(run))
 */
export function runToJSON(run: RunRecord, zone = 'UTC'): RunJSON {
  const iso = (date: Date | null) => (date === null ? null : isoInZone(date, zone));
  return {
    scheduled_run_time: isoInZone(run.scheduledRunTime, zone),
    trigger: run.trigger,
    node_id: run.nodeId,
    status: run.status,
    started_at: iso(run.startedAt),
    finished_at: iso(run.finishedAt),
    error_message: run.errorMessage,
    duration_ms: run.durationMs,
  };
}
