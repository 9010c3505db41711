import { expect } from 'chai';
import { ManualClock, settle } from '../../src/clock/clock.js';
import { AsyncExecutor } from '../../src/executors/async-executor.js';
import { Dispatcher } from '../../src/scheduler/dispatcher.js';
import { EventBus, type SchedulerEvent } from '../../src/scheduler/events.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { RunLog } from '../../src/scheduler/run-log.js';
import { StoreRegistry } from '../../src/scheduler/store-registry.js';
import { MemoryJobStore } from '../../src/stores/memory.js';
import { TaskRegistry } from '../../src/tasks/task-registry.js';
import { gate } from '../helpers/harness.js';
import { BASE_TIME, at, intervalJob } from '../stores/job-fixtures.js';

/** A dispatcher alone: one memory store, the async executor, a task registry, a manual clock. */
async function dispatcher() {
  const clock = new ManualClock(BASE_TIME);
  const store = new MemoryJobStore();
  const stores = StoreRegistry.of({ default: store }, () => ({ onUnreadableJob: () => undefined }));
  await stores.open();
  const tasks = new TaskRegistry();
  const events = new EventBus((error) => {
    throw error;
  });
  const seen: SchedulerEvent[] = [];
  events.on('*', (event) => seen.push(event));
  const runLog = new RunLog('node-1', clock, silentLogger);
  const executors = new Map([['default', new AsyncExecutor()]]);
  const subject = new Dispatcher({ clock, logger: silentLogger, tasks, stores, executors, runLog, events });
  await subject.startExecutors();
  const history = async (jobId: string) => {
    await runLog.flush();
    return (await store.runHistory.getRuns(jobId, { limit: 10 })).map((run) => [run.scheduledRunTime, run.status]);
  };
  return { clock, store, tasks, subject, seen, history, kinds: () => seen.map((event) => event.kind) };
}

describe('dispatcher', () => {
  it('records a run later than misfire_grace_time as missed and runs the one within it', async () => {
    const d = await dispatcher();
    const calls: unknown[][] = [];
    d.tasks.register('tasks', { tick: (...args: unknown[]) => void calls.push(args) });
    await d.clock.advance(5_000);
    void d.subject.submitRuns('default', { job: intervalJob('j', null, { misfireGraceTime: 2, coalesce: false }), runTimes: [at(1), at(4)] });
    await settle();
    expect(calls).to.have.length(1);
    expect(d.kinds()).to.deep.equal(['job_submitted', 'job_missed', 'job_executed']);
    expect(await d.history('j')).to.deep.equal([[at(4), 'ok'], [at(1), 'missed']]);
  });

  it('skips runs while max_instances of the job are running, and records them as skipped', async () => {
    const d = await dispatcher();
    const running = gate();
    d.tasks.register('tasks', { tick: () => running.promise });
    const job = intervalJob('j', null, { maxInstances: 1 });
    void d.subject.submitRuns('default', { job, runTimes: [at(0)] });
    await settle();
    void d.subject.submitRuns('default', { job, runTimes: [at(10)] });
    expect(d.kinds()).to.deep.equal(['job_submitted', 'job_max_instances']);
    running.open();
    await settle();
    expect(await d.history('j')).to.deep.equal([[at(10), 'skipped_max_instances'], [at(0), 'ok']]);
  });

  it('runs a job now with runNow, returning what the task returned, recorded in the run history as manual', async () => {
    const d = await dispatcher();
    d.tasks.register('tasks', { tick: () => 42 });
    expect(await d.subject.runNow('default', intervalJob('j', null))).to.equal(42);
    expect(d.kinds()).to.deep.equal(['job_submitted', 'job_executed']);
    expect(await d.history('j')).to.deep.equal([[d.clock.now(), 'ok']]);
    const [run] = await d.store.runHistory.getRuns('j');
    expect(run).to.include({ trigger: 'manual', durationMs: 0 });
  });

  it('one run of a job: a late one is missed, a failing one is an error, each recorded and emitted', async () => {
    const d = await dispatcher();
    d.tasks.register('tasks', {
      tick: () => undefined,
      boom: () => {
        throw new Error('boom');
      },
    });
    await d.clock.advance(5_000);
    void d.subject.submitRuns('default', { job: intervalJob('late', null, { misfireGraceTime: 2 }), runTimes: [at(1)] });
    void d.subject.submitRuns('default', { job: intervalJob('fails', null, { func: 'tasks:boom' }), runTimes: [at(5)] });
    void d.subject.submitRuns('default', { job: intervalJob('ok', null), runTimes: [at(4)] });
    await settle();
    expect(d.kinds()).to.deep.equal(['job_submitted', 'job_submitted', 'job_submitted', 'job_missed', 'job_error', 'job_executed']);
    expect(await d.history('late')).to.deep.equal([[at(1), 'missed']]);
    expect(await d.history('fails')).to.deep.equal([[at(5), 'error']]);
    expect(await d.history('ok')).to.deep.equal([[at(4), 'ok']]);
  });

  it('counts pending submissions and says when fewer than asked are left (the wake loop\'s back-pressure)', async () => {
    const d = await dispatcher();
    const gates = [gate(), gate(), gate()];
    let call = 0;
    d.tasks.register('tasks', { tick: () => gates[call++]?.promise });
    for (let i = 0; i < 3; i++) void d.subject.submitRuns('default', { job: intervalJob(`j${i}`, null), runTimes: [at(0)] });
    expect(d.subject.pendingSubmissions).to.equal(3);
    expect(d.subject.whenFewerPending(4)).to.equal(null);
    let roomMade = false;
    void d.subject.whenFewerPending(2)?.then(() => (roomMade = true));
    await settle();
    gates[0]?.open();
    await settle();
    expect(roomMade).to.equal(false);
    gates[1]?.open();
    await settle();
    expect(roomMade).to.equal(true);
    expect(d.subject.pendingSubmissions).to.equal(1);
    gates[2]?.open();
    await settle();
    expect(d.subject.pendingSubmissions).to.equal(0);
  });
});
