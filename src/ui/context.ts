import type { Api, JobJSON } from './api.js';

/** What every part of the page shares: the API, the jobs last loaded, and a way to reload them. */
export interface Dashboard {
  readonly api: Api;
  jobs: readonly JobJSON[];
  /** Reloads jobs and scheduler state, then redraws. */
  refresh(): Promise<void>;
  /** Shows a line in the status region (success or error), read out by screen readers. */
  notify(message: string, kind?: 'ok' | 'error'): void;
  openJob(id: string): void;
  editJob(job: JobJSON | null): void;
  confirmRemove(job: JobJSON): void;
}

/** Runs a page action, reporting its failure instead of leaving it unhandled. */
export function act(dashboard: Dashboard, what: string, action: () => Promise<unknown>): void {
  action().then(
    () => dashboard.refresh(),
    (error: unknown) => dashboard.notify(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, 'error'),
  ).catch(() => undefined);
}
