import { expect } from 'chai';
import { ValidationError } from '../../src/errors.js';
import { parseJobDefinition, type DefinitionContext } from '../../src/jobs/job-definition.js';
import { TaskRegistry } from '../../src/tasks/task-registry.js';

const tasks = new TaskRegistry();
tasks.register('m', { f: () => 1 });
const context: DefinitionContext = {
  tasks,
  defaults: { misfireGraceTime: 1, coalesce: true, maxInstances: 1 },
  timezone: 'UTC',
  now: new Date('2030-01-01T00:00:00Z'),
  jobstores: ['default'],
  executors: ['default'],
};

/** The schema behind the types checks REST bodies and code alike; its errors name the field. */
describe('job definition errors from the schema', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ trigger: 'interval', secnds: 5 }, /^Unknown option "secnds" for the interval trigger \(accepted: weeks, days, hours, minutes, seconds,/],
    [{ trigger: 'cron', hour: 2, minutes: 5 }, /^Unknown option "minutes" for the cron trigger/],
    [{ trigger: 'interval', seconds: '5' }, /^seconds must be a non-negative number, got "5"$/],
    [{ trigger: 'cron', hour: true }, /^Invalid cron field "hour": expected an expression string or a number, got true$/],
    [{ trigger: 'cron', hour: 1, jitter: 'x' }, /^jitter must be a number of seconds or null, got "x"$/],
    [{ trigger: 'cron', hour: 1, timezone: 5 }, /^timezone must be an IANA time zone name such as "Europe\/London", got 5$/],
    [{ trigger: 'date', run_date: {} }, /^run_date must be an ISO 8601 date string, a Date or epoch milliseconds, got an object$/],
    [{ trigger: 'date' }, /^run_date is required$/],
    [{ trigger: 'weekly' }, /^Unknown trigger "weekly": expected one of "date", "interval", "cron"$/],
    [{ max_instances: 0 }, /^max_instances must be a whole number from 1 to 1000000, got 0$/],
    [{ coalesce: 'yes' }, /^coalesce must be true or false, got "yes"$/],
    [{ id: 'a/b' }, /^id must not contain "\/" or control characters$/],
    [{ func: undefined }, /^func is required \("module:function"\)$/],
  ];
  for (const [extra, message] of cases) {
    it(`rejects ${JSON.stringify(extra)}`, () => {
      expect(() => parseJobDefinition({ id: 'x', func: 'm:f', ...extra }, context)).to.throw(ValidationError, message);
    });
  }

  it('accepts one definition of each trigger kind', () => {
    for (const def of [
      { func: 'm:f', trigger: 'date', run_date: '2030-02-01T00:00:00Z' },
      { func: 'm:f', trigger: 'interval', minutes: 5 },
      { func: 'm:f', trigger: 'cron', hour: 2, minute: '*/15' },
      { func: 'm:f' },
    ]) {
      expect(parseJobDefinition(def, context).job.trigger.kind).to.be.oneOf(['date', 'interval', 'cron']);
    }
  });
});
