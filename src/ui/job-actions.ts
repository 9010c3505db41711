import type { JobJSON } from './api.js';
import { act, type Dashboard } from './context.js';
import { button } from './dom.js';

/** Pause or Resume, Run now, Remove: the buttons a job offers wherever it is shown. */
export function jobActionButtons(dashboard: Dashboard, job: JobJSON): HTMLButtonElement[] {
  const path = dashboard.api.jobPath(job.id);
  const paused = job.next_run_time === null;
  return [
    paused
      ? button('Resume', () => act(dashboard, `Resuming ${job.id}`, () => dashboard.api.call('POST', `${path}/resume`)))
      : button('Pause', () => act(dashboard, `Pausing ${job.id}`, () => dashboard.api.call('POST', `${path}/pause`))),
    button('Run now', () => act(dashboard, `Running ${job.id}`, async () => {
      await dashboard.api.call('POST', `${path}/run`);
      dashboard.notify(`Ran ${job.id}`);
    })),
    button('Remove', () => dashboard.confirmRemove(job), { class: 'danger' }),
  ];
}
