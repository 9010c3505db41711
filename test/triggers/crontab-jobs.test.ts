import { expect } from 'chai';
import { ValidationError } from '../../src/errors.js';
import { harness } from '../helpers/harness.js';

describe('crontab jobs from code: task() and addJob', () => {
  it('task() and addJob take a crontab line; the job fires on it and a bad line throws ValidationError', async () => {
    const h = harness(); // clock at 2030-01-01T00:00:00Z, a Tuesday
    const job = await h.scheduler.task({ id: 'fri', trigger: 'cron', crontab: '0 0 13 * FRI' }, () => 'ok');
    expect(job.trigger.toJSON()).to.deep.equal({ trigger: 'cron', crontab: '0 0 13 * FRI', timezone: 'UTC' });
    expect(job.nextRunTime?.toISOString()).to.equal('2030-01-04T00:00:00.000Z'); // Friday, before the 13th
    let failure: unknown;
    try {
      await h.scheduler.addJob({ id: 'bad', func: 'task:fri', trigger: 'cron', crontab: '0 0 * * 8' });
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(ValidationError);
    expect((await h.scheduler.getJobs()).map((j) => j.id)).to.deep.equal(['fri']);
  });
});
