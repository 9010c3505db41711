import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { currentJob, runAsJob } from '../../src/tasks/current-job.js';
import { gate } from '../helpers/harness.js';

const job = (id: string) => ({ id, scheduledRunTime: new Date(Date.UTC(2030, 0, 1)) });
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('currentJob()', () => {
  it('is the run’s job in a synchronous task, and undefined once it returned', () => {
    expect(runAsJob(job('sync'), () => currentJob()?.id)).to.equal('sync');
    expect(currentJob()).to.equal(undefined);
  });

  it('is the run’s job across the awaits of an async task, until its promise settles', async () => {
    const seen = await runAsJob(job('async'), async () => {
      const ids = [currentJob()?.id];
      await turn();
      ids.push(currentJob()?.id);
      await new Promise((resolve) => setTimeout(resolve, 1));
      ids.push(currentJob()?.id);
      return ids;
    });
    expect(seen).to.deep.equal(['async', 'async', 'async']);
    expect(currentJob()).to.equal(undefined);
  });

  it('keeps each overlapping run’s own job when another run ends first', async () => {
    const release = gate();
    const long = runAsJob(job('long'), async () => {
      await release.promise;
      await turn();
      return currentJob()?.id;
    });
    const short = await runAsJob(job('short'), async () => {
      await turn();
      return currentJob()?.id;
    });
    expect(runAsJob(job('sync'), () => currentJob()?.id)).to.equal('sync');
    release.open();
    expect([short, await long]).to.deep.equal(['short', 'long']);
  });

  it('ends the run when the task throws or its promise rejects', async () => {
    expect(() => runAsJob(job('throws'), () => { throw new Error('sync failure'); })).to.throw('sync failure');
    await runAsJob(job('rejects'), () => Promise.reject(new Error('async failure'))).then(
      () => expect.fail('resolved'),
      (error: Error) => expect(error.message).to.equal('async failure'),
    );
    // A later run still gets its job: the count of runs in progress came back to zero, not below.
    expect(await runAsJob(job('after'), async () => { await turn(); return currentJob()?.id; })).to.equal('after');
  });

  it('is undefined in work a task left going after its run ended, once no run is in progress', () => {
    // In a process of its own: in this one, another suite may have left a task running for good.
    const output = execFileSync(process.execPath, ['--import', 'tsx', 'test/fixtures/detached-current-job.ts'], { encoding: 'utf8' });
    // The storage is off while no run is in progress: the promise hooks it needs cost every promise.
    expect(JSON.parse(output)).to.deep.equal({ seen: null });
  });
});
