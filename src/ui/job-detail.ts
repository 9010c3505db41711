import type { JobJSON, RunJSON } from './api.js';
import type { Dashboard } from './context.js';
import { describeTrigger } from './describe-trigger.js';
import { button, el } from './dom.js';
import { absolute, duration, fromNow } from './format-time.js';
import { jobActionButtons } from './job-actions.js';
import { Modal } from './modal.js';

const SHOWN_FIELDS = ['id', 'name', 'func', 'trigger', 'executor', 'misfire_grace_time', 'max_instances', 'coalesce', 'next_run_time'];

/** One job: its definition, actions, next fire times and run history (outcome, lateness, duration, error). */
export class JobDetail {
  private readonly modal = new Modal();
  private jobId: string | null = null;

  constructor(private readonly dashboard: Dashboard) {
    this.modal.element.addEventListener('close', () => { this.jobId = null; });
  }

  async show(id: string): Promise<void> {
    this.jobId = id;
    const { api } = this.dashboard;
    const job = await api.call<JobJSON>('GET', api.jobPath(id));
    const [runs, fireTimes] = await Promise.all([
      api.runs(id).catch(() => [] as RunJSON[]),
      job.next_run_time === null ? Promise.resolve([]) : api.preview(id, 10).catch(() => [] as string[]),
    ]);
    if (this.jobId !== id) return;
    this.modal.show(`Job ${job.id}`,
      el('p', {}, describeTrigger(job)),
      el('div', { class: 'actions' }, ...jobActionButtons(this.dashboard, job), button('Edit', () => { this.modal.close(); this.dashboard.editJob(job); })),
      el('h3', {}, 'Definition'),
      el('dl', { class: 'definition' }, ...definitionRows(job)),
      el('h3', {}, 'Next fire times'),
      fireTimes.length === 0 ? el('p', { class: 'muted' }, job.next_run_time === null ? 'Paused: no fire times.' : 'None.') : el('ol', { class: 'fire-times' }, ...fireTimes.map((time) => el('li', {}, absolute(time), ' ', el('small', { class: 'muted' }, fromNow(time))))),
      el('h3', {}, 'Run history'),
      runs.length === 0 ? el('p', { class: 'muted' }, 'No runs yet.') : runTable(runs));
  }

  /** Redraws the open job after a change (live update); closes it when the job is gone. */
  async refresh(): Promise<void> {
    if (this.jobId === null || !this.modal.open) return;
    try {
      await this.show(this.jobId);
    } catch {
      this.modal.close();
    }
  }
}

function definitionRows(job: JobJSON): HTMLElement[] {
  const extra = Object.keys(job).filter((key) => !SHOWN_FIELDS.includes(key) && key !== 'last_run');
  return [...SHOWN_FIELDS, ...extra].filter((key) => job[key] !== undefined).flatMap((key) => [
    el('dt', {}, key),
    el('dd', {}, typeof job[key] === 'string' ? job[key] : JSON.stringify(job[key])),
  ]);
}

function runTable(runs: readonly RunJSON[]): HTMLElement {
  return el('div', { class: 'table-scroll' }, el('table', {},
    el('thead', {}, el('tr', {}, ...['Scheduled', 'Started (late by)', 'Outcome', 'Duration', 'Error'].map((title) => el('th', { scope: 'col' }, title)))),
    el('tbody', {}, ...runs.map((run) => el('tr', {},
      el('td', {}, absolute(run.scheduled_run_time), run.trigger === 'manual' ? ' (manual)' : ''),
      el('td', {}, run.started_at ? `${absolute(run.started_at)} (${duration(Date.parse(run.started_at) - Date.parse(run.scheduled_run_time))})` : '—'),
      el('td', {}, el('span', { class: `outcome ${run.status}` }, run.status)),
      el('td', {}, duration(run.duration_ms)),
      el('td', {}, run.error_message ?? ''))))));
}
