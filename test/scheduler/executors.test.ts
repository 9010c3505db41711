import { expect } from 'chai';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { AsyncExecutor } from '../../src/executors/async-executor.js';
import type { TaskInvoker } from '../../src/executors/executor.js';
import { WorkerExecutor } from '../../src/executors/worker-executor.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { currentJob } from '../../src/tasks/current-job.js';
import { gate } from '../helpers/harness.js';

describe('executors', () => {
  it('AsyncExecutor runs at most maxConcurrency submissions at once, in order', async () => {
    const executor = new AsyncExecutor({ maxConcurrency: 2 });
    await executor.start();
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const done = gates.map((g, i) =>
      executor.submit(async () => {
        active++;
        peak = Math.max(peak, active);
        order.push(i);
        await g.promise;
        active--;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(order).to.deep.equal([0, 1]);
    gates.forEach((g) => g.open());
    await Promise.all(done);
    expect(peak).to.equal(2);
    expect(order).to.deep.equal([0, 1, 2, 3]);
    await executor.shutdown({ wait: true });
  });

  it('submitThen settles by callback: once, with failed and the error when the submission threw or was refused', async () => {
    const executor = new AsyncExecutor({ maxConcurrency: 1 });
    const refused: [boolean, unknown][] = [];
    executor.submitThen(async () => {}, (failed, error) => refused.push([failed, error]));
    expect(refused).to.have.length(1);
    expect(refused[0]?.[0]).to.equal(true);
    await executor.start();
    const seen: [string, boolean, unknown][] = [];
    const boom = new Error('boom');
    executor.submitThen(async () => {}, (failed, error) => seen.push(['ok', failed, error]));
    executor.submitThen(async () => {
      throw boom;
    }, (failed, error) => seen.push(['threw', failed, error]));
    await executor.shutdown({ wait: true });
    expect(seen).to.deep.equal([
      ['ok', false, undefined],
      ['threw', true, boom],
    ]);
  });

  it('a submission that finished in the call settles, and its slot goes on with the queue in order, however long', async () => {
    const executor = new AsyncExecutor({ maxConcurrency: 1 });
    await executor.start();
    const g = gate();
    const order: number[] = [];
    const settled: [number, boolean, unknown][] = [];
    const boom = new Error('inline boom');
    // The first holds the only slot, so the rest queue up behind it.
    executor.submitThen(() => g.promise, (failed) => settled.push([-1, failed, undefined]));
    const count = 100_000;
    for (let i = 0; i < count; i++) {
      executor.submitThen(
        () => {
          order.push(i);
          if (i === 7) throw boom;
          return undefined;
        },
        (failed, error) => settled.push([i, failed, error]),
      );
    }
    await new Promise((r) => setImmediate(r));
    expect(order).to.have.length(0);
    // Each inline submission is followed by the next in one loop: a frame each would overflow the stack.
    g.open();
    await executor.shutdown({ wait: true });
    expect(order).to.have.length(count);
    expect(order.every((value, index) => value === index)).to.equal(true);
    expect(settled).to.have.length(count + 1);
    expect(settled[0]).to.deep.equal([-1, false, undefined]);
    expect(settled[8]).to.deep.equal([7, true, boom]);
    expect(settled.filter(([, failed]) => failed)).to.have.length(1);
  });

  it("AsyncExecutor's invoke answers a plain task's value (or throw) at once, and an async task's as a promise, both inside currentJob", async () => {
    const executor = new AsyncExecutor({ maxConcurrency: 1 });
    await executor.start();
    const invoke = (executor as unknown as { invoke: TaskInvoker }).invoke;
    const call = (fn: (...args: unknown[]) => unknown) => invoke({ task: { reference: 't:f', fn, file: null, exportName: 'f' }, args: [2], kwargs: {}, jobId: 'j', scheduledRunTime: new Date(5) });
    expect(call((n) => [n, currentJob()?.id])).to.deep.equal([2, 'j']);
    expect(() => call(() => { throw new Error('plain boom'); })).to.throw('plain boom');
    const pending = call(async (n) => { await Promise.resolve(); return [n, currentJob()?.id]; });
    expect(pending).to.be.instanceOf(Promise);
    expect(await pending).to.deep.equal([2, 'j']);
    await executor.shutdown({ wait: true });
  });

  it('defaults to 10 at once, as APScheduler', () => {
    expect(new AsyncExecutor().maxConcurrency).to.equal(10);
  });

  it('shutdown without wait drops queued submissions', async () => {
    const executor = new AsyncExecutor({ maxConcurrency: 1 });
    await executor.start();
    const g = gate();
    let ran = 0;
    void executor.submit(async () => { ran++; await g.promise; });
    const queued = executor.submit(async () => { ran++; });
    await new Promise((r) => setImmediate(r));
    await executor.shutdown({ wait: false });
    g.open();
    await queued;
    expect(ran).to.equal(1);
  });

  describe('WorkerExecutor', function () {
    this.timeout(120_000);
    const taskFile = path.resolve('test/fixtures/tasks/cpu.mjs');

    it('runs a task module function in a worker thread, with currentJob and kwargs', async () => {
      const scheduler = new Scheduler({ logger: silentLogger, executors: { worker: new WorkerExecutor({ maxThreads: 1 }) } });
      await scheduler.tasks.registerFile(taskFile);
      await scheduler.addJob({ id: 'fib', func: 'cpu:fib', trigger: 'interval', hours: 1, executor: 'worker', args: [20], kwargs: { a: 1 } });
      const result = (await scheduler.runJob('fib')) as { value: number; threadId: number; job: string; kwargs: unknown };
      expect(result.value).to.equal(6765);
      expect(result.threadId).to.not.equal(threadId);
      expect(result.job).to.equal('fib');
      expect(result.kwargs).to.deep.equal({ a: 1 });
      await scheduler.addJob({ id: 'boom', func: 'cpu:boom', trigger: 'interval', hours: 1, executor: 'worker' });
      await scheduler.runJob('boom').then(() => expect.fail(), (e: Error) => expect(e.message).to.contain('boom in worker'));
      await scheduler.start();
      await scheduler.close();
    });

    it('refuses a task registered by code, with a clear error', async () => {
      const scheduler = new Scheduler({ logger: silentLogger, executors: { worker: new WorkerExecutor({ maxThreads: 1 }) } });
      scheduler.registerTasks('code', { f: () => 1 });
      await scheduler.addJob({ id: 'c', func: 'code:f', trigger: 'interval', hours: 1, executor: 'worker' });
      await scheduler.runJob('c').then(() => expect.fail(), (e: Error) => expect(e.message).to.contain('task module files'));
      await scheduler.start();
      await scheduler.close();
    });
  });
});
