import { expect } from 'chai';
import {
  ConflictingIdError,
  JobLookupError,
  MaxInstancesReachedError,
  SchedulerAlreadyRunningError,
  SchedulerNotRunningError,
  TaskLookupError,
  ValidationError,
} from '../../src/errors.js';
import { MemoryJobStore } from '../../src/stores/memory.js';
import { currentJob } from '../../src/tasks/current-job.js';
import { gate, harness } from '../helpers/harness.js';

describe('scheduler API', () => {
  it('refuses an unregistered func at add time, and stores nothing', async () => {
    const h = harness();
    for (const func of ['nope:x', 't:missing', 'fs:readFileSync', '../../etc/passwd:x', 'child_process:exec']) {
      try {
        await h.scheduler.addJob({ id: 'j', func, trigger: 'interval', seconds: 1 });
        expect.fail(`accepted ${func}`);
      } catch (error) {
        expect(error).to.be.instanceOf(TaskLookupError);
      }
    }
    expect(await h.scheduler.getJobs()).to.deep.equal([]);
  });

  it('raises ConflictingIdError for a duplicate id, and replaces with replace_existing', async () => {
    const h = harness();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 1 });
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 1 }).then(
      () => expect.fail('accepted a duplicate'),
      (error) => expect(error).to.be.instanceOf(ConflictingIdError),
    );
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 7, replace_existing: true });
    expect((await h.scheduler.getJob('j'))?.trigger.toJSON()).to.include({ trigger: 'interval', seconds: 7 });
  });

  it('keeps ids unique across job stores', async () => {
    const h = harness({ jobstores: { scratch: new MemoryJobStore() } });
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 1 });
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 1, jobstore: 'scratch' }).then(
      () => expect.fail('accepted a duplicate'),
      (error) => expect(error).to.be.instanceOf(ConflictingIdError),
    );
    await h.scheduler.addJob({ id: 'k', func: 't:record', trigger: 'interval', seconds: 1, jobstore: 'scratch' });
    expect((await h.scheduler.getJobs()).map((j) => j.id)).to.deep.equal(['j', 'k']);
    expect((await h.scheduler.getJobs({ jobstore: 'scratch' })).map((j) => j.id)).to.deep.equal(['k']);
  });

  it('names the job after its id by default, and validates every option', async () => {
    const h = harness();
    const job = await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 1 });
    expect(job.name).to.equal('j');
    const bad: Record<string, unknown>[] = [
      { max_instances: 0 },
      { max_instances: 1.5 },
      { misfire_grace_time: -1 },
      { coalesce: 'yes' },
      { args: 'x' },
      { kwargs: [] },
      { name: 5 },
      { bogus_key: 1 },
      { executor: 'nope' },
      { jobstore: 'nope' },
      { trigger: 'weekly' },
      { trigger: 'cron', hour: 25 },
      { trigger: 'interval', seconds: -5 },
      { id: '' },
      { id: 7 },
      { next_run_time: 'tomorrow' },
    ];
    for (const extra of bad) {
      await h.scheduler
        .addJob({ id: 'x', func: 't:record', trigger: 'interval', seconds: 1, ...extra })
        .then(() => expect.fail(`accepted ${JSON.stringify(extra)}`), (error) => expect(error, JSON.stringify(extra)).to.be.instanceOf(ValidationError));
    }
    expect((await h.scheduler.getJobs()).map((j) => j.id)).to.deep.equal(['j']);
  });

  it('modifies trigger options keeping the trigger kind, atomically', async () => {
    const h = harness();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 30, name: 'before' });
    const changed = await h.scheduler.modifyJob('j', { seconds: 60 });
    expect(changed.trigger.kind).to.equal('interval');
    expect(changed.trigger.toJSON()).to.include({ seconds: 60 });
    expect(changed.nextRunTime).to.deep.equal(h.at(60));
    await h.scheduler.modifyJob('j', { name: 'after', seconds: -1 }).then(
      () => expect.fail('accepted a bad change'),
      (error) => expect(error).to.be.instanceOf(ValidationError),
    );
    expect((await h.scheduler.getJob('j'))?.name).to.equal('before');
    await h.scheduler.modifyJob('nope', { name: 'x' }).then(
      () => expect.fail('modified a missing job'),
      (error) => expect(error).to.be.instanceOf(JobLookupError),
    );
  });

  it('reschedules a job with a new trigger', async () => {
    const h = harness();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 30 });
    h.clock.jumpTo(h.at(1));
    const job = await h.scheduler.rescheduleJob('j', 'cron', { minute: '*/5' });
    expect(job.trigger.kind).to.equal('cron');
    expect(job.nextRunTime).to.deep.equal(h.at(300));
  });

  it('pauses and resumes a job', async () => {
    const h = harness();
    await h.scheduler.start();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 10 });
    const paused = await h.scheduler.pauseJob('j');
    expect(paused.nextRunTime).to.equal(null);
    await h.clock.advance(25_000);
    expect(h.calls).to.have.length(0);
    const resumed = await h.scheduler.resumeJob('j');
    expect(resumed?.nextRunTime).to.deep.equal(h.at(30));
    await h.clock.advance(5_000);
    expect(h.calls).to.have.length(1);
  });

  it('pauses and resumes the whole scheduler; missed runs follow the misfire rules', async () => {
    const h = harness();
    await h.scheduler.start();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 10, misfire_grace_time: 3 });
    h.scheduler.pause();
    await h.clock.advance(32_000);
    expect(h.calls).to.have.length(0);
    h.scheduler.resume();
    await h.settle();
    expect(h.calls.map((c) => c.at)).to.deep.equal([h.at(32)]); // coalesced 10,20,30 → 30, 2 s late
  });

  it('starts paused when asked', async () => {
    const h = harness();
    await h.scheduler.start({ paused: true });
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 1 });
    await h.clock.advance(3_000);
    expect(h.calls).to.have.length(0);
    expect(h.scheduler.state).to.equal('paused');
    expect(h.scheduler.running).to.equal(true);
  });

  it('raises on double start and on shutdown when stopped', async () => {
    const h = harness();
    await h.scheduler.shutdown().then(() => expect.fail(), (e) => expect(e).to.be.instanceOf(SchedulerNotRunningError));
    await h.scheduler.start();
    await h.scheduler.start().then(() => expect.fail(), (e) => expect(e).to.be.instanceOf(SchedulerAlreadyRunningError));
    await h.scheduler.shutdown();
    expect(h.scheduler.running).to.equal(false);
    await h.scheduler.start();
    expect(h.scheduler.running).to.equal(true);
  });

  it('does not start on a host outside allowed_hosts', async () => {
    const h = harness({ allowedHosts: ['other-host'], hostname: 'this-host' });
    await h.scheduler.start();
    expect(h.scheduler.running).to.equal(false);
    const ok = harness({ allowedHosts: ['this-host'], hostname: 'this-host' });
    await ok.scheduler.start();
    expect(ok.scheduler.running).to.equal(true);
  });

  it('runJob runs now, returns the result, leaves the schedule, and honours max_instances', async () => {
    const h = harness();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 100, args: [1, 2] });
    expect(await h.scheduler.runJob('j')).to.equal(3);
    expect((await h.scheduler.getJob('j'))?.nextRunTime).to.deep.equal(h.at(100));
    await h.scheduler.addJob({ id: 'f', func: 't:fail', trigger: 'interval', seconds: 100 });
    await h.scheduler.runJob('f').then(() => expect.fail(), (e: Error) => expect(e.message).to.equal('task failed on purpose'));
    const release = gate();
    h.scheduler.registerTasks('slow', { run: () => release.promise });
    await h.scheduler.addJob({ id: 's', func: 'slow:run', trigger: 'interval', seconds: 100 });
    const first = h.scheduler.runJob('s');
    await h.settle();
    await h.scheduler.runJob('s').then(() => expect.fail(), (e) => expect(e).to.be.instanceOf(MaxInstancesReachedError));
    release.open();
    await first;
    expect(h.kinds('job_executed').length).to.equal(2);
  });

  it('gives currentJob() inside a task', async () => {
    const h = harness();
    const seen: unknown[] = [];
    h.scheduler.registerTasks('ctx', {
      who: async () => {
        await new Promise((r) => setImmediate(r));
        seen.push(currentJob());
      },
    });
    await h.scheduler.start();
    await h.scheduler.addJob({ id: 'me', func: 'ctx:who', trigger: 'date', run_date: h.at(2) });
    await h.clock.advance(2_000);
    expect(seen).to.deep.equal([{ id: 'me', scheduledRunTime: h.at(2) }]);
    expect(currentJob()).to.equal(undefined);
  });

  it('task() registers and schedules in one call, and upserts on restart', async () => {
    const h = harness();
    const tick = () => 'tick';
    const first = await h.scheduler.task({ id: 'tick', trigger: 'interval', seconds: 10 }, tick);
    expect(first.func).to.equal('task:tick');
    await h.clock.advance(3_000);
    const again = await h.scheduler.task({ id: 'tick', trigger: 'interval', seconds: 10 }, tick);
    expect(again.nextRunTime).to.deep.equal(h.at(10)); // unchanged definition keeps its schedule
    const changed = await h.scheduler.task({ id: 'tick', trigger: 'interval', seconds: 20 }, tick);
    expect(changed.nextRunTime).to.deep.equal(h.at(23));
  });

  it('pages jobs in id order', async () => {
    const h = harness();
    for (const id of ['c', 'a', 'e', 'b', 'd']) await h.scheduler.addJob({ id, func: 't:record', trigger: 'interval', seconds: 1 });
    expect((await h.scheduler.getJobs({ limit: 2 })).map((j) => j.id)).to.deep.equal(['a', 'b']);
    expect((await h.scheduler.getJobs({ limit: 2, after: 'b' })).map((j) => j.id)).to.deep.equal(['c', 'd']);
    expect((await h.scheduler.getJobs({ after: 'd' })).map((j) => j.id)).to.deep.equal(['e']);
  });

  it('shutdown({ wait: true }) waits for running jobs', async () => {
    const h = harness();
    const release = gate();
    let finished = false;
    h.scheduler.registerTasks('slow', { run: async () => { await release.promise; finished = true; } });
    await h.scheduler.start();
    await h.scheduler.addJob({ id: 's', func: 'slow:run', trigger: 'date', run_date: h.at(1) });
    await h.clock.advance(1_000);
    const stopping = h.scheduler.shutdown({ wait: true });
    await h.settle();
    expect(finished).to.equal(false);
    release.open();
    await stopping;
    expect(finished).to.equal(true);
  });
});

describe('hostile job definitions', () => {
  it('refuses prototype keys, fake triggers and out-of-range numbers, storing nothing', async () => {
    const h = harness();
    const bad: unknown[] = [
      JSON.parse('{"id":"p","func":"t:record","trigger":"interval","seconds":1,"__proto__":{"x":1}}'),
      { id: 'c', func: 't:record', trigger: 'interval', seconds: 1, constructor: 1 },
      { id: 'f', func: 't:record', trigger: { getNextFireTime: 'x', toJSON: 'y' } },
      { id: 'm', func: 't:record', trigger: 'interval', minutes: 2 ** 53 },
      { id: 's', func: 't:record', trigger: 'interval', seconds: 1e300 },
      { id: 'j', func: 't:record', trigger: 'interval', seconds: 1, jitter: 1e308 },
      { id: 'd', func: 't:record', trigger: 'date', run_date: 8.64e15 },
      { id: 'y', func: 't:record', trigger: 'date', run_date: '+020000-01-01T00:00:00Z' },
    ];
    for (const def of bad) {
      await h.scheduler
        .addJob(def as never)
        .then(() => expect.fail(`accepted ${JSON.stringify(def)}`), (e) => expect(e, JSON.stringify(def)).to.be.instanceOf(ValidationError));
    }
    expect(await h.scheduler.getJobs()).to.deep.equal([]);
  });
});
