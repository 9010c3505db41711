// The dashboard at `GET {prefix}/ui`: built by esbuild into dist/src/ui/app.js (scripts/build.mjs).
import { Api, type JobJSON } from './api.js';
import type { Dashboard } from './context.js';
import { act } from './context.js';
import { button, el } from './dom.js';
import { display } from './format-time.js';
import { JobDetail } from './job-detail.js';
import { JobForm } from './job-form.js';
import { JobsView } from './jobs-view.js';
import { Modal } from './modal.js';
import { SchedulerPanel } from './scheduler-panel.js';
import { Timeline } from './timeline.js';

const viewerZone = display.zone;
const notice = el('p', { class: 'notice', role: 'status' });
let refreshing: Promise<void> | null = null;
let again = false;

const dashboard: Dashboard = {
  api: new Api(document.body.dataset.api ?? '/scheduler'),
  jobs: [],
  refresh() {
    // One reload at a time; changes during one make one more (a burst of events, one reload).
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = load().finally(() => {
      refreshing = null;
      if (again) {
        again = false;
        void dashboard.refresh();
      }
    });
    return refreshing;
  },
  notify(message, kind = 'ok') {
    notice.textContent = message;
    notice.className = `notice ${kind}`;
  },
  openJob(id) {
    detail.show(id).catch((error: unknown) => dashboard.notify(String(error), 'error'));
  },
  editJob(job) {
    form.open(job);
  },
  confirmRemove(job) {
    confirmRemoval(job);
  },
};

const jobsView = new JobsView(dashboard);
const detail = new JobDetail(dashboard);
const form = new JobForm(dashboard);
const timeline = new Timeline(dashboard);
const panel = new SchedulerPanel(dashboard);
const confirmModal = new Modal();

function confirmRemoval(job: JobJSON): void {
  confirmModal.show(`Remove job ${job.id}?`,
    el('p', {}, 'The job and its schedule are deleted from the store. This cannot be undone.'),
    el('div', { class: 'actions' },
      button('Remove', () => {
        confirmModal.close();
        act(dashboard, `Removing ${job.id}`, async () => {
          await dashboard.api.call('DELETE', dashboard.api.jobPath(job.id));
          dashboard.notify(`Removed job ${job.id}`);
        });
      }, { class: 'danger' }),
      button('Cancel', () => confirmModal.close())));
}

async function load(): Promise<void> {
  try {
    const [info, jobs] = await Promise.all([dashboard.api.info(), dashboard.api.jobs()]);
    dashboard.jobs = jobs;
    panel.render(info);
    timeline.setZones(viewerZone, info.timezone);
    jobsView.render();
    document.body.dataset.loaded = 'true';
    await Promise.all([timeline.render(), detail.refresh()]);
  } catch (error) {
    dashboard.notify(`Could not load the scheduler: ${error instanceof Error ? error.message : String(error)}`, 'error');
  }
}

document.body.append(
  el('header', {}, el('h1', {}, 'jobclock'), panel.status),
  notice,
  el('main', {}, jobsView.element, timeline.element, panel.feedSection),
);
void dashboard.refresh();
panel.connect(() => void dashboard.refresh());
// Relative times ("in 5 minutes") and the timeline's window move with the clock.
window.setInterval(() => void dashboard.refresh(), 30_000);
