import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { ServerProcess } from '../../bench/lib/server-process.js';
import { count, json, sqliteFile, startServer } from './reliability-harness.js';

// Load: sustained REST traffic while jobs fire. No request may fail, and the server's heap after
// garbage collection must not keep growing from one phase of load to the next.

const PREFIX = '/scheduler';
const HEAP_PROBE = fileURLToPath(new URL('./heap-probe.mjs', import.meta.url));

describe('reliability: load (REST traffic while jobs fire)', function () {
  this.timeout(300_000);
  const phaseSeconds = count('LOAD_SECONDS', 12);
  const firingJobs = 200;
  let dir: string;
  let server: ServerProcess;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-load-'));
    server = await startServer({ SCHEDULER_STORE: `sqlite:${sqliteFile(dir)}` }, ['--expose-gc', '--import', HEAP_PROBE]);
    for (let i = 0; i < firingJobs; i++) {
      const added = await json(server.url, 'POST', `${PREFIX}/jobs`, { id: `tick-${i}`, func: 'examples:echo', trigger: 'interval', seconds: 1, args: [i], misfire_grace_time: 5 });
      expect(added.status, added.body).to.equal(200);
    }
  });

  after(async () => {
    await server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`serves mixed REST load for 3 × ${phaseSeconds} s with ${firingJobs} jobs firing each second: no errors, heap flat`, async () => {
    const heaps: number[] = [];
    let requests = 0;
    for (let phase = 0; phase < 3; phase++) {
      const result = await mixedLoad(server.url, phaseSeconds, phase);
      requests += result.requests.total;
      expect(result.errors, 'connection errors').to.equal(0);
      expect(result.timeouts, 'timeouts').to.equal(0);
      expect(result.non2xx, 'non-2xx answers').to.equal(0);
      expect(server.child.exitCode).to.equal(null);
      heaps.push(await heapUsed(server));
    }
    const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
    console.log(`      ${requests.toLocaleString('en-US')} requests; heap after each phase (MB): ${heaps.map(mb).join(', ')}`);
    // The first phase warms caches and pools; after it, memory must not keep climbing.
    const [, second, third] = heaps as [number, number, number];
    expect(third - second, `heap growth between the 2nd and 3rd phase (${mb(second)} → ${mb(third)} MB)`).to.be.lessThan(8 * 2 ** 20);
    // The jobs kept firing all along.
    const tick = JSON.parse((await json(server.url, 'GET', `${PREFIX}/jobs/tick-0`)).body) as { next_run_time: string };
    expect(Date.parse(tick.next_run_time)).to.be.greaterThan(Date.now() - 5000);
    expect(server.output()).not.to.match(/raised an error|could not be submitted|Processing due jobs failed|HTTP server error|uncaught/i);
  });
});

/** Reads, writes and removals, 10 connections; each connection removes the job it added. */
function mixedLoad(url: string, seconds: number, phase: number): Promise<autocannon.Result> {
  let serial = 0;
  return autocannon({
    url,
    connections: 10,
    duration: seconds,
    requests: [
      { method: 'GET', path: `${PREFIX}/jobs?limit=50` },
      { method: 'GET', setupRequest: (req) => ({ ...req, path: `${PREFIX}/jobs/tick-${serial % 200}` }) },
      {
        method: 'POST',
        path: `${PREFIX}/jobs`,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req, context) => {
          const id = `load-${phase}-${serial++}`;
          (context as { id?: string }).id = id;
          return { ...req, body: JSON.stringify({ id, func: 'examples:echo', trigger: 'cron', minute: '*/5', kwargs: { id } }) };
        },
      },
      {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req, context) => ({ ...req, path: `${PREFIX}/jobs/${(context as { id?: string }).id}`, body: JSON.stringify({ name: 'patched', minute: '*/7' }) }),
      },
      { method: 'POST', setupRequest: (req, context) => ({ ...req, path: `${PREFIX}/jobs/${(context as { id?: string }).id}/pause` }) },
      { method: 'DELETE', setupRequest: (req, context) => ({ ...req, path: `${PREFIX}/jobs/${(context as { id?: string }).id}` }) },
      { method: 'GET', path: PREFIX },
    ],
  });
}

/** The server's heap after garbage collection, through the heap probe. */
async function heapUsed(server: ServerProcess): Promise<number> {
  const seen = server.output().length;
  server.child.kill('SIGUSR2');
  for (let waited = 0; waited < 10_000; waited += 20) {
    const line = /HEAP (\d+) (\d+)/.exec(server.output().slice(seen));
    if (line) return Number(line[1]);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the heap probe did not answer');
}
