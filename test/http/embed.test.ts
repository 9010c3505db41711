import { Router } from '@koa/router';
import { expect } from 'chai';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { schedulerRouter } from '../../src/http/scheduler-router.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { silentLogger } from '../../src/scheduler/logger.js';

const VIEWS = [
  'get_scheduler_info', 'pause_scheduler', 'resume_scheduler', 'start_scheduler', 'shutdown_scheduler',
  'add_job', 'get_jobs', 'get_job', 'delete_job', 'update_job', 'pause_job', 'resume_job', 'run_job',
];

describe('schedulerRouter embedded in an existing Koa app', () => {
  let server: Server;
  let base: string;
  let scheduler: Scheduler;
  let appErrors: unknown[];
  let hostErrorHandlerSaw: number[];
  let router: Router;

  before(async () => {
    scheduler = new Scheduler({ jobstores: { default: 'sqlite::memory:' }, logger: silentLogger });
    scheduler.registerTasks('app', { ping: () => 'pong' });
    await scheduler.start();
    appErrors = [];
    hostErrorHandlerSaw = [];

    const app = new Koa();
    // The host's own error handler: our errors must never reach it.
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        hostErrorHandlerSaw.push((error as { status?: number }).status ?? 500);
        ctx.status = 500;
        ctx.body = 'host error page';
      }
    });
    const own = new Router();
    own.get('/health', (ctx) => {
      ctx.body = { ok: true };
    });
    own.post('/items', (ctx) => {
      ctx.status = 201;
      ctx.body = 'created';
    });
    own.get('/boom', () => {
      throw new Error('host route failure');
    });
    router = schedulerRouter(scheduler, { prefix: '/admin/scheduler', endpointPrefix: 'admin.', logger: silentLogger });
    app.use(own.routes()).use(own.allowedMethods());
    app.use(router.routes()).use(router.allowedMethods());
    app.use((ctx) => {
      ctx.status = 404;
      ctx.body = 'host 404 page';
    });
    app.on('error', (error) => appErrors.push(error));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await scheduler.close();
  });

  it('names its routes with the endpoint prefix, as Flask-APScheduler\'s views', () => {
    for (const view of VIEWS) expect(router.route(`admin.${view}`), view).to.not.equal(false);
    expect(router.url('admin.get_job', { id: 'a b' })).to.equal('/admin/scheduler/jobs/a%20b');
    expect(router.url('admin.get_jobs')).to.equal('/admin/scheduler/jobs');
  });

  it('serves the API under its prefix', async () => {
    const added = await fetch(`${base}/admin/scheduler/jobs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'p', func: 'app:ping', trigger: 'interval', minutes: 1 }),
    });
    expect(added.status).to.equal(200);
    const list = (await (await fetch(`${base}/admin/scheduler/jobs`)).json()) as { id: string }[];
    expect(list.map((j) => j.id)).to.deep.equal(['p']);
    expect((await fetch(`${base}/admin/scheduler/jobs/p/run`, { method: 'POST' })).status).to.equal(200);
  });

  it('keeps the host app\'s own routes, 404s and 405s working', async () => {
    expect(await (await fetch(`${base}/health`)).json()).to.deep.equal({ ok: true });
    expect((await fetch(`${base}/items`, { method: 'POST' })).status).to.equal(201);
    const hostMethod = await fetch(`${base}/health`, { method: 'DELETE' });
    expect(hostMethod.status).to.equal(405);
    for (const path of ['/nope', '/admin', '/admin/schedulerX', '/admin/schedulerX/jobs', '/scheduler/jobs']) {
      const r = await fetch(`${base}${path}`);
      expect(r.status, path).to.equal(404);
      expect(await r.text(), path).to.equal('host 404 page');
    }
    expect((await fetch(`${base}/boom`)).status).to.equal(500);
    expect(hostErrorHandlerSaw).to.deep.equal([500]);
  });

  it('answers its own errors inside its routes: JSON, never the host\'s error handler', async () => {
    hostErrorHandlerSaw = [];
    const cases: [string, string, number, string?][] = [
      ['GET', '/admin/scheduler/jobs/missing', 404],
      ['GET', '/admin/scheduler/unknown/path', 404],
      ['PUT', '/admin/scheduler/jobs', 405],
      ['POST', '/admin/scheduler/jobs', 400, '{bad json'],
      ['POST', '/admin/scheduler/jobs', 413, JSON.stringify({ id: 'big', args: ['x'.repeat(70_000)] })],
      ['POST', '/admin/scheduler/start', 400],
    ];
    for (const [method, path, status, body] of cases) {
      const r = await fetch(`${base}${path}`, { method, headers: { 'Content-Type': 'application/json' }, body });
      expect(r.status, `${method} ${path}`).to.equal(status);
      expect(((await r.json()) as { error_message: unknown }).error_message).to.be.a('string');
    }
    expect(hostErrorHandlerSaw).to.deep.equal([]);
    expect(appErrors).to.deep.equal([]);
  });
});

describe('schedulerRouter with the default prefix', () => {
  it('mounts at /scheduler and names routes scheduler.*', () => {
    const router = schedulerRouter(new Scheduler({ jobstores: { default: 'sqlite::memory:' }, logger: silentLogger }));
    expect(router.url('scheduler.get_scheduler_info')).to.equal('/scheduler');
    expect(router.url('scheduler.run_job', { id: 'x' })).to.equal('/scheduler/jobs/x/run');
    for (const view of VIEWS) expect(router.route(`scheduler.${view}`), view).to.not.equal(false);
  });
});

describe('schedulerRouter behind a host app\'s global body parser', () => {
  it('uses the body the parser already read (the stream is gone)', async () => {
    const { bodyParser } = await import('@koa/bodyparser');
    const scheduler = new Scheduler({ jobstores: { default: 'sqlite::memory:' }, logger: silentLogger });
    scheduler.registerTasks('app', { ping: () => 'pong' });
    const app = new Koa();
    app.use(bodyParser());
    const router = schedulerRouter(scheduler, { logger: silentLogger });
    app.use(router.routes()).use(router.allowedMethods());
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scheduler`;
    try {
      const post = (path: string, method: string, body: unknown) =>
        fetch(`${base}${path}`, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post('/jobs', 'POST', { id: 'bp', func: 'app:ping', trigger: 'interval', minutes: 1 })).status).to.equal(200);
      const patched = await post('/jobs/bp', 'PATCH', { name: 'renamed' });
      expect(patched.status).to.equal(200);
      expect(((await patched.json()) as { name: string }).name).to.equal('renamed');
      expect((await post('/jobs', 'POST', { id: 'bp2', func: 'app:ping', bogus: 1 })).status).to.equal(400);
      expect((await post('/shutdown', 'POST', { wait: true })).status).to.equal(400);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await scheduler.close();
    }
  });
});
