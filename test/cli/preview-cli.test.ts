import { expect } from 'chai';
import { buildOnce, runCli } from './cli-harness.js';

// `jobclock preview` runs offline (no server): known sequences, the job-body validation, exit codes.

describe('jobclock preview (offline fire times)', function () {
  this.timeout(60_000);

  before(async function () {
    this.timeout(240_000);
    await buildOnce();
  });

  it('walks a crontab line in Europe/Paris across the spring DST gap (the missing 02:30 is skipped)', async () => {
    const result = await runCli(['preview', '30 2 * * *', '--tz', 'Europe/Paris', '--from', '2026-03-27T00:00:00Z', '--count', '4']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal(['2026-03-27T02:30:00+01:00', '2026-03-28T02:30:00+01:00', '2026-03-30T02:30:00+02:00', '2026-03-31T02:30:00+02:00', ''].join('\n'));
  });

  it('fires a repeated autumn wall time once, at its later occurrence, and prints JSON with --json', async () => {
    const result = await runCli(['preview', '30 2 * * *', '--tz', 'Europe/Paris', '--from', '2026-10-24T12:00:00Z', '--count', '2', '--json']);
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.equal({ fire_times: ['2026-10-25T02:30:00+01:00', '2026-10-26T02:30:00+01:00'] });
  });

  it('takes the trigger part of a job body with --trigger (interval with a start date, cron keywords)', async () => {
    const interval = await runCli(['preview', '--trigger', '{"trigger": "interval", "hours": 36, "start_date": "2026-01-01T00:00:00Z"}', '--from', '2026-01-01T00:00:00Z', '--count', '3']);
    expect(interval.stdout.trim().split('\n')).to.deep.equal(['2026-01-01T00:00:00+00:00', '2026-01-02T12:00:00+00:00', '2026-01-04T00:00:00+00:00']);
    const cron = await runCli(['preview', '--trigger', '{"trigger": "cron", "day": "last", "hour": 18, "timezone": "America/New_York"}', '--from', '2026-01-15T00:00:00Z', '--count', '2']);
    expect(cron.stdout.trim().split('\n')).to.deep.equal(['2026-01-31T18:00:00-05:00', '2026-02-28T18:00:00-05:00']);
  });

  it('prints [] for a trigger that never fires again (a cron past its end date)', async () => {
    const result = await runCli(['preview', '--trigger', '{"trigger": "cron", "hour": 1, "end_date": "2020-01-01T00:00:00Z"}', '--from', '2026-01-01T00:00:00Z', '--json']);
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.equal({ fire_times: [] });
  });

  it('exits 2 with the job-body validation message on a bad trigger, count, zone or usage', async () => {
    const cases: [string[], RegExp][] = [
      [['preview', '--trigger', '{"trigger": "interval", "secnds": 5}'], /Unknown option "secnds" for the interval trigger/],
      [['preview', '--trigger', '{"minutes": 5}'], /trigger is required/],
      [['preview', '--trigger', '{"trigger": "weekly"}'], /Unknown trigger "weekly"/],
      [['preview', '61 * * * *'], /crontab|minute/i],
      [['preview', '* * * * *', '--count', '0'], /count must be an integer from 1 to 1000/],
      [['preview', '* * * * *', '--tz', 'Mars/Olympus'], /time zone|timezone/i],
      [['preview'], /a crontab line or --trigger/],
      [['preview', '* * * * *', '--trigger', '{"trigger": "date"}'], /one of them/],
      [['preview', '--trigger', '{oops'], /--trigger is not JSON/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(2);
      expect(result.stderr, args.join(' ')).to.match(message);
      expect(result.stdout, args.join(' ')).to.equal('');
    }
  });
});
