import { expect } from 'chai';
import { AsyncExecutor } from '../../src/executors/async-executor.js';
import { MemoryJobStore } from '../../src/stores/memory.js';
import { harness } from '../helpers/harness.js';

describe('burst of due jobs', () => {
  it('runs every job of a burst larger than many batches once, with its history, events and store state', async () => {
    const store = new MemoryJobStore();
    // Small batches and two slots: the wake loop waits for the executor between batches many times.
    const h = harness({ batchSize: 4, jobstores: { default: store }, executors: { default: new AsyncExecutor({ maxConcurrency: 2 }) } });
    await h.scheduler.start();
    const ids = Array.from({ length: 50 }, (_, i) => `once-${i}`);
    for (const id of ids) await h.scheduler.addJob({ id, func: 't:record', trigger: 'date', run_date: h.at(1), args: [id] });
    // Interval jobs in the same burst are rescheduled, not removed.
    for (let i = 0; i < 10; i++) await h.scheduler.addJob({ id: `every-${i}`, func: 't:record', trigger: 'interval', seconds: 60, start_date: h.at(1), args: [i] });
    await h.clock.advance(1000);
    for (let round = 0; round < 50 && h.calls.length < 60; round++) await h.settle();
    expect(h.calls).to.have.length(60);
    expect(new Set(h.calls.map((call) => call.args[0]))).to.have.property('size', 60);
    expect(h.kinds('job_executed')).to.have.length(60);
    expect(h.kinds('job_removed')).to.have.length(50);
    await h.scheduler.shutdown({ wait: true });
    for (const id of ids) {
      expect(await store.lookupJob(id)).to.equal(null);
      expect((await store.runHistory.getRuns(id)).map((run) => run.status)).to.deep.equal(['ok']);
    }
    for (let i = 0; i < 10; i++) expect((await store.lookupJob(`every-${i}`))?.nextRunTime).to.deep.equal(h.at(61));
  });
});
