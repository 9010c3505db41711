import { expect } from 'chai';
import { jobFromState, stateOf, stateTextOf } from '../../src/jobs/job-state.js';
import { DateTrigger } from '../../src/triggers/date-trigger.js';
import type { Job } from '../../src/jobs/job.js';
import { IntervalTrigger } from '../../src/triggers/interval-trigger.js';

// Stores keep `stateOf(job)` as JSON and read it back with `jobFromState`. Reads of an unchanged
// row share what was read the first time (the trigger, immutable, and the strings); each read gets
// its own arguments.

const job: Job = {
  id: 'nightly',
  name: 'nightly',
  func: 'reports:nightly',
  trigger: new IntervalTrigger({ hours: 6, start_date: '2030-01-01T00:00:00Z', timezone: 'Europe/Paris' }),
  args: [1, { deep: true }],
  kwargs: { to: ['ops'] },
  executor: 'default',
  misfireGraceTime: 30,
  coalesce: true,
  maxInstances: 2,
  nextRunTime: new Date('2030-01-01T06:00:00Z'),
};

describe('job state (what stores write and read back)', () => {
  it('reads back the job it was written from', () => {
    const read = jobFromState(job.id, job.nextRunTime, JSON.stringify(stateOf(job)));
    expect(read).to.deep.include({ ...job, trigger: read.trigger });
    expect(read.trigger.toJSON()).to.deep.equal(job.trigger.toJSON());
    expect(read.trigger.getNextFireTime(null, new Date('2030-01-01T01:00:00Z'))).to.deep.equal(new Date('2030-01-01T06:00:00Z'));
  });

  it('shares the trigger between reads of the same stored text, never the arguments', () => {
    const text = JSON.stringify(stateOf(job));
    const first = jobFromState(job.id, job.nextRunTime, text);
    const second = jobFromState(job.id, new Date('2030-01-01T12:00:00Z'), text);
    expect(second.trigger).to.equal(first.trigger);
    expect(second.nextRunTime).to.deep.equal(new Date('2030-01-01T12:00:00Z'));
    expect(second.args).to.deep.equal(first.args);
    expect(second.args).to.not.equal(first.args);
    expect(second.kwargs).to.deep.equal(first.kwargs);
    expect(second.kwargs).to.not.equal(first.kwargs);
  });

  it('rebuilds the trigger when the stored text changed', () => {
    const changed = { ...job, trigger: new IntervalTrigger({ hours: 7, start_date: '2030-01-01T00:00:00Z', timezone: 'Europe/Paris' }) };
    const before = jobFromState(job.id, job.nextRunTime, JSON.stringify(stateOf(job)));
    const after = jobFromState(job.id, job.nextRunTime, JSON.stringify(stateOf(changed)));
    expect(after.trigger).to.not.equal(before.trigger);
    expect(after.trigger.toJSON()).to.include({ hours: 7 });
  });

  it('gives each read the trigger of the text it read, as a job changes back and forth and another id holds the same text', () => {
    const changed = { ...job, trigger: new IntervalTrigger({ hours: 7, start_date: '2030-01-01T00:00:00Z', timezone: 'Europe/Paris' }) };
    const texts = [stateOf(job), stateOf(changed), stateOf(job), stateOf(job)].map((state) => JSON.stringify(state));
    expect(texts.map((text) => jobFromState(job.id, job.nextRunTime, text).trigger.toJSON().hours)).to.deep.equal([6, 7, 6, 6]);
    expect(jobFromState('other', job.nextRunTime, texts[1]!).trigger.toJSON().hours).to.equal(7);
    expect(jobFromState(job.id, job.nextRunTime, texts[0]!).trigger.toJSON().hours).to.equal(6);
  });

  it('reads the text of a one-off job written with stateTextOf as the job written, without rebuilding its trigger', () => {
    const once: Job = { ...job, id: 'once', trigger: new DateTrigger({ run_date: '2030-05-01T08:30:00', timezone: 'Europe/Paris' }), nextRunTime: new Date('2030-05-01T06:30:00Z') };
    const text = stateTextOf(once);
    expect(text).to.equal(JSON.stringify(stateOf(once)));
    const read = jobFromState(once.id, once.nextRunTime, text);
    expect(read.trigger).to.equal(once.trigger);
    expect(read).to.deep.include({ ...once, trigger: read.trigger });
    // The writer's arguments are not handed out: changing them after the write changes no read.
    expect(read.args).to.not.equal(once.args);
    expect(read.kwargs).to.not.equal(once.kwargs);
    // Another text under the id (a row changed by another process) is read from the text.
    const moved = JSON.stringify({ ...stateOf(once), trigger: { ...once.trigger.toJSON(), run_date: '2030-06-01T08:30:00' } });
    const other = jobFromState('once', new Date('2030-06-01T06:30:00Z'), moved);
    expect(other.trigger).to.not.equal(once.trigger);
    expect(other.trigger.toJSON().run_date).to.equal('2030-06-01T08:30:00+02:00');
  });

  it('does not share a one-off job first read from its text: a burst of them would only churn the shared rows', () => {
    const text = JSON.stringify(stateOf({ ...job, id: 'read-once', trigger: new DateTrigger({ run_date: '2030-05-01T08:30:00Z', timezone: 'UTC' }) }));
    expect(jobFromState('read-once', null, text).trigger).to.not.equal(jobFromState('read-once', null, text).trigger);
  });

  it('does not share a trigger stored without a start date: it would start at the instant it is read with', () => {
    const { start_date: _start, ...trigger } = job.trigger.toJSON();
    const text = JSON.stringify({ ...stateOf(job), trigger });
    const first = jobFromState(job.id, new Date('2030-01-01T06:00:00Z'), text);
    const second = jobFromState(job.id, new Date('2031-01-01T06:00:00Z'), text);
    expect(second.trigger).to.not.equal(first.trigger);
    expect((second.trigger as IntervalTrigger).startDate).to.not.deep.equal((first.trigger as IntervalTrigger).startDate);
  });

  it('gives each read of an unchanged row its own arguments: a task changing them changes no later read', () => {
    const text = JSON.stringify(stateOf({ ...job, id: 'mutated' }));
    const first = jobFromState('mutated', job.nextRunTime, text);
    (first.args as unknown[]).push('added by a task');
    ((first.args[1] as Record<string, unknown>).deep) = false;
    (first.kwargs as Record<string, unknown>).to = 'changed';
    const second = jobFromState('mutated', job.nextRunTime, text);
    expect(second.args).to.deep.equal([1, { deep: true }]);
    expect(second.kwargs).to.deep.equal({ to: ['ops'] });
    (second.kwargs.to as string[]).push('dev');
    expect(jobFromState('mutated', job.nextRunTime, text).kwargs).to.deep.equal({ to: ['ops'] });
  });

  it('keeps a "__proto__" key of stored arguments as a key on every read', () => {
    const text = JSON.stringify(stateOf({ ...job, id: 'proto' })).replace('"kwargs":{', '"kwargs":{"__proto__":{"polluted":true},');
    for (let read = 0; read < 2; read++) {
      const back = jobFromState('proto', job.nextRunTime, text);
      expect(Object.keys(back.kwargs)).to.include('__proto__');
      expect(Object.getPrototypeOf(back.kwargs)).to.equal(Object.prototype);
      expect((back.kwargs as { polluted?: unknown }).polluted).to.equal(undefined);
    }
  });

  it('shares a job state given as an object (PostgreSQL jsonb) as it shares text', () => {
    const state = stateOf({ ...job, id: 'jsonb' });
    const first = jobFromState('jsonb', job.nextRunTime, JSON.parse(JSON.stringify(state)));
    const second = jobFromState('jsonb', new Date('2030-01-02T00:00:00Z'), JSON.parse(JSON.stringify(state)));
    expect(second.trigger).to.equal(first.trigger);
    expect(second.nextRunTime).to.deep.equal(new Date('2030-01-02T00:00:00Z'));
    expect(second.kwargs).to.deep.equal(first.kwargs);
    expect(second.kwargs).to.not.equal(first.kwargs);
  });
});
