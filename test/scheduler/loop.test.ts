import { expect } from 'chai';
import { harness } from '../helpers/harness.js';

describe('scheduler loop', () => {
  it('fires an interval job at each interval, with events carrying the run time', async () => {
    const h = harness();
    await h.scheduler.start();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 10 });
    await h.clock.advance(35_000);
    expect(h.calls.map((c) => c.at)).to.deep.equal([h.at(10), h.at(20), h.at(30)]);
    const executed = h.kinds('job_executed');
    expect(executed.map((e) => 'scheduledRunTime' in e && e.scheduledRunTime)).to.deep.equal([h.at(10), h.at(20), h.at(30)]);
    expect(h.kinds('job_submitted')).to.have.length(3);
    expect((await h.scheduler.getJob('j'))?.nextRunTime).to.deep.equal(h.at(40));
  });

  it('sleeps on one timer until the earliest job, without polling', async () => {
    const h = harness();
    await h.scheduler.start();
    await h.scheduler.addJob({ id: 'late', func: 't:record', trigger: 'interval', hours: 1 });
    await h.scheduler.addJob({ id: 'soon', func: 't:record', trigger: 'interval', minutes: 1 });
    await h.settle();
    expect(h.clock.pendingTimers).to.equal(1);
    expect(h.clock.nextTimerAt).to.deep.equal(h.at(60));
  });

  it('wakes early for a job added while it sleeps, and fires it on time', async () => {
    const h = harness();
    await h.scheduler.start();
    await h.scheduler.addJob({ id: 'far', func: 't:record', trigger: 'interval', hours: 1 });
    await h.clock.advance(5_000);
    await h.scheduler.addJob({ id: 'near', func: 't:record', trigger: 'date', run_date: h.at(7) });
    await h.clock.advance(2_000);
    expect(h.calls).to.have.length(1);
    expect(h.calls[0]?.at).to.deep.equal(h.at(7));
  });

  it('wakes early when a job is modified to fire sooner', async () => {
    const h = harness();
    await h.scheduler.start();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', hours: 1 });
    await h.clock.advance(1_000);
    await h.scheduler.modifyJob('j', { seconds: 2 });
    await h.clock.advance(2_000);
    expect(h.calls.map((c) => c.at)).to.deep.equal([h.at(3)]);
  });

  it('calls a task as fn(...args, kwargs), sync or async, and removes a finished date job', async () => {
    const h = harness();
    const seen: unknown[][] = [];
    h.scheduler.registerTasks('m', {
      sync: (...a: unknown[]) => void seen.push(a),
      async: async (...a: unknown[]) => void seen.push(a),
    });
    await h.scheduler.start();
    await h.scheduler.addJob({ id: 'a', func: 'm:sync', trigger: 'date', run_date: h.at(1), args: [1, 'x'], kwargs: { k: true } });
    await h.scheduler.addJob({ id: 'b', func: 'm:async', trigger: 'date', run_date: h.at(1) });
    await h.clock.advance(1_000);
    expect(seen).to.deep.equal([[1, 'x', { k: true }], [{}]]);
    expect(await h.scheduler.getJobs()).to.deep.equal([]);
    expect(h.kinds('job_removed').map((e) => 'jobId' in e && e.jobId)).to.deep.equal(['a', 'b']);
  });

  it('keeps running after a task throws, reporting job_error with the error', async () => {
    const h = harness();
    await h.scheduler.start();
    await h.scheduler.addJob({ id: 'bad', func: 't:fail', trigger: 'interval', seconds: 1 });
    await h.scheduler.addJob({ id: 'good', func: 't:record', trigger: 'interval', seconds: 1 });
    await h.clock.advance(3_000);
    const errors = h.kinds('job_error');
    expect(errors).to.have.length(3);
    expect(errors[0] && 'exception' in errors[0] && errors[0].exception?.message).to.equal('task failed on purpose');
    expect(h.calls).to.have.length(3);
  });

  it('keeps running when an event listener throws', async () => {
    const h = harness();
    h.scheduler.on('job_executed', () => {
      throw new Error('listener bug');
    });
    await h.scheduler.start();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 1 });
    await h.clock.advance(3_000);
    expect(h.calls).to.have.length(3);
  });

  it('emits lifecycle events for start, pause, resume and shutdown', async () => {
    const h = harness();
    await h.scheduler.start();
    h.scheduler.pause();
    h.scheduler.resume();
    await h.scheduler.shutdown();
    expect(h.events.map((e) => e.kind)).to.deep.equal([
      'scheduler_started',
      'scheduler_paused',
      'scheduler_resumed',
      'scheduler_shutdown',
    ]);
  });

  it('emits job_added, job_modified and job_removed', async () => {
    const h = harness();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 5 });
    await h.scheduler.modifyJob('j', { name: 'renamed' });
    await h.scheduler.removeJob('j');
    expect(h.events.map((e) => e.kind)).to.deep.equal(['job_added', 'job_modified', 'job_removed']);
  });

  it('does not drift: fire times stay on the grid even when the loop runs late', async () => {
    const h = harness();
    await h.scheduler.start();
    await h.scheduler.addJob({ id: 'j', func: 't:record', trigger: 'interval', seconds: 10, misfire_grace_time: 5 });
    h.scheduler.pause();
    await h.clock.advance(13_000);
    h.scheduler.resume();
    await h.clock.advance(20_000);
    const runTimes = h.kinds('job_executed').map((e) => 'scheduledRunTime' in e && e.scheduledRunTime);
    expect(runTimes).to.deep.equal([h.at(10), h.at(20), h.at(30)]);
  });
});
