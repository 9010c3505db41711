import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { ServerProcess } from '../helpers/server-process.js';
import { buildOnce, runCli, serveCli } from './cli-harness.js';

// `jobclock serve` on a real SQLite store with Basic auth, and `jobclock jobs …` against it, both
// the built bin as child processes.

describe('jobclock jobs … against `jobclock serve` (SQLite, Basic auth)', function () {
  this.timeout(60_000);
  let dir: string;
  let server: ServerProcess;
  let api: string;
  const auth = ['--user', 'admin', '--password', 's3cret'];
  const job = { id: 'nightly', func: 'tasks:daily_cleanup', trigger: 'cron', hour: 3, minute: 0, timezone: 'Europe/Paris' };

  before(async function () {
    this.timeout(240_000); // a build on a busy machine
    await buildOnce();
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-cli-jobs-'));
    server = await serveCli({ SCHEDULER_STORE: `sqlite:${path.join(dir, 'jobs.sqlite')}`, SCHEDULER_BASIC_AUTH: 'admin:s3cret' });
    api = `${server.url}/scheduler`;
  });

  after(async () => {
    if (server) expect(await server.stop(), server.output()).to.equal(0);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('adds a job from --json, lists it, shows it, and prints the server JSON with --json', async () => {
    const added = await runCli(['jobs', 'add', '--url', api, ...auth, '--json', JSON.stringify(job)]);
    expect(added.code, added.stderr).to.equal(0);
    expect(JSON.parse(added.stdout)).to.include({ id: 'nightly', trigger: 'cron', hour: '3' });

    const listed = await runCli(['jobs', 'list', '--url', api, ...auth]);
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.stdout).to.match(/^nightly {2}cron {2}\d{4}-\d\d-\d\dT03:00:00\+0[12]:00 {2}nightly$/m);

    const shown = await runCli(['jobs', 'show', 'nightly', '--json', '--url', api, ...auth]);
    expect(JSON.parse(shown.stdout)).to.include({ id: 'nightly', func: 'tasks:daily_cleanup', timezone: 'Europe/Paris' });
  });

  it('reads the server and credentials from JOBCLOCK_URL, JOBCLOCK_USER and JOBCLOCK_PASSWORD', async () => {
    const env = { JOBCLOCK_URL: api, JOBCLOCK_USER: 'admin', JOBCLOCK_PASSWORD: 's3cret' };
    const listed = await runCli(['jobs', 'list', '--json'], { env });
    expect(listed.code, listed.stderr).to.equal(0);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((j) => j.id)).to.include('nightly');
  });

  it('adds a job from --file, pauses, resumes, runs and removes it', async () => {
    const file = path.join(dir, 'job.json');
    writeFileSync(file, JSON.stringify({ id: 'poll', func: 'examples:echo', trigger: 'interval', minutes: 10 }));
    const added = await runCli(['jobs', 'add', '--file', file, '--url', api, ...auth]);
    expect(added.code, added.stderr).to.equal(0);
    expect(added.stdout).to.match(/^added poll: next run \d{4}-/);

    const paused = await runCli(['jobs', 'pause', 'poll', '--json', '--url', api, ...auth]);
    expect(paused.code, paused.stderr).to.equal(0);
    expect(JSON.parse(paused.stdout)).to.include({ id: 'poll', next_run_time: null });

    const resumed = await runCli(['jobs', 'resume', 'poll', '--url', api, ...auth]);
    expect(resumed.stdout).to.match(/^resumed poll: next run \d{4}-/);

    const ran = await runCli(['jobs', 'run', 'poll', '--json', '--url', api, ...auth]);
    expect(ran.code, ran.stderr).to.equal(0);
    expect(JSON.parse(ran.stdout)).to.have.property('id', 'poll');

    const removed = await runCli(['jobs', 'remove', 'poll', '--url', api, ...auth]);
    expect(removed.code, removed.stderr).to.equal(0);
    expect(removed.stdout.trim()).to.equal('removed poll');
    const gone = await runCli(['jobs', 'show', 'poll', '--url', api, ...auth]);
    expect(gone.code).to.equal(1);
  });

  it('exits 1 with the server\'s error_message when the server refuses', async () => {
    const duplicate = await runCli(['jobs', 'add', '--url', api, ...auth, '--json', JSON.stringify(job)]);
    expect(duplicate.code).to.equal(1);
    expect(duplicate.stderr).to.match(/^jobclock: .*nightly/);
    expect(duplicate.stdout).to.equal('');

    const invalid = await runCli(['jobs', 'add', '--url', api, ...auth, '--json', '{"id": "typo", "func": "tasks:daily_cleanup", "trigger": "interval", "secnds": 5}']);
    expect(invalid.code).to.equal(1);
    expect(invalid.stderr).to.contain('Unknown option "secnds" for the interval trigger');

    const missing = await runCli(['jobs', 'pause', 'no-such-job', '--url', api, ...auth]);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain('no-such-job');
  });

  it('exits 1 on wrong or missing credentials, with the server\'s message', async () => {
    const wrong = await runCli(['jobs', 'list', '--url', api, '--user', 'admin', '--password', 'nope']);
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr).to.match(/^jobclock: \S/);
    const none = await runCli(['jobs', 'list', '--url', api]);
    expect(none.code).to.equal(1);
    expect(none.stderr).to.equal(wrong.stderr);
  });

  it('says clearly when no server answers (exit 1)', async () => {
    // A port the server has just given up: nothing listens there.
    const closed = await serveCli({ SCHEDULER_STORE: 'memory:' });
    await closed.stop();
    const result = await runCli(['jobs', 'list', '--url', `${closed.url}/scheduler`]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.equal(`jobclock: cannot reach the jobclock server at ${closed.url}/scheduler: ECONNREFUSED\n`);
  });

  it('exits 2 on bad usage: an unknown subcommand or option, a missing id, a body that is not JSON or missing', async () => {
    for (const args of [
      ['jobs', 'frobnicate'],
      ['jobs', 'list', '--no-such-option'],
      ['jobs', 'show'],
      ['jobs', 'add', '--url', api, '--json', '{not json'],
      ['jobs', 'add', '--url', api],
      ['jobs', 'list', '--url', 'ftp://example.com'],
    ]) {
      const result = await runCli(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(2);
      expect(result.stderr, args.join(' ')).to.not.equal('');
    }
  });

  it('answers --help on every subcommand with exit 0', async () => {
    for (const sub of ['list', 'show', 'add', 'remove', 'pause', 'resume', 'run']) {
      const help = await runCli(['jobs', sub, '--help']);
      expect(help.code, sub).to.equal(0);
      expect(help.stdout, sub).to.match(new RegExp(`^Usage: jobclock jobs ${sub}`)).and.contain('--url');
    }
  });
});
