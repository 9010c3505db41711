import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock, settle } from '../../src/clock/clock.js';
import type { SchedulerEvent } from '../../src/scheduler/events.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { T0 } from '../helpers/harness.js';

/** Schedules that survive a restart on a real SQLite file, with the misfire rules applied to what came due meanwhile. */
describe('restart on an SQLite file store', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-restart-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const boot = (clock: ManualClock) => {
    const scheduler = new Scheduler({ clock, logger: silentLogger, jobstores: { default: `sqlite:${path.join(dir, 'jobs.sqlite')}` } });
    const events: SchedulerEvent[] = [];
    const calls: Date[] = [];
    scheduler.on('*', (event) => events.push(event));
    scheduler.registerTasks('t', { record: () => void calls.push(clock.now()) });
    return { scheduler, events, calls };
  };
  const at = (s: number) => new Date(T0.getTime() + s * 1000);
  const runTimes = (events: SchedulerEvent[], kind: string) =>
    events.filter((e) => e.kind === kind).map((e) => (e as { scheduledRunTime: Date }).scheduledRunTime);

  it('keeps jobs and next run times, then applies grace and coalesce to the runs missed while down', async () => {
    const clock = new ManualClock(T0);
    const first = boot(clock);
    await first.scheduler.start();
    await first.scheduler.addJob({ id: 'coalesced', func: 't:record', trigger: 'interval', seconds: 10, misfire_grace_time: null });
    await first.scheduler.addJob({ id: 'each', func: 't:record', trigger: 'interval', seconds: 10, coalesce: false, misfire_grace_time: 15 });
    await first.scheduler.addJob({ id: 'strict', func: 't:record', trigger: 'interval', seconds: 10, misfire_grace_time: 1 });
    await first.scheduler.addJob({ id: 'paused', func: 't:record', trigger: 'interval', seconds: 10, next_run_time: null });
    await first.scheduler.close();

    clock.jumpTo(at(42)); // down from 0 s to 42 s: run times 10, 20, 30, 40 came due
    const second = boot(clock);
    const before = await second.scheduler.getJobs();
    expect(before.map((j) => [j.id, j.nextRunTime])).to.deep.equal([
      ['coalesced', at(10)],
      ['each', at(10)],
      ['paused', null],
      ['strict', at(10)],
    ]);
    await second.scheduler.start();
    await settle();
    const executed = second.events.filter((e) => e.kind === 'job_executed') as { jobId: string; scheduledRunTime: Date }[];
    expect(executed.filter((e) => e.jobId === 'coalesced').map((e) => e.scheduledRunTime)).to.deep.equal([at(40)]);
    expect(executed.filter((e) => e.jobId === 'each').map((e) => e.scheduledRunTime)).to.deep.equal([at(30), at(40)]);
    expect(runTimes(second.events.filter((e) => 'jobId' in e && e.jobId === 'each'), 'job_missed')).to.deep.equal([at(20)]); // one span: 10 s and 20 s
    expect(runTimes(second.events.filter((e) => 'jobId' in e && e.jobId === 'strict'), 'job_missed')).to.deep.equal([at(40)]);
    expect((await second.scheduler.getJob('strict'))?.nextRunTime).to.deep.equal(at(50));
    await second.scheduler.close();
  });
});
