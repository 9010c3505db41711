/** The viewer's zone, or another the viewer chose (the scheduler's), for every time shown. */
export const display = { zone: Intl.DateTimeFormat().resolvedOptions().timeZone };

/** `2026-12-02 16:05:00` in the display zone. */
export function absolute(iso: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: display.zone,
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).format(new Date(iso));
}

/** `16:05` in the display zone (timeline ticks). */
export function clockTime(date: Date): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: display.zone, hour: '2-digit', minute: '2-digit' }).format(date);
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const STEPS = [[60, 'second'], [60, 'minute'], [24, 'hour'], [7, 'day'], [Infinity, 'week']] as const;

/** `in 5 minutes`, `3 hours ago`. */
export function fromNow(iso: string, now = Date.now()): string {
  let value = (new Date(iso).getTime() - now) / 1000;
  for (const [size, unit] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return '';
}

/** `1.2 s`, `340 ms`. */
export function duration(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
