import { expect } from 'chai';
import { startTestServer, type TestServer } from './http-harness.js';

// A browser sends `Origin` (and `Sec-Fetch-Site`) on every POST/PATCH/DELETE; a forged request from
// another site carries the foreign origin, or a form/no-cors media type. Plain HTTP here, as an
// attacker's page would send them.
describe('CSRF: changes from a browser page must come from the API\'s own origin, as JSON', function () {
  this.timeout(60_000);
  let api: TestServer;
  let own: string;

  before(async () => {
    api = await startTestServer('sqlite');
    own = new URL(api.api).origin;
    await api.call('POST', '/jobs', { id: 'target', func: 'examples:echo', trigger: 'interval', minutes: 5 });
  });

  after(async () => {
    await api?.stop();
  });

  const nextRun = async () => (await api.call('GET', '/jobs/target')).json.next_run_time as string | null;

  it('refuses a change sent from another origin with 403, and changes nothing', async () => {
    for (const origin of ['http://evil.example', 'null', own.replace(/:\d+$/, ':1')]) {
      const r = await api.call('POST', '/jobs/target/pause', undefined, { Origin: origin });
      expect(r.status, origin).to.equal(403);
      expect(r.json.error_message).to.contain('Cross-origin');
    }
    const add = await api.call('POST', '/jobs', { id: 'forged', func: 'examples:echo', trigger: 'interval', minutes: 1 }, { Origin: 'http://evil.example' });
    expect(add.status).to.equal(403);
    expect((await api.call('GET', '/jobs/forged')).status).to.equal(404);
    expect((await api.call('DELETE', '/jobs/target', undefined, { Origin: 'http://evil.example' })).status).to.equal(403);
    expect(await nextRun()).to.not.equal(null);
  });

  it('refuses a cross-site Sec-Fetch-Site even without an Origin', async () => {
    const r = await api.call('POST', '/jobs/target/pause', undefined, { 'Sec-Fetch-Site': 'cross-site' });
    expect(r.status).to.equal(403);
    expect(await nextRun()).to.not.equal(null);
  });

  it('refuses a page request that is not JSON (a form, a no-cors fetch) with 415, even from its own origin', async () => {
    const form = await api.call('POST', '/jobs/target/pause', '', { Origin: own, 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(form.status).to.equal(415);
    const bare = await api.call('POST', '/jobs/target/pause', undefined, { Origin: own });
    expect(bare.status).to.equal(415);
    expect(await nextRun()).to.not.equal(null);
  });

  it('takes a same-origin JSON request, and one from a non-browser client without those headers', async () => {
    expect((await api.call('POST', '/jobs/target/pause', undefined, { Origin: own, 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'same-origin' })).status).to.equal(200);
    expect(await nextRun()).to.equal(null);
    expect((await api.call('POST', '/jobs/target/resume')).status).to.equal(200);
    expect(await nextRun()).to.not.equal(null);
  });

  it('lets reads from other origins through (they are not changes)', async () => {
    expect((await api.call('GET', '/jobs/target', undefined, { Origin: 'http://evil.example' })).status).to.equal(200);
  });
});
