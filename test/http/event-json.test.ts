import { expect } from 'chai';
import { eventToJSON, retvalJSONText } from '../../src/http/event-json.js';

describe('eventToJSON (the data of GET {prefix}/events)', () => {
  const scheduledRunTime = new Date('2030-01-01T00:00:00.000Z');

  it('has snake_case keys, ISO dates, and an error as its message and type', () => {
    const exception = new TypeError('boom');
    expect(eventToJSON({ kind: 'job_error', jobId: 'j', jobstore: 'default', scheduledRunTime, startedAt: scheduledRunTime, exception })).to.deep.equal({
      kind: 'job_error',
      job_id: 'j',
      jobstore: 'default',
      scheduled_run_time: '2030-01-01T00:00:00.000Z',
      started_at: '2030-01-01T00:00:00.000Z',
      exception: 'boom',
      exception_type: 'TypeError',
    });
    expect(eventToJSON({ kind: 'job_submitted', jobId: 'j', jobstore: 'default', scheduledRunTimes: [scheduledRunTime] }).scheduled_run_times).to.deep.equal([
      '2030-01-01T00:00:00.000Z',
    ]);
  });

  it('carries a return value as JSON when it is one, and says what it was otherwise', () => {
    const retval = (value: unknown) => eventToJSON({ kind: 'job_executed', jobId: 'j', jobstore: 'default', scheduledRunTime, startedAt: scheduledRunTime, retval: value }).retval;
    expect(retval({ rows: [1, 2] })).to.deep.equal({ rows: [1, 2] });
    expect(retval(undefined)).to.equal(null);
    expect(retval(10n)).to.equal('10');
    expect(retval('x'.repeat(10_000))).to.equal('(10002 characters of JSON, not shown)');
    // As JSON would give them back.
    for (const value of [0, -1.5, 1e300, true, false, 'a "quoted" \ud800 text', null]) expect(retval(value)).to.deep.equal(JSON.parse(JSON.stringify(value)));
    expect([NaN, Infinity, -Infinity].map(retval)).to.deep.equal([null, null, null]);
  });

  it('gives the event stream the same return value as text (taken once, framed later)', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const values = [{ rows: [1, 2] }, undefined, 10n, 'x'.repeat(10_000), 'a "quoted" \ud800 text', cycle, () => 1, Symbol('s'), [undefined, () => 1], 0, NaN, true, null];
    for (const value of values) {
      const json = eventToJSON({ kind: 'job_executed', jobId: 'j', jobstore: 'default', scheduledRunTime, startedAt: scheduledRunTime, retval: value });
      expect(JSON.parse(retvalJSONText(value)), String(typeof value)).to.deep.equal(json.retval);
    }
  });
});
