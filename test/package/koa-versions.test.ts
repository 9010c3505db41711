import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa2 from 'koa2';
import Koa3 from 'koa';
import { schedulerRouter } from '../../src/index.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { silentLogger } from '../../src/scheduler/logger.js';

// koa is a peer dependency (^2.13 || ^3): the application's Koa serves jobclock's router. The repo
// installs Koa 3 as `koa` and Koa 2 as `koa2` (an npm alias) to serve it from both.
const KOAS = [
  { name: 'Koa 2', Koa: Koa2 as unknown as typeof Koa3, version: '2.' },
  { name: 'Koa 3', Koa: Koa3, version: '3.' },
];

for (const { name, Koa, version } of KOAS) {
  describe(`schedulerRouter mounted in a ${name} app`, () => {
    let server: Server;
    let base: string;
    let scheduler: Scheduler;

    before(async () => {
      scheduler = new Scheduler({ jobstores: { default: 'memory:' }, logger: silentLogger });
      scheduler.registerTasks('app', { ping: () => 'pong' });
      await scheduler.start({ paused: true });
      const app = new Koa();
      app.use(schedulerRouter(scheduler, { logger: silentLogger }).routes());
      server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(async () => {
      await new Promise((resolve) => server.close(resolve));
      await scheduler.shutdown();
    });

    it(`is a ${name} app`, async () => {
      const { default: pkg } = await import(name === 'Koa 2' ? 'koa2/package.json' : 'koa/package.json', { with: { type: 'json' } });
      expect((pkg as { version: string }).version.startsWith(version)).to.equal(true);
    });

    it('adds a job from a JSON body and lists it', async () => {
      const added = await fetch(`${base}/scheduler/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'ping', func: 'app:ping', trigger: 'interval', minutes: 5 }),
      });
      expect(added.status).to.equal(200);
      expect(((await added.json()) as { id: string }).id).to.equal('ping');
      const listed = await fetch(`${base}/scheduler/jobs`);
      expect(listed.status).to.equal(200);
      expect(((await listed.json()) as { id: string }[]).map((job) => job.id)).to.deep.equal(['ping']);
    });

    it('answers an unknown job with 404 and an error_message', async () => {
      const response = await fetch(`${base}/scheduler/jobs/missing`);
      expect(response.status).to.equal(404);
      expect(await response.json()).to.have.property('error_message');
    });
  });
}
