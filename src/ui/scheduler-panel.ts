import type { SchedulerInfo } from './api.js';
import { act, type Dashboard } from './context.js';
import { button, el, replaceChildren } from './dom.js';
import { absolute } from './format-time.js';

const FEED_LENGTH = 50;
const EVENT_KINDS = [
  'job_added', 'job_removed', 'job_modified', 'job_submitted', 'job_executed', 'job_error', 'job_missed', 'job_max_instances',
  'scheduler_started', 'scheduler_paused', 'scheduler_resumed', 'scheduler_shutdown', 'job_unreadable',
];

/** The scheduler: state, host, stores, pause/resume all, and the live feed of its events (SSE). */
export class SchedulerPanel {
  readonly status = el('div', { class: 'status' });
  readonly feedSection: HTMLElement;
  private readonly feed = el('ol', { class: 'feed', 'aria-live': 'polite', 'aria-label': 'Live events' });
  private readonly connection = el('span', { class: 'muted' }, 'connecting…');

  constructor(private readonly dashboard: Dashboard) {
    this.feedSection = el('section', { 'aria-labelledby': 'feed-title' },
      el('div', { class: 'section-head' }, el('h2', { id: 'feed-title' }, 'Live events'), this.connection),
      this.feed);
  }

  render(info: SchedulerInfo): void {
    const { api } = this.dashboard;
    const stores = Object.entries(info.stores ?? {});
    replaceChildren(this.status,
      el('span', { class: `badge ${info.running ? 'scheduled' : 'paused'}` }, info.running ? 'running' : 'not running'),
      el('span', {}, 'host ', el('strong', {}, info.current_host)),
      ...stores.map(([alias, state]) => el('span', { class: `store ${state}` }, `store ${alias}: ${state}`)),
      button('Pause all', () => act(this.dashboard, 'Pausing the scheduler', () => api.call('POST', '/pause'))),
      button('Resume all', () => act(this.dashboard, 'Resuming the scheduler', () => api.call('POST', '/resume'))));
  }

  /** Follows `GET {prefix}/events`; every event is listed, and the page reloads what it changed. */
  connect(onEvent: (kind: string) => void): void {
    const source = new EventSource(`${this.dashboard.api.prefix}/events`);
    source.addEventListener('open', () => { this.connection.textContent = 'live'; });
    source.addEventListener('error', () => { this.connection.textContent = 'reconnecting…'; });
    for (const kind of EVENT_KINDS) {
      source.addEventListener(kind, (message) => {
        this.add(kind, parse(message.data));
        onEvent(kind);
      });
    }
  }

  private add(kind: string, data: Record<string, unknown>): void {
    const time = typeof data.scheduled_run_time === 'string' ? ` ${absolute(data.scheduled_run_time)}` : '';
    const error = typeof data.exception === 'string' ? `: ${data.exception}` : '';
    const item = el('li', { class: `event ${kind}` },
      el('time', {}, new Date().toLocaleTimeString()), ' ',
      el('strong', {}, kind.replace('_', ' ')), ' ',
      typeof data.job_id === 'string' ? data.job_id : '', time, error);
    this.feed.prepend(item);
    while (this.feed.children.length > FEED_LENGTH) this.feed.lastElementChild?.remove();
  }
}

function parse(data: unknown): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(String(data));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
