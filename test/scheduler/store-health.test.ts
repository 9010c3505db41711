import { expect } from 'chai';
import { ManualClock } from '../../src/clock/clock.js';
import { JobStoreUnavailableError } from '../../src/errors.js';
import type { Job } from '../../src/jobs/job.js';
import type { JobExecutionEvent } from '../../src/scheduler/events.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { AcquiredJob, JobAdvance, JobPage } from '../../src/stores/job-store.js';
import { MemoryJobStore } from '../../src/stores/memory.js';
import { recordingLogger } from '../http/http-harness.js';
import { BASE_TIME, at } from '../stores/job-fixtures.js';

/** A memory store whose every call fails at the connection level while `down`. */
class OutageStore extends MemoryJobStore {
  down = false;

  private check(): void {
    if (this.down) throw new JobStoreUnavailableError('connect ECONNREFUSED 127.0.0.1:5432');
  }

  override async addJob(job: Job, options?: { readonly replaceExisting?: boolean }): Promise<void> {
    this.check();
    return super.addJob(job, options);
  }

  override async lookupJob(id: string): Promise<Job | null> {
    this.check();
    return super.lookupJob(id);
  }

  override async getJobs(page?: JobPage): Promise<Job[]> {
    this.check();
    return super.getJobs(page);
  }

  override async getNextRunTime(): Promise<Date | null> {
    this.check();
    return super.getNextRunTime();
  }

  override async acquireDueJobs(now: Date, limit: number, advance: (job: Job) => JobAdvance): Promise<AcquiredJob[]> {
    this.check();
    return super.acquireDueJobs(now, limit, advance);
  }
}

describe('store health: a store that becomes unreachable under a running scheduler', () => {
  it('shows unreachable, logs one line without a stack, backs off, and on recovery logs once and coalesces the missed runs', async () => {
    const clock = new ManualClock(BASE_TIME);
    const store = new OutageStore();
    const log = recordingLogger();
    const scheduler = new Scheduler({ jobstores: { default: store }, clock, logger: log.logger });
    const executed: Date[] = [];
    scheduler.on('job_executed', (event: JobExecutionEvent) => void executed.push(event.scheduledRunTime));
    scheduler.registerTasks('t', { tick: () => 'tock' });
    await scheduler.addJob({ id: 'tick', func: 't:tick', trigger: 'interval', seconds: 1, coalesce: true, misfire_grace_time: 30 });
    await scheduler.start();
    await clock.advance(3_000);
    expect(executed).to.deep.equal([at(1), at(2), at(3)]);
    expect(scheduler.storeStatus().default).to.include({ state: 'ok', since: null, lastError: null });

    store.down = true;
    await clock.advance(10_000);
    const status = scheduler.storeStatus().default!;
    expect(status).to.include({ state: 'unreachable', lastError: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(status.since).to.deep.equal(at(4));
    // Retries at 4.5, 5.5, 7.5, 11.5 s (0.5 s doubling), none of them logged.
    expect(clock.nextTimerAt).to.deep.equal(at(19.5));
    const error = await scheduler.addJob({ id: 'other', func: 't:tick', trigger: 'interval', seconds: 5 }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(JobStoreUnavailableError);
    expect((error as JobStoreUnavailableError).storeAlias).to.equal('default');
    expect((error as JobStoreUnavailableError).retryAfterSeconds).to.equal(8);
    expect(log.lines.map((line) => line.text)).to.deep.equal([
      'Job store "default" is unreachable: connect ECONNREFUSED 127.0.0.1:5432; retrying with backoff (up to 30 s)',
    ]);

    store.down = false;
    await clock.advance(7_000);
    expect(scheduler.storeStatus().default).to.include({ state: 'ok', lastError: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(scheduler.storeStatus().default?.since).to.deep.equal(at(19.5));
    expect(log.lines.slice(1).map((line) => line.text)).to.deep.equal(['Job store "default" is back after 15.5 s']);
    // The run times 4 … 19 fell due while the store was away: coalesced into one run of the latest.
    expect(executed).to.deep.equal([at(1), at(2), at(3), at(19), at(20)]);
    await scheduler.close();
  });

  it('logs other store errors (bugs) with their stack once, then a line per retry while the same error repeats', async () => {
    const clock = new ManualClock(BASE_TIME);
    const store = new OutageStore();
    store.acquireDueJobs = async () => {
      throw new TypeError('a bug');
    };
    const log = recordingLogger();
    const scheduler = new Scheduler({ jobstores: { default: store }, clock, logger: log.logger });
    scheduler.registerTasks('t', { tick: () => 'tock' });
    await scheduler.start();
    await clock.advance(1_600);
    const failures = log.lines.filter((line) => /^Processing due jobs failed/.test(line.text));
    expect(failures).to.have.length(3);
    expect(failures[0]!.text).to.match(/TypeError: a bug\n\s+at /);
    expect(failures.slice(1).map((line) => line.text)).to.deep.equal([
      'Processing due jobs failed again (2 times in a row: TypeError: a bug); retrying in 1000 ms',
      'Processing due jobs failed again (3 times in a row: TypeError: a bug); retrying in 2000 ms',
    ]);
    expect(scheduler.storeStatus().default?.state).to.equal('ok');
    await scheduler.close();
  });
});
