import { expect } from 'chai';
import type { Context } from 'koa';
import { startTestServer, type TestServer } from './http-harness.js';

const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const USERS = [
  { username: 'admin', password: 's3cret:with:colons' },
  { username: 'ops', password: 'ünïcode-pässword' },
];

describe('REST API authentication', function () {
  this.timeout(120_000);
  let t: TestServer;

  afterEach(async () => {
    await t?.stop();
  });

  describe('off (the default)', () => {
    it('answers without credentials', async () => {
      t = await startTestServer('sqlite');
      expect((await t.call('GET', '/jobs')).status).to.equal(200);
      expect((await t.call('GET', '', undefined, basic('who', 'ever'))).status).to.equal(200);
    });
  });

  describe('HTTP Basic', () => {
    beforeEach(async () => {
      t = await startTestServer('sqlite', { basicAuth: USERS });
    });

    it('answers 401 with WWW-Authenticate and a JSON body without or with wrong credentials', async () => {
      for (const headers of [
        {},
        basic('admin', 'wrong'),
        basic('nobody', 's3cret:with:colons'),
        basic('admin', 's3cret'),
        basic('ops', 's3cret:with:colons'),
        { Authorization: 'Basic' },
        { Authorization: 'Basic !!!not-base64!!!' },
        { Authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` },
        { Authorization: 'Bearer admin' },
      ]) {
        const r = await t.call('GET', '/jobs', undefined, headers);
        expect(r.status, JSON.stringify(headers)).to.equal(401);
        expect(r.headers['www-authenticate']).to.equal('Basic realm="jobclock"');
        expect(r.json).to.have.all.keys('error_message');
      }
    });

    it('lets every configured user in, on every endpoint', async () => {
      for (const user of USERS) {
        const headers = basic(user.username, user.password);
        expect((await t.call('GET', '', undefined, headers)).status).to.equal(200);
        const id = `by-${user.username}`;
        const added = await t.call('POST', '/jobs', { id, func: 'examples:echo', trigger: 'interval', seconds: 5 }, headers);
        expect(added.status).to.equal(200);
        expect((await t.call('POST', `/jobs/${id}/run`, undefined, headers)).status).to.equal(200);
        expect((await t.call('DELETE', `/jobs/${id}`, undefined, headers)).status).to.equal(204);
      }
      // Scheme names are case-insensitive.
      const lower = { Authorization: basic('admin', 's3cret:with:colons').Authorization.replace('Basic', 'basic') };
      expect((await t.call('GET', '/jobs', undefined, lower)).status).to.equal(200);
    });

    it('checks credentials before anything else: unknown paths, wrong methods, bodies', async () => {
      expect((await t.call('GET', '/nope')).status).to.equal(401);
      expect((await t.call('PUT', '/jobs')).status).to.equal(401);
      expect((await t.call('POST', '/jobs', '{not json')).status).to.equal(401);
      expect((await t.call('POST', '/jobs', 'x', { 'Content-Type': 'text/plain' })).status).to.equal(401);
      // A 1 MiB body is not read (nor refused as too large) before the client is known.
      const r = await t.call('POST', '/jobs', 'x'.repeat(1024 * 1024));
      expect(r.status).to.equal(401);
      expect((await t.call('GET', '/jobs', undefined, basic('admin', 's3cret:with:colons'))).json).to.deep.equal([]);
    });

    it('leaves requests outside the prefix alone', async () => {
      const r = await fetch(`${t.server.url}/elsewhere`);
      expect(r.status).to.equal(404);
      expect(r.headers.get('www-authenticate')).to.equal(null);
    });
  });

  describe('custom authenticate(ctx) hook', () => {
    const TOKEN = 'tok-123';
    const bearer = (ctx: Context) => ctx.get('Authorization') === `Bearer ${TOKEN}`;

    it('lets a request in when the hook says so (bearer tokens), 401 otherwise', async () => {
      t = await startTestServer('sqlite', {}, { authenticate: bearer });
      expect((await t.call('GET', '/jobs', undefined, { Authorization: `Bearer ${TOKEN}` })).status).to.equal(200);
      const denied = await t.call('GET', '/jobs', undefined, { Authorization: 'Bearer nope' });
      expect(denied.status).to.equal(401);
      expect(denied.headers['www-authenticate']).to.equal('Bearer realm="jobclock"');
      expect(denied.json).to.have.all.keys('error_message');
    });

    it('may be async, and combines with Basic users (either one lets in)', async () => {
      t = await startTestServer('sqlite', { basicAuth: USERS }, {
        authenticate: async (ctx) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return bearer(ctx);
        },
      });
      expect((await t.call('GET', '/jobs', undefined, { Authorization: `Bearer ${TOKEN}` })).status).to.equal(200);
      expect((await t.call('GET', '/jobs', undefined, basic('ops', 'ünïcode-pässword'))).status).to.equal(200);
      const denied = await t.call('GET', '/jobs');
      expect(denied.status).to.equal(401);
      expect(denied.headers['www-authenticate']).to.equal('Basic realm="jobclock"');
    });

    it('a hook that throws is a server fault: 500, generic message, logged', async () => {
      t = await startTestServer('sqlite', {}, {
        authenticate: () => {
          throw new Error('session store unreachable');
        },
      });
      const r = await t.call('GET', '/jobs');
      expect(r.status).to.equal(500);
      expect(r.json).to.deep.equal({ error_message: 'Internal server error' });
      expect(t.log.text()).to.contain('session store unreachable');
    });
  });
});
