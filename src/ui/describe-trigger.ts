import type { JobJSON } from './api.js';

const UNITS = [['weeks', 'week'], ['days', 'day'], ['hours', 'h'], ['minutes', 'min'], ['seconds', 's']] as const;
const DAYS: Readonly<Record<string, string>> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

/** A trigger in words: "every 5 min", "at 09:00 on Mon–Fri, Europe/Paris", "once at …", or the crontab line. */
export function describeTrigger(job: JobJSON): string {
  const zone = typeof job.timezone === 'string' && job.timezone !== 'UTC' ? `, ${job.timezone}` : '';
  if (job.trigger === 'interval') {
    const parts = UNITS.filter(([key]) => Number(job[key] ?? 0) > 0).map(([key, unit]) => `${String(job[key])} ${unit}${unit.length > 3 && Number(job[key]) > 1 ? 's' : ''}`);
    return `every ${parts.length > 0 ? parts.join(' ') : '?'}`;
  }
  if (job.trigger === 'date') return `once at ${String(job.run_date ?? '?')}`;
  if (job.trigger === 'cron') {
    if (typeof job.crontab === 'string') return `crontab "${job.crontab}"${zone}`;
    return `${cronWords(job)}${zone}`;
  }
  return job.trigger;
}

function cronWords(job: JobJSON): string {
  const text = (key: string) => (job[key] === undefined ? undefined : String(job[key]));
  const hour = text('hour') ?? '*';
  const minute = text('minute') ?? '0';
  const second = text('second') ?? '0';
  const words: string[] = [];
  const everyMinutes = /^\*\/(\d+)$/.exec(minute);
  if (hour === '*' && everyMinutes && second === '0') {
    words.push(`every ${everyMinutes[1] ?? '?'} min`);
  } else if (/^\d+$/.test(hour) && /^\d+$/.test(minute)) {
    words.push(`at ${hour.padStart(2, '0')}:${minute.padStart(2, '0')}${second !== '0' ? `:${second.padStart(2, '0')}` : ''}`);
  } else {
    words.push(`hour ${hour}, minute ${minute}${second !== '0' ? `, second ${second}` : ''}`);
  }
  const dow = text('day_of_week');
  if (dow !== undefined) words.push(`on ${dow.replace(/[a-z]{3}/g, (d) => DAYS[d] ?? d).replace('-', '–')}`);
  const day = text('day');
  if (day !== undefined) words.push(`on day ${day}`);
  const month = text('month');
  if (month !== undefined) words.push(`in month ${month}`);
  for (const key of ['week', 'year']) {
    const value = text(key);
    if (value !== undefined) words.push(`${key} ${value}`);
  }
  return words.join(' ');
}
