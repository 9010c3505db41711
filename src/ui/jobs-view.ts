import type { JobJSON } from './api.js';
import type { Dashboard } from './context.js';
import { describeTrigger } from './describe-trigger.js';
import { button, el, field, replaceChildren } from './dom.js';
import { absolute, fromNow } from './format-time.js';
import { jobActionButtons } from './job-actions.js';

const PAGE = 100;

/** The jobs table: filter by text and state, sorted by next run, a page at a time (10,000 jobs stay fast). */
export class JobsView {
  readonly element: HTMLElement;
  private readonly search = el('input', { type: 'search', placeholder: 'id, name, func…' });
  private readonly state = el('select', {}, el('option', { value: '' }, 'All'), el('option', { value: 'scheduled' }, 'Scheduled'), el('option', { value: 'paused' }, 'Paused'));
  private readonly body = el('tbody');
  private readonly footer = el('p', { class: 'muted' });
  private shown = PAGE;

  constructor(private readonly dashboard: Dashboard) {
    const redraw = () => {
      this.shown = PAGE;
      this.render();
    };
    this.search.addEventListener('input', redraw);
    this.state.addEventListener('change', redraw);
    const table = el('table', { class: 'jobs' },
      el('caption', { class: 'visually-hidden' }, 'Jobs, soonest next run first'),
      el('thead', {}, el('tr', {}, ...['Job', 'Trigger', 'Next run', 'State', 'Last run', 'Actions'].map((title) => el('th', { scope: 'col' }, title)))),
      this.body);
    this.element = el('section', { 'aria-labelledby': 'jobs-title' },
      el('div', { class: 'section-head' },
        el('h2', { id: 'jobs-title' }, 'Jobs'),
        button('Add job', () => dashboard.editJob(null), { class: 'primary' })),
      el('div', { class: 'toolbar' }, field('Filter jobs', this.search), field('State', this.state)),
      el('div', { class: 'table-scroll' }, table),
      this.footer);
  }

  render(): void {
    const text = this.search.value.trim().toLowerCase();
    const state = this.state.value;
    const matching = this.dashboard.jobs
      .filter((job) => state === '' || (state === 'paused') === (job.next_run_time === null))
      .filter((job) => text === '' || [job.id, job.name, job.func, describeTrigger(job)].some((value) => value.toLowerCase().includes(text)))
      .sort(byNextRun);
    const rows = matching.slice(0, this.shown).map((job) => this.row(job));
    replaceChildren(this.body, ...rows);
    if (rows.length === 0) replaceChildren(this.body, el('tr', {}, el('td', { colspan: 6, class: 'muted' }, this.dashboard.jobs.length === 0 ? 'No jobs yet.' : 'No job matches.')));
    const more = matching.length > this.shown
      ? button(`Show ${Math.min(PAGE, matching.length - this.shown)} more`, () => { this.shown += PAGE; this.render(); })
      : null;
    replaceChildren(this.footer, `${Math.min(this.shown, matching.length)} of ${matching.length} shown (${this.dashboard.jobs.length} jobs) `, more);
  }

  private row(job: JobJSON): HTMLTableRowElement {
    const paused = job.next_run_time === null;
    const last = job.last_run;
    return el('tr', {},
      el('th', { scope: 'row' },
        button(job.id, () => this.dashboard.openJob(job.id), { class: 'link', 'aria-label': `Details of ${job.id}` }),
        job.name !== job.id ? el('div', { class: 'muted' }, job.name) : null),
      el('td', {}, describeTrigger(job)),
      el('td', {}, job.next_run_time === null ? '—' : el('span', {}, absolute(job.next_run_time), el('br'), el('small', { class: 'muted' }, fromNow(job.next_run_time)))),
      el('td', {}, el('span', { class: `badge ${paused ? 'paused' : 'scheduled'}` }, paused ? 'paused' : 'scheduled')),
      el('td', {}, last ? el('span', { class: `outcome ${last.status}`, title: last.error_message ?? '' }, last.status, ' ', el('small', { class: 'muted' }, last.finished_at ? fromNow(last.finished_at) : '')) : '—'),
      el('td', { class: 'actions' }, el('div', { class: 'actions' }, ...jobActionButtons(this.dashboard, job))));
  }
}

/** Soonest next run first; paused jobs last; then by id. */
function byNextRun(a: JobJSON, b: JobJSON): number {
  if (a.next_run_time !== b.next_run_time) {
    if (a.next_run_time === null) return 1;
    if (b.next_run_time === null) return -1;
    const diff = Date.parse(a.next_run_time) - Date.parse(b.next_run_time);
    if (diff !== 0) return diff;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
