/**
 * burst through the server: `node dist/src/server/main.bundle.js` (what `npm start` runs) on a fresh
 * SQLite file, `n` date jobs added with `POST /jobs` (10 at a time), all due at one instant after
 * the adds; the fire times come back from each job's run history (`GET /jobs/:id/runs`). What a user
 * running the server sees: the REST layer, the event stream's buffer, the metrics and the run
 * history are all on.
 */
import { childParams, report } from '../lib/result.js';
import { tempDir } from '../lib/places.js';
import { startServerProcess } from '../lib/server-process.js';
import { summarize } from '../lib/stats.js';

const params = childParams({ n: 5000, connections: 10 });
const temp = tempDir('server-burst');
const server = await startServerProcess({ env: { SCHEDULER_STORE: `sqlite:${temp.dir}/jobs.sqlite` } });
const api = `${server.url}/scheduler`;
const id = (i: number) => `burst-${i}`;

/** Runs `work(i)` for i in 0..count-1, `connections` at a time. */
async function concurrently(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: params.connections }, async () => {
      for (let i = next++; i < count; i = next++) await work(i);
    }),
  );
}

try {
  // Due after the adds, which run at a few thousand a second: 4 s of lead, plus 1 ms per job.
  const due = Math.ceil((Date.now() + 4000 + params.n) / 1000) * 1000;
  await concurrently(params.n, async (i) => {
    const response = await fetch(`${api}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: id(i), func: 'examples:echo', trigger: 'date', run_date: new Date(due).toISOString(), args: [i] }),
    });
    if (response.status !== 200) throw new Error(`POST /jobs answered ${response.status}: ${await response.text()}`);
  });
  if (Date.now() >= due) throw new Error('adding the jobs took longer than the lead');
  // Every job ran once it is gone from the store and its run is recorded.
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const left = (await (await fetch(`${api}/jobs?limit=1`)).json()) as unknown[];
    if (left.length === 0 && Date.now() > due) break;
  }
  const lateness: number[] = [];
  await concurrently(params.n, async (i) => {
    for (;;) {
      const runs = (await (await fetch(`${api}/jobs/${id(i)}/runs`)).json()) as { status: string; started_at: string | null }[];
      const run = runs.find((candidate) => candidate.status === 'ok');
      if (run?.started_at) {
        lateness.push(Date.parse(run.started_at) - due);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  const last = Math.max(...lateness);
  report({
    scenario: 'burst sqlite through the server',
    subject: 'jobclock',
    count: lateness.length,
    // Started times are whole milliseconds: a burst that all starts within 1 ms counts as 1 ms.
    rate: lateness.length / (Math.max(1, last) / 1000),
    lateness: summarize(lateness),
  });
} finally {
  await server.stop();
  temp.remove();
}
