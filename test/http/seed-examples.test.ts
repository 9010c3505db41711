import { expect } from 'chai';
import os from 'node:os';
import { startTestServer, type TestServer } from './http-harness.js';

// Flask-APScheduler's curl examples (the REST contract), sent as written: same methods, headers
// and bodies (newlines included), against the server with its bundled example tasks, at /scheduler.

const JSON_HEADER = { 'Content-Type': 'application/json' };

describe('the REST contract\'s curl examples, verbatim', function () {
  this.timeout(120_000);
  let t: TestServer;
  let base: string;
  const curl = async (method: string, url: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url.replace('http://localhost:5000', base), { method, headers, body });
    const text = await res.text();
    return { status: res.status, text, json: text ? (JSON.parse(text)) : undefined };
  };

  before(async () => {
    t = await startTestServer('sqlite');
    base = t.server.url;
    expect(t.config.api.prefix).to.equal('/scheduler');
  });

  after(async () => {
    await t.stop();
  });

  it('Scheduler Management Requests', async () => {
    // curl http://localhost:5000/scheduler
    const info = await curl('GET', 'http://localhost:5000/scheduler');
    expect(info.status).to.equal(200);
    expect(info.json).to.deep.include({ current_host: os.hostname(), allowed_hosts: ['*'], running: true });
    // curl -X POST http://localhost:5000/scheduler/start (already started, as after scheduler.start() in the example app)
    expect((await curl('POST', 'http://localhost:5000/scheduler/start')).status).to.equal(400);
    // curl -X POST http://localhost:5000/scheduler/pause
    expect((await curl('POST', 'http://localhost:5000/scheduler/pause')).status).to.equal(204);
    // curl -X POST http://localhost:5000/scheduler/resume
    expect((await curl('POST', 'http://localhost:5000/scheduler/resume')).status).to.equal(204);
    // curl -X POST http://localhost:5000/scheduler/shutdown -H "Content-Type: application/json" -d '{"wait": true}'
    const shutdown = await curl('POST', 'http://localhost:5000/scheduler/shutdown', '{"wait": true}', JSON_HEADER);
    expect(shutdown.status).to.equal(204);
    expect((await curl('GET', 'http://localhost:5000/scheduler')).json.running).to.equal(false);
    // curl -X POST http://localhost:5000/scheduler/start
    expect((await curl('POST', 'http://localhost:5000/scheduler/start')).status).to.equal(204);
    expect((await curl('GET', 'http://localhost:5000/scheduler')).json.running).to.equal(true);
  });

  it('Job Management and Job Control Requests', async () => {
    const added = await curl(
      'POST',
      'http://localhost:5000/scheduler/jobs',
      `{
    "id": "test_job",
    "func": "mymodule:my_function", 
    "trigger": "interval",
    "seconds": 30,
    "name": "Test Job"
  }`,
      JSON_HEADER,
    );
    expect(added.status).to.equal(200);
    expect(added.json).to.include({ id: 'test_job', name: 'Test Job', func: 'mymodule:my_function', trigger: 'interval', seconds: 30 });
    expect(added.json).to.have.property('next_run_time').that.is.a('string');
    expect(added.json).to.include.keys('args', 'kwargs', 'misfire_grace_time', 'max_instances');

    // curl http://localhost:5000/scheduler/jobs
    const all = await curl('GET', 'http://localhost:5000/scheduler/jobs');
    expect(all.status).to.equal(200);
    expect(all.json.map((j: { id: string }) => j.id)).to.deep.equal(['test_job']);
    // curl http://localhost:5000/scheduler/jobs/test_job
    const one = await curl('GET', 'http://localhost:5000/scheduler/jobs/test_job');
    expect(one.status).to.equal(200);
    expect(one.json).to.deep.equal(added.json);
    // curl -X PATCH http://localhost:5000/scheduler/jobs/test_job -H "Content-Type: application/json" -d '{"seconds": 60}'
    const patched = await curl('PATCH', 'http://localhost:5000/scheduler/jobs/test_job', '{"seconds": 60}', JSON_HEADER);
    expect(patched.status).to.equal(200);
    expect(patched.json).to.include({ id: 'test_job', trigger: 'interval', seconds: 60, name: 'Test Job' });

    // curl -X POST http://localhost:5000/scheduler/jobs/test_job/pause
    const paused = await curl('POST', 'http://localhost:5000/scheduler/jobs/test_job/pause');
    expect(paused.status).to.equal(200);
    expect(paused.json.next_run_time).to.equal(null);
    // curl -X POST http://localhost:5000/scheduler/jobs/test_job/resume
    const resumed = await curl('POST', 'http://localhost:5000/scheduler/jobs/test_job/resume');
    expect(resumed.status).to.equal(200);
    expect(resumed.json.next_run_time).to.be.a('string');
    // curl -X POST http://localhost:5000/scheduler/jobs/test_job/run
    const ran = await curl('POST', 'http://localhost:5000/scheduler/jobs/test_job/run');
    expect(ran.status).to.equal(200);
    expect(ran.json.id).to.equal('test_job');

    // curl -X DELETE http://localhost:5000/scheduler/jobs/test_job
    const deleted = await curl('DELETE', 'http://localhost:5000/scheduler/jobs/test_job');
    expect(deleted.status).to.equal(204);
    expect(deleted.text).to.equal('');
    expect((await curl('GET', 'http://localhost:5000/scheduler/jobs/test_job')).status).to.equal(404);
  });

  it('Advanced Job Creation: the cron job and the date job', async () => {
    const cron = await curl(
      'POST',
      'http://localhost:5000/scheduler/jobs',
      `{
    "id": "daily_task",
    "func": "tasks:daily_cleanup",
    "trigger": "cron",
    "hour": 2,
    "minute": 0,
    "name": "Daily Cleanup Task",
    "misfire_grace_time": 300
  }`,
      JSON_HEADER,
    );
    expect(cron.status, cron.text).to.equal(200);
    expect(cron.json).to.include({ id: 'daily_task', func: 'tasks:daily_cleanup', trigger: 'cron', name: 'Daily Cleanup Task', misfire_grace_time: 300 });
    expect(String(cron.json.hour)).to.equal('2');
    expect(String(cron.json.minute)).to.equal('0');
    const next = new Date(cron.json.next_run_time);
    expect([next.getUTCHours(), next.getUTCMinutes(), next.getUTCSeconds()]).to.deep.equal([2, 0, 0]);

    const date = await curl(
      'POST',
      'http://localhost:5000/scheduler/jobs',
      `{
    "id": "delayed_task",
    "func": "tasks:process_data",
    "trigger": "date", 
    "run_date": "2024-12-25T10:00:00",
    "args": ["data.json"],
    "kwargs": {"format": "json"}
  }`,
      JSON_HEADER,
    );
    expect(date.status, date.text).to.equal(200);
    expect(date.json).to.include({ id: 'delayed_task', func: 'tasks:process_data', trigger: 'date' });
    expect(date.json.args).to.deep.equal(['data.json']);
    expect(date.json.kwargs).to.deep.equal({ format: 'json' });
    expect(Date.parse(date.json.run_date)).to.equal(Date.parse('2024-12-25T10:00:00Z'));

    // The date job's task, called as the scheduler calls it: process_data("data.json", {format: "json"}).
    await curl('POST', 'http://localhost:5000/scheduler/shutdown');
    const check = await curl('POST', 'http://localhost:5000/scheduler/jobs', JSON.stringify({ id: 'probe', func: 'tasks:process_data', trigger: 'date', run_date: '2099-01-01T00:00:00', args: ['data.json'], kwargs: { format: 'json' } }), JSON_HEADER);
    expect(check.status).to.equal(200);
    expect((await curl('POST', 'http://localhost:5000/scheduler/jobs/probe/run')).status).to.equal(200);
  });
});
