import { expect } from 'chai';
import { CronExpressionParser } from 'cron-parser';
import type { JobclockConfig } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load-config.js';
import fileConfig from '../../knexfile-free-config.js';
import { startServer } from '../../src/server/app.js';
import { freshStore, recordingLogger, startTestServer, type StoreKind, type TestServer } from './http-harness.js';

/** cron-parser's first fire time strictly after `from`, in `tz`: what next_run_time must be. */
function cronParserNext(line: string, tz: string, from: number): string {
  return CronExpressionParser.parse(line, { currentDate: new Date(from), tz }).next().toISOString() as string;
}

/** next_run_time equals cron-parser's next fire time from some moment of the request. */
function expectNextRun(json: { next_run_time: string }, line: string, tz: string, before: number, after: number): void {
  const candidates = new Set([cronParserNext(line, tz, before - 1), cronParserNext(line, tz, after)]);
  expect(candidates.has(new Date(json.next_run_time).toISOString()), `${line}: ${json.next_run_time}`).to.equal(true);
}

for (const kind of ['sqlite', 'postgres'] as const satisfies readonly StoreKind[]) {
  describe(`REST: crontab lines (${kind} store)`, function () {
    this.timeout(120_000);
    let t: TestServer;

    beforeEach(async () => {
      t = await startTestServer(kind);
    });

    afterEach(async () => {
      await t.stop();
    });

    const post = (id: string, body: Record<string, unknown>) => t.call('POST', '/jobs', { id, func: 'examples:echo', trigger: 'cron', ...body });

    it('POST takes a crontab line, next_run_time is cron-parser\'s, GET shows the line as written', async () => {
      for (const [id, line, timezone] of [
        ['weekdays', '0 9 * * Mon-FRI', 'Europe/Paris'],
        ['either-day', '0 0 13 * fri', 'Asia/Kolkata'],
        ['last', '0 12 L * *', 'Etc/GMT-5'],
        ['nth', '30 8 * * 5#2', 'UTC'],
        ['seconds', '*/10 * * * * *', 'UTC'],
      ] as const) {
        const before = Date.now();
        const r = await post(id, { crontab: line, timezone });
        const after = Date.now();
        expect(r.status, JSON.stringify(r.json)).to.equal(200);
        expect(r.json).to.include({ trigger: 'cron', crontab: line, timezone });
        for (const key of ['hour', 'minute', 'day', 'day_of_week']) expect(r.json).to.not.have.property(key);
        expectNextRun(r.json, line, timezone, before, after);
        expect((await t.call('GET', `/jobs/${id}`)).json).to.deep.equal(r.json);
      }
      const nick = await post('nick', { crontab: '@midnight', start_date: '2031-01-01T00:00:00Z', end_date: '2031-12-31T00:00:00Z' });
      expect(nick.json).to.include({ crontab: '@midnight', next_run_time: '2031-01-01T00:00:00+00:00' });
    });

    it('refuses bad lines, @reboot and mixing with keyword fields with 400 naming the field; nothing is stored', async () => {
      for (const [body, message] of [
        [{ crontab: '0 0 * * 8' }, /day of week field "8".*0-7/],
        [{ crontab: '61 * * * *' }, /minute field "61"/],
        [{ crontab: '0 0 31 2 *' }, /day of month field "31" with the month field "2"/],
        [{ crontab: '* * * *' }, /expected 5 fields/],
        [{ crontab: '@reboot' }, /@reboot/],
        [{ crontab: 5 }, /crontab must be a crontab line/],
        [{ crontab: '0 9 * * *', hour: 3 }, /crontab cannot be combined with keyword cron fields \(got hour\)/],
      ] as const) {
        const r = await post('bad', body);
        expect(r.status, JSON.stringify(body)).to.equal(400);
        expect(r.json.error_message, JSON.stringify(body)).to.match(message);
      }
      expect(await t.jobs()).to.deep.equal([]);
    });

    it('PATCH (and POST with replace_existing) change a crontab, or swap it for keyword fields and back', async () => {
      await post('j', { crontab: '0 9 * * *' });
      let r = await t.call('PATCH', '/jobs/j', { crontab: '0 10 * * sun', timezone: 'Asia/Kolkata' });
      expect(r.status, JSON.stringify(r.json)).to.equal(200);
      expect(r.json).to.include({ crontab: '0 10 * * sun', timezone: 'Asia/Kolkata' });
      r = await t.call('PATCH', '/jobs/j', { hour: 3 });
      expect(r.json).to.include({ hour: '3' });
      expect(r.json).to.not.have.property('crontab');
      r = await t.call('PATCH', '/jobs/j', { crontab: '@hourly' });
      expect(r.json).to.include({ crontab: '@hourly' });
      expect(r.json).to.not.have.property('hour');
      r = await t.call('PATCH', '/jobs/j', { crontab: 'nope' });
      expect(r.status).to.equal(400);
      expect((await t.call('GET', '/jobs/j')).json).to.include({ crontab: '@hourly' });
      // No PUT route exists (Flask-APScheduler has none); replacing is POST with replace_existing.
      r = await t.call('POST', '/jobs', { id: 'j', func: 'examples:echo', trigger: 'cron', crontab: '15 4 1 * *', replace_existing: true });
      expect(r.status, JSON.stringify(r.json)).to.equal(200);
      expect(r.json).to.include({ crontab: '15 4 1 * *' });
    });

    it('a crontab job survives a restart unchanged', async function () {
      const store = freshStore(kind);
      const config: JobclockConfig = { ...loadConfig({}, fileConfig), ...store.config, host: '127.0.0.1', port: 0 };
      const start = () => startServer(config, { logger: recordingLogger().logger, shutdownTimeoutMs: 5000 });
      try {
        let server = await start();
        const url = `${server.url}${config.api.prefix}/jobs`;
        const added = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({
            id: 'kept', func: 'examples:echo', trigger: 'cron', crontab: '0 12 L * 5L', timezone: 'Asia/Kolkata',
            start_date: '2031-01-01T00:00:00', end_date: '2032-01-01T00:00:00',
          }),
        });
        const before = await added.json();
        expect(added.status, JSON.stringify(before)).to.equal(200);
        await server.close();
        server = await start();
        const again = await (await fetch(`${server.url}${config.api.prefix}/jobs/kept`)).json();
        await server.close();
        expect(again).to.deep.equal(before);
        expect(again).to.include({ crontab: '0 12 L * 5L', start_date: '2031-01-01T00:00:00+05:30' });
      } finally {
        await store.cleanup();
      }
    });
  });
}
