import { expect } from 'chai';
import os from 'node:os';
import { startTestServer, type StoreKind, type TestServer } from './http-harness.js';

const JSON_TYPE = { 'Content-Type': 'application/json' };

for (const kind of ['sqlite', 'postgres'] as const satisfies readonly StoreKind[]) {
  describe(`REST API over HTTP (${kind} store)`, function () {
    this.timeout(120_000);
    let t: TestServer;

    beforeEach(async () => {
      t = await startTestServer(kind);
    });

    afterEach(async () => {
      await t.stop();
    });

    const addEcho = (id: string, extra: Record<string, unknown> = {}) =>
      t.call('POST', '/jobs', { id, func: 'examples:echo', trigger: 'interval', minutes: 5, ...extra });

    describe('scheduler', () => {
      it('GET {prefix} gives current_host, allowed_hosts and running', async () => {
        const r = await t.call('GET', '');
        expect(r.status).to.equal(200);
        expect(r.headers['content-type']).to.match(/^application\/json/);
        expect(r.json).to.deep.include({ current_host: os.hostname(), allowed_hosts: ['*'], running: true });
        expect(Object.keys(r.json)).to.deep.equal(['current_host', 'allowed_hosts', 'running', 'cluster', 'stores', 'timezone']);
        expect(r.json.cluster.node_id).to.be.a('string');
        expect(Object.values(r.json.stores)).to.deep.equal(['ok']);
      });

      it('pauses, resumes, shuts down and starts with 204 and empty bodies; 400 when the state forbids it', async () => {
        for (const [path, status, running] of [
          ['/pause', 204, true],
          ['/resume', 204, true],
          ['/start', 400, true],
          ['/shutdown', 204, false],
          ['/shutdown', 400, false],
          ['/pause', 400, false],
          ['/resume', 400, false],
          ['/start', 204, true],
        ] as const) {
          const r = await t.call('POST', path);
          expect(r.status, `POST ${path}`).to.equal(status);
          if (status === 204) expect(r.text).to.equal('');
          else expect(r.json.error_message).to.be.a('string').and.not.equal('');
          expect((await t.call('GET', '')).json.running, `after POST ${path}`).to.equal(running);
        }
        expect(t.server.scheduler.state).to.equal('running');
      });

      it('takes {"wait": false} on shutdown and {"paused": true} on start, and refuses other options', async () => {
        expect((await t.call('POST', '/shutdown', { wait: false })).status).to.equal(204);
        expect((await t.call('POST', '/start', { paused: true })).status).to.equal(204);
        expect(t.server.scheduler.state).to.equal('paused');
        expect((await t.call('POST', '/shutdown', { wait: 'yes' })).status).to.equal(400);
        expect((await t.call('POST', '/shutdown', { wiat: true })).status).to.equal(400);
        expect((await t.call('POST', '/pause', { now: true })).status).to.equal(400);
        expect((await t.call('POST', '/pause', [])).status).to.equal(400);
        expect(t.server.scheduler.state).to.equal('paused');
      });

      it('accepts empty bodies on commands, with or without a Content-Type', async () => {
        await addEcho('cmd');
        for (const headers of [{}, JSON_TYPE, { 'Content-Type': 'text/plain' }]) {
          for (const path of ['/pause', '/resume', '/jobs/cmd/pause', '/jobs/cmd/resume', '/jobs/cmd/run']) {
            const r = await t.call('POST', path, undefined, headers);
            expect(r.status, `POST ${path} ${JSON.stringify(headers)}`).to.be.oneOf([200, 204]);
          }
          expect((await t.call('POST', '/shutdown', undefined, headers)).status).to.equal(204);
          expect((await t.call('POST', '/start', undefined, headers)).status).to.equal(204);
        }
        // JSON `null` and `{}` are "no options" too.
        expect((await t.call('POST', '/pause', 'null')).status).to.equal(204);
        expect((await t.call('POST', '/resume', '{}')).status).to.equal(204);
      });
    });

    describe('jobs', () => {
      it('adds a job (200, the job JSON), reads it back, lists it', async () => {
        const r = await t.call('POST', '/jobs', {
          id: 'j1',
          func: 'examples:echo',
          trigger: 'interval',
          seconds: 30,
          name: 'Job one',
          args: [1, 'two'],
          kwargs: { k: 'v' },
        });
        expect(r.status).to.equal(200);
        expect(r.json).to.include({ id: 'j1', name: 'Job one', func: 'examples:echo', trigger: 'interval', seconds: 30 });
        expect(r.json.args).to.deep.equal([1, 'two']);
        expect(r.json.kwargs).to.deep.equal({ k: 'v' });
        expect(r.json).to.include({ misfire_grace_time: 1, max_instances: 1, coalesce: true, executor: 'default' });
        expect(Date.parse(r.json.next_run_time)).to.be.within(Date.now() + 25_000, Date.now() + 35_000);
        expect(Object.keys(r.json).slice(0, 6)).to.deep.equal(['id', 'name', 'func', 'args', 'kwargs', 'trigger']);

        const one = await t.call('GET', '/jobs/j1');
        expect(one.status).to.equal(200);
        expect(one.json).to.deep.equal(r.json);
        const all = await t.call('GET', '/jobs');
        expect(all.status).to.equal(200);
        expect(all.json).to.deep.equal([r.json]);
        expect(all.headers.link).to.equal(undefined);
        for (const answer of [r, one, all]) expect(answer.headers['content-type']).to.equal('application/json; charset=utf-8');
      });

      it('answers 409 for a duplicate id, and replaces with replace_existing', async () => {
        expect((await addEcho('dup')).status).to.equal(200);
        const again = await addEcho('dup', { name: 'second' });
        expect(again.status).to.equal(409);
        expect(again.json.error_message).to.contain('dup');
        expect((await t.call('GET', '/jobs/dup')).json.name).to.equal('dup');
        const replaced = await addEcho('dup', { name: 'second', replace_existing: true });
        expect(replaced.status).to.equal(200);
        expect((await t.call('GET', '/jobs/dup')).json.name).to.equal('second');
        expect(await t.jobs()).to.have.length(1);
      });

      it('PATCHes properties and trigger options (keeping the trigger kind)', async () => {
        await addEcho('p', { seconds: 30, minutes: undefined });
        const r = await t.call('PATCH', '/jobs/p', { seconds: 60, name: 'renamed', max_instances: 3 });
        expect(r.status).to.equal(200);
        expect(r.json).to.include({ trigger: 'interval', seconds: 60, name: 'renamed', max_instances: 3 });
        expect((await t.call('GET', '/jobs/p')).json).to.deep.equal(r.json);
        const cron = await t.call('PATCH', '/jobs/p', { trigger: 'cron', hour: 3, minute: 15 });
        expect(cron.status).to.equal(200);
        expect(cron.json).to.include({ trigger: 'cron' });
        expect(String(cron.json.hour)).to.equal('3');
      });

      it('PATCH is all or nothing: one invalid field changes nothing', async () => {
        await addEcho('atomic', { kwargs: { a: 1 } });
        const before = await t.call('GET', '/jobs/atomic');
        for (const bad of [
          { name: 'new name', minutes: -1 },
          { name: 'new name', max_instances: 0 },
          { kwargs: { b: 2 }, func: 'nope:missing' },
          { name: 'new name', trigger: 'cron', hour: '25' },
          { name: 'new name', unknown_key: 1 },
          { name: 'new name', id: 'other-id' },
          { name: 'new name', trigger: 'weekly' },
          { name: 'new name', next_run_time: 'not a date' },
        ]) {
          const r = await t.call('PATCH', '/jobs/atomic', bad);
          expect(r.status, JSON.stringify(bad)).to.equal(400);
          expect(r.json.error_message).to.be.a('string').and.not.equal('');
          expect((await t.call('GET', '/jobs/atomic')).json, JSON.stringify(bad)).to.deep.equal(before.json);
        }
      });

      it('pauses (next_run_time null) and resumes a job, answering the job JSON', async () => {
        await addEcho('pr');
        const paused = await t.call('POST', '/jobs/pr/pause');
        expect(paused.status).to.equal(200);
        expect(paused.json).to.include({ id: 'pr', next_run_time: null });
        const resumed = await t.call('POST', '/jobs/pr/resume');
        expect(resumed.status).to.equal(200);
        expect(resumed.json.id).to.equal('pr');
        expect(resumed.json.next_run_time).to.be.a('string');
      });

      it('answers null on resuming a job whose trigger is finished (it is removed), as Flask-APScheduler', async () => {
        const past = new Date(Date.now() - 3_600_000).toISOString();
        const added = await t.call('POST', '/jobs', { id: 'done', func: 'examples:echo', trigger: 'cron', minute: '*', end_date: past, next_run_time: null });
        expect(added.status, added.text).to.equal(200);
        const r = await t.call('POST', '/jobs/done/resume');
        expect(r.status).to.equal(200);
        expect(r.text).to.equal('null');
        expect((await t.call('GET', '/jobs/done')).status).to.equal(404);
      });

      it('runs a job now and answers 200 with the job once the run has finished', async () => {
        await t.call('POST', '/jobs', { id: 'slow', func: 'examples:sleep', trigger: 'interval', hours: 1, kwargs: { seconds: 0.3 } });
        const before = (await t.call('GET', '/jobs/slow')).json;
        const started = Date.now();
        const r = await t.call('POST', '/jobs/slow/run');
        expect(r.status).to.equal(200);
        expect(Date.now() - started).to.be.at.least(280);
        // The job as before, its last_run now the manual run that just finished.
        expect({ ...r.json, last_run: undefined }).to.deep.equal({ ...before, last_run: undefined });
        expect(r.json.last_run).to.include({ status: 'ok' });
        const runs = (await t.call('GET', '/jobs/slow/runs')).json;
        expect(runs).to.have.length(1);
        expect(runs[0]).to.include({ trigger: 'manual', status: 'ok' });
        expect(runs[0].duration_ms).to.be.at.least(280);
      });

      it('answers 500 with the task\'s own message when the run fails', async () => {
        await t.call('POST', '/jobs', { id: 'boom', func: 'examples:fail', trigger: 'interval', hours: 1, args: ['disk is full'] });
        const r = await t.call('POST', '/jobs/boom/run');
        expect(r.status).to.equal(500);
        expect(r.json).to.deep.equal({ error_message: 'disk is full' });
      });

      it('answers 409 when a run would exceed max_instances', async () => {
        // The first run holds its instance until the test lets it finish.
        let open = () => {};
        const gate = new Promise<void>((resolve) => (open = resolve));
        t.server.scheduler.registerTasks('gate', { wait: () => gate });
        await t.call('POST', '/jobs', { id: 'busy', func: 'gate:wait', trigger: 'interval', hours: 1 });
        const submitted = new Promise<void>((resolve) => t.server.scheduler.on('job_submitted', (event) => event.jobId === 'busy' && resolve()));
        const first = t.call('POST', '/jobs/busy/run');
        await submitted;
        const second = await t.call('POST', '/jobs/busy/run');
        open();
        expect(second.status).to.equal(409);
        expect(second.json.error_message).to.match(/maximum/);
        expect((await first).status).to.equal(200);
      });

      it('deletes a job with 204, then 404', async () => {
        await addEcho('gone');
        const r = await t.call('DELETE', '/jobs/gone');
        expect(r.status).to.equal(204);
        expect(r.text).to.equal('');
        expect((await t.call('DELETE', '/jobs/gone')).status).to.equal(404);
        expect(await t.jobs()).to.deep.equal([]);
      });

      it('answers 404 with error_message for every endpoint on an unknown job', async () => {
        for (const [method, path, body] of [
          ['GET', '/jobs/missing'],
          ['DELETE', '/jobs/missing'],
          ['PATCH', '/jobs/missing', { name: 'x' }],
          ['POST', '/jobs/missing/pause'],
          ['POST', '/jobs/missing/resume'],
          ['POST', '/jobs/missing/run'],
        ] as const) {
          const r = await t.call(method, path, body);
          expect(r.status, `${method} ${path}`).to.equal(404);
          expect(r.json.error_message).to.contain('missing');
        }
      });

      it('handles ids with URL-encoded characters', async () => {
        const ids = ['with space', 'ünï©ødé', 'q?x=1&y=2', '%41', 'hash#tag', 'plus+sign', "quote'\"", '日本語'];
        for (const id of ids) expect((await addEcho(id)).status, id).to.equal(200);
        for (const id of ids) {
          const r = await t.call('GET', `/jobs/${encodeURIComponent(id)}`);
          expect(r.status, id).to.equal(200);
          expect(r.json.id).to.equal(id);
          expect((await t.call('POST', `/jobs/${encodeURIComponent(id)}/pause`)).json.next_run_time).to.equal(null);
        }
        for (const id of ids) expect((await t.call('DELETE', `/jobs/${encodeURIComponent(id)}`)).status, id).to.equal(204);
        expect(await t.jobs()).to.deep.equal([]);
      });
    });

    describe('invalid input: 400, and nothing changes', () => {
      const badDefinitions: readonly [string, unknown][] = [
        ['no id', { func: 'examples:echo', trigger: 'interval', seconds: 5 }],
        ['no func', { id: 'x', trigger: 'interval', seconds: 5 }],
        ['id not a string', { id: 5, func: 'examples:echo' }],
        ['empty id', { id: '', func: 'examples:echo' }],
        ['id with a slash', { id: 'a/b', func: 'examples:echo' }],
        ['name not a string', { id: 'x', func: 'examples:echo', name: 5 }],
        ['args not an array', { id: 'x', func: 'examples:echo', args: { a: 1 } }],
        ['kwargs not an object', { id: 'x', func: 'examples:echo', kwargs: [1] }],
        ['max_instances 0', { id: 'x', func: 'examples:echo', max_instances: 0 }],
        ['coalesce a string', { id: 'x', func: 'examples:echo', coalesce: 'yes' }],
        ['negative misfire_grace_time', { id: 'x', func: 'examples:echo', misfire_grace_time: -1 }],
        ['unknown key', { id: 'x', func: 'examples:echo', trigger: 'interval', seconds: 5, colour: 'red' }],
        ['unknown trigger', { id: 'x', func: 'examples:echo', trigger: 'weekly' }],
        ['trigger as an object', { id: 'x', func: 'examples:echo', trigger: { getNextFireTime: 1, toJSON: 2 } }],
        ['invalid cron field', { id: 'x', func: 'examples:echo', trigger: 'cron', hour: '25' }],
        ['invalid cron expression', { id: 'x', func: 'examples:echo', trigger: 'cron', day_of_week: 'someday' }],
        ['bad run_date', { id: 'x', func: 'examples:echo', trigger: 'date', run_date: 'tomorrow-ish' }],
        ['bad next_run_time', { id: 'x', func: 'examples:echo', next_run_time: '2024-13-45T99:00:00' }],
        ['unknown task', { id: 'x', func: 'nope:missing' }],
        ['a path as func', { id: 'x', func: '/etc/passwd:read' }],
        ['a node module as func', { id: 'x', func: 'child_process:exec' }],
        ['negative interval', { id: 'x', func: 'examples:echo', trigger: 'interval', seconds: -5 }],
        ['interval as a string', { id: 'x', func: 'examples:echo', trigger: 'interval', seconds: '5' }],
        ['unknown jobstore', { id: 'x', func: 'examples:echo', jobstore: 'nowhere' }],
        ['unknown executor', { id: 'x', func: 'examples:echo', executor: 'gpu' }],
        ['unknown timezone', { id: 'x', func: 'examples:echo', trigger: 'cron', hour: 1, timezone: 'Mars/Olympus' }],
        ['an array body', [{ id: 'x', func: 'examples:echo' }]],
        ['a string body', 'just text'],
        ['a number body', 42],
        ['null body', null],
      ];

      for (const [label, body] of badDefinitions) {
        it(`POST /jobs: ${label}`, async () => {
          await addEcho('existing');
          const before = await t.jobs();
          const r = await t.call('POST', '/jobs', JSON.stringify(body));
          expect(r.status, r.text).to.equal(400);
          expect(r.json).to.have.all.keys('error_message');
          expect(r.json.error_message).to.be.a('string').and.not.equal('');
          expect(await t.jobs()).to.deep.equal(before);
        });
      }

      // Numbers so large the fire time would leave the representable range (year 9999).
      const triggerGaps: readonly [string, unknown][] = [
        ['an interval past the end of time', { id: 'x', func: 'examples:echo', trigger: 'interval', minutes: 2 ** 53 }],
        ['an interval of 1e300 seconds', { id: 'x', func: 'examples:echo', trigger: 'interval', seconds: 1e300 }],
        ['a jitter of 1e308 seconds', { id: 'x', func: 'examples:echo', trigger: 'interval', seconds: 5, jitter: 1e308 }],
      ];
      for (const [label, body] of triggerGaps) {
        it(`POST /jobs: ${label}`, async () => {
          const r = await t.call('POST', '/jobs', JSON.stringify(body));
          expect(r.status, r.text).to.equal(400);
          expect(await t.jobs()).to.deep.equal([]);
        });
      }

      it('malformed JSON, empty bodies, invalid UTF-8, __proto__ keys, U+0000 and lone surrogates', async () => {
        const before = await t.jobs();
        for (const raw of [
          '{"id": "x", "func": ',
          "{'id': 'x'}",
          '{"id": "x", "func": "examples:echo",}',
          '',
          '   ',
          '{"id": "x", "func": "examples:echo", "__proto__": {"polluted": true}}',
          '{"id": "x", "func": "examples:echo", "kwargs": {"__proto__": {"polluted": true}}}',
          '{"id": "x\\u0000y", "func": "examples:echo"}',
          '{"id": "x", "func": "examples:echo", "kwargs": {"k": "\\u0000"}}',
          '{"id": "x", "func": "examples:echo", "name": "\\ud800"}',
          '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
          `{"id": "x", "func": "examples:echo", "args": ${'['.repeat(5000)}${']'.repeat(5000)}}`,
        ]) {
          const r = await t.call('POST', '/jobs', raw, JSON_TYPE);
          expect(r.status, raw.slice(0, 80)).to.equal(400);
          expect(r.json.error_message).to.be.a('string');
        }
        const invalidUtf8 = await fetch(`${t.api}/jobs`, {
          method: 'POST',
          headers: JSON_TYPE,
          body: Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
        });
        expect(invalidUtf8.status).to.equal(400);
        expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
        expect(await t.jobs()).to.deep.equal(before);
      });

      it('PATCH needs a JSON object', async () => {
        await addEcho('patchme');
        const before = await t.jobs();
        for (const raw of ['', '[]', '"name"', 'null', '{"name": }']) {
          expect((await t.call('PATCH', '/jobs/patchme', raw, JSON_TYPE)).status, raw).to.equal(400);
        }
        expect(await t.jobs()).to.deep.equal(before);
      });

      it('refuses bad limit and after query values', async () => {
        for (const query of ['limit=0', 'limit=1001', 'limit=-1', 'limit=abc', 'limit=1.5', 'limit=', 'limit=1&limit=2', 'after=', 'after=%00', `after=${'a'.repeat(201)}`]) {
          const r = await t.call('GET', `/jobs?${query}`);
          expect(r.status, query).to.equal(400);
          expect(r.json.error_message).to.be.a('string');
        }
      });
    });

    describe('HTTP-level errors', () => {
      it('413 for a body over the limit (by Content-Length, and when streamed without one)', async () => {
        const big = JSON.stringify({ id: 'big', func: 'examples:echo', args: ['x'.repeat(70_000)] });
        const r = await t.call('POST', '/jobs', big, JSON_TYPE);
        expect(r.status).to.equal(413);
        expect(r.json.error_message).to.match(/larger than 65536/);
        const stream = new ReadableStream({
          start(controller) {
            for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(8192)));
            controller.close();
          },
        });
        const chunked = await fetch(`${t.api}/jobs`, { method: 'POST', headers: JSON_TYPE, body: stream, duplex: 'half' });
        expect(chunked.status).to.equal(413);
        expect(((await chunked.json()) as { error_message: string }).error_message).to.match(/larger/);
        expect(await t.jobs()).to.deep.equal([]);
        // The server still answers after both.
        expect((await t.call('GET', '')).status).to.equal(200);
      });

      it('415 for a non-JSON Content-Type; no Content-Type at all is read as JSON (Flask\'s force=True)', async () => {
        const def = JSON.stringify({ id: 'typed', func: 'examples:echo', trigger: 'interval', seconds: 9 });
        for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/xml']) {
          const r = await t.call('POST', '/jobs', def, { 'Content-Type': type });
          expect(r.status, type).to.equal(415);
          expect(r.json.error_message).to.be.a('string');
        }
        expect((await t.call('PATCH', '/jobs/x', '{"name": "n"}', { 'Content-Type': 'text/plain' })).status).to.equal(415);
        expect((await t.call('POST', '/jobs', def, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' })).status).to.equal(415);
        expect(await t.jobs()).to.deep.equal([]);
        const untyped = await fetch(`${t.api}/jobs`, { method: 'POST', body: new TextEncoder().encode(def) });
        expect(untyped.status).to.equal(200);
        expect((await t.call('POST', '/jobs', def.replace('typed', 'typed2'), { 'Content-Type': 'application/json; charset=utf-8' })).status).to.equal(200);
        expect((await t.call('POST', '/jobs', def.replace('typed', 'typed3'), { 'Content-Type': 'application/merge-patch+json' })).status).to.equal(200);
      });

      it('404 JSON for unknown paths under the prefix, 405 JSON with Allow for a wrong method', async () => {
        for (const path of ['/nope', '/jobs/a/b', '/jobs/x/explode', '/jobs/x/run/again', '/..%2f..%2fetc%2fpasswd']) {
          const r = await t.call('GET', path);
          expect(r.status, path).to.equal(404);
          expect(r.json.error_message, path).to.be.a('string');
        }
        const put = await t.call('PUT', '/jobs/x', { name: 'y' });
        expect(put.status).to.equal(405);
        expect(put.headers.allow).to.include('PATCH').and.include('DELETE').and.include('GET');
        expect(put.json.error_message).to.match(/PUT/);
        const del = await t.call('DELETE', '/jobs');
        expect(del.status).to.equal(405);
        expect(del.headers.allow).to.include('POST');
        expect((await t.call('GET', '/start')).status).to.equal(405);
        const options = await t.call('OPTIONS', '/jobs');
        expect(options.status).to.equal(204);
        expect(options.headers.allow).to.include('POST').and.include('GET');
      });

      it('500 only for a genuine fault, with a generic message and the detail logged', async () => {
        t.server.scheduler.getJobs = async () => {
          throw new Error('connection string postgres://admin:hunter2@db failed');
        };
        const r = await t.call('GET', '/jobs');
        expect(r.status).to.equal(500);
        expect(r.json).to.deep.equal({ error_message: 'Internal server error' });
        expect(r.text).not.to.contain('hunter2');
        expect(t.log.text()).to.contain('connection string');
      });

      it('answers 400 to POST /start on a host that allowed_hosts does not list', async () => {
        await t.stop();
        t = await startTestServer(kind, { allowedHosts: ['some-other-host.example'] });
        const info = await t.call('GET', '');
        expect(info.json).to.deep.include({ current_host: os.hostname(), allowed_hosts: ['some-other-host.example'], running: false });
        const r = await t.call('POST', '/start');
        expect(r.status).to.equal(400);
        expect(r.json.error_message).to.contain(os.hostname());
        expect((await t.call('GET', '')).json.running).to.equal(false);
        // The API still manages jobs on such a host.
        expect((await addEcho('elsewhere')).status).to.equal(200);
      });
    });

    describe('listing at scale', () => {
      it('pages with ?limit and ?after, with a Link to the next page while pages are full', async () => {
        const ids = Array.from({ length: 23 }, (_, i) => `job-${String(i).padStart(3, '0')}`).concat(['a b', 'x&y=z', 'ü', 'q?', '#frag']);
        for (const id of ids) expect((await addEcho(id)).status).to.equal(200);
        const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const all = await t.call('GET', '/jobs');
        expect(all.json.map((j: { id: string }) => j.id)).to.deep.equal(sorted);

        const seen: string[] = [];
        let next: string | null = `${t.config.api.prefix}/jobs?limit=5`;
        let pages = 0;
        while (next) {
          const res = await fetch(`${t.server.url}${next}`);
          expect(res.status).to.equal(200);
          const page = (await res.json()) as { id: string }[];
          seen.push(...page.map((j) => j.id));
          const link = res.headers.get('link');
          if (link) {
            const match = /^<([^>]+)>; rel="next"$/.exec(link);
            expect(match, link).to.not.equal(null);
            next = match![1]!;
            expect(next).to.match(/^\/scheduler\/jobs\?limit=5&after=/);
          } else {
            next = null;
          }
          pages++;
        }
        expect(seen).to.deep.equal(sorted);
        // 28 jobs in pages of 5: six pages, the last one short, so it has no Link.
        expect(pages).to.equal(6);

        const after = await t.call('GET', `/jobs?after=${encodeURIComponent('job-020')}`);
        expect(after.json.map((j: { id: string }) => j.id)).to.deep.equal(sorted.filter((id) => id > 'job-020'));
        expect(after.headers.link).to.equal(undefined);
        const exact = await t.call('GET', `/jobs?limit=${sorted.length}`);
        expect(exact.json).to.have.length(sorted.length);
        expect(exact.headers.link).to.be.a('string');
        const beyond = await fetch(`${t.server.url}${/<([^>]+)>/.exec(exact.headers.link as string)![1]}`);
        expect(await beyond.json()).to.deep.equal([]);
      });
    });
  });
}
