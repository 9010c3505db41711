import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { schedulerRouter } from '../../src/http/scheduler-router.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { waitFor } from './cluster-harness.js';

/** The run-history and cluster parts of the REST API (the rest of it is tested in test/http). */
describe('REST: run history and cluster info', function () {
  this.timeout(120_000);
  let scheduler: Scheduler;
  let server: Server;
  let base: string;

  beforeEach(async () => {
    scheduler = new Scheduler({ nodeId: 'solo', logger: silentLogger });
    scheduler.registerTasks('t', {
      ok: () => {},
      fail: () => {
        throw new Error('nope');
      },
    });
    const app = new Koa();
    const router = schedulerRouter(scheduler, { logger: silentLogger });
    app.use(router.routes()).use(router.allowedMethods());
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scheduler`;
    await scheduler.start();
  });

  afterEach(async () => {
    await scheduler.close({ wait: false });
    await new Promise((resolve) => server.close(resolve));
  });

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, json: (await response.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it('serves GET /jobs/:id/runs newest first with ?limit=, and last_run in job JSON', async () => {
    const added = await fetch(`${base}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'fails', func: 't:fail', trigger: 'interval', seconds: 0.1 }),
    });
    expect(((await added.json()) as { last_run: unknown }).last_run).to.equal(null);
    expect(await waitFor(async () => (await scheduler.getRuns('fails')).length >= 3, 3000)).to.equal(true);

    const runs = await get('/jobs/fails/runs?limit=2');
    expect(runs.status).to.equal(200);
    expect(runs.json).to.have.length(2);
    expect(Object.keys(runs.json[0])).to.deep.equal(['scheduled_run_time', 'trigger', 'node_id', 'status', 'started_at', 'finished_at', 'error_message', 'duration_ms']);
    expect(runs.json[0]).to.include({ node_id: 'solo', status: 'error', error_message: 'nope' });
    expect(Date.parse(runs.json[0].scheduled_run_time)).to.be.greaterThan(Date.parse(runs.json[1].scheduled_run_time));

    const job = await get('/jobs/fails');
    expect(job.json.last_run).to.include({ status: 'error', node_id: 'solo', error_message: 'nope' });
    expect(Object.keys(job.json.last_run)).to.deep.equal(['scheduled_run_time', 'status', 'node_id', 'finished_at', 'error_message']);
    const list = await get('/jobs');
    expect(list.json[0].last_run.status).to.equal('error');

    expect((await get('/jobs/fails/runs?limit=0')).status).to.equal(400);
    expect((await get('/jobs/nothing/runs')).status).to.equal(404);
  });

  it('reports this node in GET {prefix}', async () => {
    const info = await get('');
    expect(info.json.cluster).to.deep.include({ node_id: 'solo', clustered: false });
    expect(info.json.cluster.nodes.map((node: { node_id: string }) => node.node_id)).to.deep.equal(['solo']);
  });
});
