import { expect } from 'chai';
import { gate, harness } from '../helpers/harness.js';

const runTimesOf = (events: { kind: string }[], kind: string) =>
  events.filter((e) => e.kind === kind).map((e) => (e as { scheduledRunTime: Date }).scheduledRunTime);

describe('misfire_grace_time, coalesce and max_instances (APScheduler 3 rules)', () => {
  it('skips a run later than its grace time with job_missed, then keeps the schedule', async () => {
    const h = harness();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 10, misfire_grace_time: 2 });
    h.clock.jumpTo(h.at(15)); // the process was asleep at 10 s
    await h.scheduler.start();
    await h.settle();
    expect(runTimesOf(h.events, 'job_missed')).to.deep.equal([h.at(10)]);
    expect(h.calls).to.have.length(0);
    await h.clock.advance(5_000);
    expect(runTimesOf(h.events, 'job_executed')).to.deep.equal([h.at(20)]);
  });

  it('runs a late run that is within its grace time', async () => {
    const h = harness();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 10, misfire_grace_time: 30 });
    h.clock.jumpTo(h.at(25));
    await h.scheduler.start();
    await h.settle();
    expect(runTimesOf(h.events, 'job_executed')).to.deep.equal([h.at(20)]);
  });

  it('with coalesce, runs only the latest of several missed run times', async () => {
    const h = harness();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 10, misfire_grace_time: null, coalesce: true });
    h.clock.jumpTo(h.at(45));
    await h.scheduler.start();
    await h.settle();
    expect(runTimesOf(h.events, 'job_executed')).to.deep.equal([h.at(40)]);
    expect((await h.scheduler.getJob('j'))?.nextRunTime).to.deep.equal(h.at(50));
  });

  it('without coalesce, runs every missed run time that is within grace, in order', async () => {
    const h = harness();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 10, misfire_grace_time: 22, coalesce: false });
    h.clock.jumpTo(h.at(45));
    await h.scheduler.start();
    await h.settle();
    // The runs already past their grace time are skipped as one span, without being submitted.
    expect(h.kinds('job_missed')).to.deep.include({ kind: 'job_missed', jobId: 'j', jobstore: 'default', scheduledRunTime: h.at(20), missedRuns: 2, firstScheduledRunTime: h.at(10) });
    expect(runTimesOf(h.events, 'job_missed')).to.deep.equal([h.at(20)]);
    expect(runTimesOf(h.events, 'job_executed')).to.deep.equal([h.at(30), h.at(40)]);
    const submitted = h.kinds('job_submitted')[0] as { scheduledRunTimes: Date[] };
    expect(submitted.scheduledRunTimes).to.deep.equal([h.at(30), h.at(40)]);
  });

  it('with no grace limit (null), runs however late', async () => {
    const h = harness();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'date', run_date: h.at(1), misfire_grace_time: null });
    h.clock.jumpTo(h.at(86_400 * 30));
    await h.scheduler.start();
    await h.settle();
    expect(h.calls).to.have.length(1);
  });

  it('uses the job defaults: grace 1 s, coalesce on, one instance', async () => {
    const h = harness();
    const job = await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 10 });
    expect([job.misfireGraceTime, job.coalesce, job.maxInstances]).to.deep.equal([1, true, 1]);
    const custom = harness({ jobDefaults: { misfireGraceTime: 60, coalesce: false, maxInstances: 3 } });
    const other = await custom.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 10 });
    expect([other.misfireGraceTime, other.coalesce, other.maxInstances]).to.deep.equal([60, false, 3]);
  });

  it('skips a run with job_max_instances while max_instances runs are going, and still reschedules', async () => {
    const h = harness();
    const release = gate();
    let started = 0;
    h.scheduler.registerTasks('slow', { run: async () => { started++; await release.promise; } });
    await h.scheduler.start();
    await h.scheduler.addJob({ id: 'j', func: 'slow:run', trigger: 'interval', seconds: 1, max_instances: 2 });
    await h.clock.advance(4_000);
    expect(started).to.equal(2);
    const skipped = h.kinds('job_max_instances') as unknown as { scheduledRunTimes: Date[] }[];
    expect(skipped.map((e) => e.scheduledRunTimes[0])).to.deep.equal([h.at(3), h.at(4)]);
    expect((await h.scheduler.getJob('j'))?.nextRunTime).to.deep.equal(h.at(5));
    release.open();
    await h.clock.advance(1_000);
    expect(started).to.equal(3);
  });

  it('checks the grace time when a queued run finally starts (executor full)', async () => {
    const { AsyncExecutor } = await import('../../src/executors/async-executor.js');
    const h = harness({ executors: { default: new AsyncExecutor({ maxConcurrency: 1 }) } });
    const release = gate();
    h.scheduler.registerTasks('slow', { run: async () => release.promise });
    await h.scheduler.start();
    await h.scheduler.addJob({ id: 'blocker', func: 'slow:run', trigger: 'date', run_date: h.at(1) });
    await h.scheduler.addJob({ id: 'queued', func: 't:record', trigger: 'date', run_date: h.at(1), misfire_grace_time: 2 });
    await h.clock.advance(5_000);
    release.open();
    await h.settle();
    expect(h.kinds('job_missed').map((e) => (e as { jobId: string }).jobId)).to.deep.equal(['queued']);
    expect(h.calls).to.have.length(0);
  });
});
