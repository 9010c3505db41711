import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServerProcess, type ServerProcess } from '../../bench/lib/server-process.js';

// `npm start` runs dist/src/server/main.bundle.js: the server entry and what it imports in one file
// (scripts/build.mjs). What reads files or modules by a path relative to its own module must still
// find them from there: the worker executor's entry, the example tasks, the dashboard's files, the
// API reference page's assets, the package's version, the migrations.

describe('the bundled server entry (what npm start runs)', function () {
  this.timeout(120_000);
  let dir: string;
  let server: ServerProcess;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-bundle-'));
    server = await startServerProcess({ env: { SCHEDULER_STORE: `sqlite:${path.join(dir, 'jobs.sqlite')}` } });
  });

  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (urlPath: string, body: unknown) =>
    fetch(`${server.url}${urlPath}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('migrates a new SQLite file and runs an example task on the worker-thread executor', async () => {
    const added = await post('/scheduler/jobs', { id: 'in-worker', func: 'examples:echo', args: [1, 'two'], trigger: 'interval', hours: 1, executor: 'worker' });
    expect(added.status, await added.clone().text()).to.equal(200);
    const ran = await post('/scheduler/jobs/in-worker/run', {});
    expect(ran.status, await ran.clone().text()).to.equal(200);
    // The history row is written in the run log's next batch: wait for it.
    let statuses: string[] = [];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && statuses.length === 0; await new Promise((resolve) => setTimeout(resolve, 50))) {
      statuses = ((await (await fetch(`${server.url}/scheduler/jobs/in-worker/runs`)).json()) as { status: string }[]).map((run) => run.status);
    }
    expect(statuses).to.deep.equal(['ok']);
  });

  it('serves the dashboard, the API reference page and its assets, and the OpenAPI document with the package version', async () => {
    const ui = await fetch(`${server.url}/scheduler/ui`);
    expect(ui.status).to.equal(200);
    const page = await ui.text();
    const script = /src="([^"]+\.js)"/.exec(page)?.[1];
    expect(script, page.slice(0, 500)).to.be.a('string');
    expect((await fetch(new URL(script!, `${server.url}/scheduler/ui`))).status).to.equal(200);
    const docs = await fetch(`${server.url}/scheduler/docs`);
    expect(docs.status).to.equal(200);
    const asset = /src="([^"]+swagger[^"]*\.js)"/.exec(await docs.text())?.[1];
    expect(asset).to.be.a('string');
    expect((await fetch(new URL(asset!, `${server.url}/scheduler/docs`))).status).to.equal(200);
    const document = (await (await fetch(`${server.url}/scheduler/openapi.json`)).json()) as { info: { version: string } };
    expect(document.info.version).to.match(/^\d+\.\d+\.\d+/);
  });

  it('logs no error while doing so', () => {
    expect(server.output()).not.to.match(/"level":(50|60)|Error:/);
  });
});
