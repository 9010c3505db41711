// Takes docs/dashboard.png (the README's screenshot): the bundled server on a memory store, a few
// example jobs, the dashboard in headless Chromium (playwright-core, /usr/bin/chromium).
//
//   node scripts/build.mjs && node scripts/dashboard-screenshot.mjs
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = new URL('..', import.meta.url);
const { startServer } = await import(new URL('dist/src/server/app.js', ROOT).href);
const { loadConfig } = await import(new URL('dist/src/config/load-config.js', ROOT).href);
const { default: fileConfig } = await import(new URL('dist/knexfile-free-config.js', ROOT).href);

const quiet = { info() {}, warn() {}, error() {} };
const config = { ...loadConfig({}, fileConfig), store: 'memory:', host: '127.0.0.1', port: 0, jobs: [] };
const server = await startServer(config, { logger: quiet });
const api = `${server.url}${config.api.prefix}`;
const post = (path, body) => fetch(`${api}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
for (const job of [
  { id: 'heartbeat', func: 'examples:echo', trigger: 'interval', minutes: 5 },
  { id: 'reports-weekday', name: 'Weekday report', func: 'tasks:process_data', args: ['sales.csv'], trigger: 'cron', hour: '9', minute: '0', day_of_week: 'mon-fri', timezone: 'Europe/Paris' },
  { id: 'nightly-cleanup', func: 'tasks:daily_cleanup', trigger: 'cron', crontab: '0 0 * * *' },
  { id: 'hourly-sync', func: 'examples:echo', trigger: 'interval', hours: 1 },
  { id: 'quarter-hour', func: 'examples:echo', trigger: 'cron', minute: '*/15' },
  { id: 'new-year', func: 'examples:echo', trigger: 'date', run_date: '2099-01-01T00:00:00+00:00' },
]) await post('/jobs', job);
await post('/jobs/hourly-sync/pause');
await post('/jobs/heartbeat/run');

const browser = await chromium.launch({ executablePath: process.env.JOBCLOCK_TEST_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, colorScheme: 'light' });
  await page.goto(`${api}/ui`);
  await page.getByRole('row', { name: 'heartbeat' }).waitFor();
  await page.getByRole('region', { name: 'Timeline' }).getByText('quarter-hour', { exact: true }).waitFor();
  await page.screenshot({ path: fileURLToPath(new URL('docs/dashboard.png', ROOT)), fullPage: true });
} finally {
  await browser.close();
  await server.close();
}
