import type { Dashboard } from './context.js';
import { el, field, replaceChildren } from './dom.js';
import { clockTime, display } from './format-time.js';

const JOBS_SHOWN = 25;
const BUCKETS = 48;

/**
 * The fire times of the soonest jobs over the next hours on one axis, one row a job, with a row of
 * totals a bucket, so a pile-up (everything at 00:00) shows at a glance. Positions are set through
 * the CSSOM (`style.left`), which the page's Content-Security-Policy allows, unlike inline styles.
 */
export class Timeline {
  readonly element: HTMLElement;
  private readonly hours = el('select', {}, ...[1, 6, 24].map((h) => el('option', { value: h, ...(h === 6 && { selected: true }) }, `${String(h)} h`)));
  private readonly zone = el('select', {});
  private readonly chart = el('div', { class: 'timeline' });
  private seq = 0;

  constructor(private readonly dashboard: Dashboard) {
    this.hours.addEventListener('change', () => void this.render());
    this.zone.addEventListener('change', () => {
      display.zone = this.zone.value;
      void dashboard.refresh();
    });
    this.element = el('section', { 'aria-labelledby': 'timeline-title' },
      el('div', { class: 'section-head' }, el('h2', { id: 'timeline-title' }, 'Timeline')),
      el('div', { class: 'toolbar' }, field('Window', this.hours), field('Time zone', this.zone)),
      this.chart);
  }

  /** The viewer's zone and the scheduler's, to choose from. */
  setZones(viewer: string, scheduler: string | undefined): void {
    const zones = [...new Set([viewer, scheduler ?? 'UTC', 'UTC'])];
    if (this.zone.options.length === zones.length) return;
    replaceChildren(this.zone, ...zones.map((zone) => el('option', { value: zone }, zone === viewer ? `${zone} (yours)` : zone === scheduler ? `${zone} (scheduler)` : zone)));
    this.zone.value = display.zone;
  }

  async render(): Promise<void> {
    const seq = ++this.seq;
    const from = Date.now();
    const span = Number(this.hours.value) * 3600_000;
    const jobs = this.dashboard.jobs
      .filter((job) => job.next_run_time !== null && Date.parse(job.next_run_time) < from + span)
      .sort((a, b) => Date.parse(a.next_run_time ?? '') - Date.parse(b.next_run_time ?? ''))
      .slice(0, JOBS_SHOWN);
    const series = await Promise.all(jobs.map(async (job) => ({
      job,
      times: (await this.dashboard.api.preview(job.id, 100).catch(() => [] as string[])).map(Date.parse).filter((t) => t >= from && t < from + span),
    })));
    if (seq !== this.seq) return;
    const position = (time: number) => `${(((time - from) / span) * 100).toFixed(2)}%`;
    const counts = new Array<number>(BUCKETS).fill(0);
    for (const { times } of series) {
      for (const time of times) {
        const bucket = Math.min(BUCKETS - 1, Math.floor(((time - from) / span) * BUCKETS));
        counts[bucket] = (counts[bucket] ?? 0) + 1;
      }
    }
    const peak = Math.max(1, ...counts);
    const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => {
      const tick = el('span', { class: 'tick' }, clockTime(new Date(from + share * span)));
      tick.style.left = `${String(share * 100)}%`;
      return tick;
    });
    const histogram = counts.map((count, index) => {
      const bar = el('span', { class: 'bar', title: `${String(count)} fire times` });
      bar.style.left = `${String((index / BUCKETS) * 100)}%`;
      bar.style.width = `${String(100 / BUCKETS)}%`;
      bar.style.height = `${String((count / peak) * 100)}%`;
      return bar;
    });
    const rows = series.map(({ job, times }) => el('li', { class: 'timeline-row' },
      el('span', { class: 'timeline-label', title: job.id }, job.id),
      el('span', { class: 'track', 'aria-label': `${job.id}: ${String(times.length)} fire times in the window` }, ...times.slice(0, 200).map((time) => {
        const dot = el('span', { class: 'dot', title: clockTime(new Date(time)) });
        dot.style.left = position(time);
        return dot;
      }))));
    replaceChildren(this.chart,
      series.length === 0 ? el('p', { class: 'muted' }, 'No job fires in this window.') : null,
      el('div', { class: 'timeline-row' }, el('span', { class: 'timeline-label' }, 'All jobs'), el('span', { class: 'track histogram', 'aria-label': `Busiest moment: ${String(peak)} fire times` }, ...histogram)),
      el('ul', { class: 'timeline-rows' }, ...rows),
      el('div', { class: 'timeline-row' }, el('span', { class: 'timeline-label' }), el('span', { class: 'axis' }, ...ticks)));
  }
}
