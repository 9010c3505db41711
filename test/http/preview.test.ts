import { expect } from 'chai';
import { startTestServer, type StoreKind, type TestServer } from './http-harness.js';

for (const kind of ['sqlite', 'postgres'] as const satisfies readonly StoreKind[]) {
  describe(`REST: fire-time preview (${kind} store)`, function () {
    this.timeout(30_000);
    let t: TestServer;

    beforeEach(async () => {
      t = await startTestServer(kind);
    });

    afterEach(async () => {
      await t.stop();
    });

    it('GET /jobs/:id/preview gives a stored job\'s next fire times in its zone, paused jobs too', async () => {
      const job = { id: 'paris', func: 'examples:echo', trigger: 'cron', hour: '9', minute: '30', timezone: 'Europe/Paris', start_date: '2031-03-29T00:00:00' };
      expect((await t.call('POST', '/jobs', job)).status).to.equal(200);
      const expected = ['2031-03-29T09:30:00+01:00', '2031-03-30T09:30:00+02:00', '2031-03-31T09:30:00+02:00'];
      const r = await t.call('GET', '/jobs/paris/preview?count=3');
      expect(r.status, r.text).to.equal(200);
      expect(r.json).to.deep.equal({ fire_times: expected });
      expect((await t.call('POST', '/jobs/paris/pause')).status).to.equal(200);
      expect((await t.call('GET', '/jobs/paris/preview?count=3')).json).to.deep.equal({ fire_times: expected });
      expect((await t.call('GET', '/jobs/paris/preview')).json.fire_times).to.have.length(10);
    });

    it('POST /preview takes any trigger part of a job body and saves nothing', async () => {
      const cases: [Record<string, unknown>, string[]][] = [
        [{ trigger: 'cron', crontab: '0 9 * * mon-fri', timezone: 'UTC', start_date: '2031-01-03T00:00:00Z' }, ['2031-01-03T09:00:00+00:00', '2031-01-06T09:00:00+00:00', '2031-01-07T09:00:00+00:00', '2031-01-08T09:00:00+00:00', '2031-01-09T09:00:00+00:00']],
        [{ trigger: 'interval', hours: 12, start_date: '2031-01-01T00:00:00Z', end_date: '2031-01-01T12:00:00Z', timezone: 'UTC' }, ['2031-01-01T00:00:00+00:00', '2031-01-01T12:00:00+00:00']],
        [{ trigger: 'date', run_date: '2031-06-01T12:00:00', timezone: 'America/New_York' }, ['2031-06-01T12:00:00-04:00']],
        [{ trigger: 'cron', hour: '9', end_date: '2020-01-01T00:00:00Z', timezone: 'UTC' }, []],
      ];
      for (const [body, expected] of cases) {
        const r = await t.call('POST', '/preview?count=5', body);
        expect(r.status, r.text).to.equal(200);
        expect(r.json, JSON.stringify(body)).to.deep.equal({ fire_times: expected });
      }
      expect(await t.jobs()).to.deep.equal([]);
    });

    it('refuses a bad count or trigger with 400, an unknown job with 404', async () => {
      expect((await t.call('POST', '/jobs', { id: 'j', func: 'examples:echo', trigger: 'interval', minutes: 1 })).status).to.equal(200);
      for (const count of ['0', '1001', 'x', '1.5', '-1', '']) {
        const r = await t.call('GET', `/jobs/j/preview?count=${count}`);
        expect(r.status, count).to.equal(400);
        expect(r.json.error_message).to.match(/count/);
      }
      expect((await t.call('GET', '/jobs/j/preview?count=1&count=2')).status).to.equal(400);
      for (const body of [{ trigger: 'cron', hour: '25' }, { trigger: 'nope' }, { hour: '9' }, { trigger: 'interval', minutes: 1, func: 'examples:echo' }, [], 'null']) {
        const r = await t.call('POST', '/preview', body);
        expect(r.status, JSON.stringify(body)).to.equal(400);
        expect(r.json).to.have.property('error_message').that.is.a('string');
      }
      expect((await t.call('POST', '/preview?count=1001', { trigger: 'interval', minutes: 1 })).status).to.equal(400);
      expect((await t.call('GET', '/jobs/missing/preview')).status).to.equal(404);
    });
  });
}
