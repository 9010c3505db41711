import { Validator } from '@seriousme/openapi-schema-validator';
import { expect } from 'chai';
import { schedulerRouter } from '../../src/http/scheduler-router.js';
import { OPERATIONS } from '../../src/http/openapi/operations.js';
import { openApiDocument } from '../../src/http/openapi/openapi-document.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { silentLogger } from '../../src/scheduler/logger.js';
import { startTestServer, type TestServer } from './http-harness.js';


const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

async function expectValidOas31(document: unknown): Promise<void> {
  const validator = new Validator();
  const result = await validator.validate(document as object);
  expect(result.errors ?? [], JSON.stringify(result.errors)).to.deep.equal([]);
  expect(result.valid).to.equal(true);
  expect(validator.version).to.equal('3.1');
}

describe('OpenAPI document', function () {
  this.timeout(30_000);

  it('is valid OpenAPI 3.1, with and without auth, at any prefix', async () => {
    await expectValidOas31(openApiDocument({ prefix: '/scheduler' }));
    await expectValidOas31(openApiDocument({ prefix: '', auth: { basic: [{ username: 'a', password: 'b' }] } }));
    await expectValidOas31(openApiDocument({ prefix: '/api', auth: { authenticate: () => true } }));
  });

  for (const ui of [false, true]) it(`documents every route of the router, and only those (ui: ${String(ui)})`, () => {
    const scheduler = new Scheduler({ jobstores: { default: 'memory:' }, logger: silentLogger });
    const router = schedulerRouter(scheduler, { prefix: '/scheduler', ui });
    const routed = router.stack
      .filter((layer) => layer.name !== 'scheduler.not_found')
      .flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${layer.name ?? ''}`));
    const documented = OPERATIONS.filter((op) => ui || op.ui !== true).map((op) => `${op.method.toUpperCase()} scheduler.${op.operationId}`);
    expect([...routed].sort()).to.deep.equal([...documented].sort());
    for (const layer of router.stack.filter((l) => l.name !== 'scheduler.not_found')) {
      const op = OPERATIONS.find((o) => `scheduler.${o.operationId}` === layer.name);
      expect(`/scheduler${op?.path.replace(/\{(\w+)\}/g, ':$1') ?? ''}`.replace(/\/$/, ''), layer.name ?? '').to.equal(layer.path.replace(/\/$/, ''));
    }
  });

  it('builds request bodies from the validating schemas: per trigger, unknown keys refused', () => {
    const document = openApiDocument({ prefix: '/scheduler' }) as { components: { schemas: Record<string, Record<string, unknown>> } };
    const cron = document.components.schemas.JobDefinitionCron;
    expect(cron).to.have.property('additionalProperties', false);
    expect(cron?.properties).to.include.keys('crontab', 'day_of_week', 'func', 'timezone');
    expect(cron?.properties).to.not.have.key('run_date');
    expect(document.components.schemas.TriggerDefinitionInterval?.properties).to.include.keys('trigger', 'seconds', 'start_date', 'end_date');
  });

  describe('served by the router', () => {
    let t: TestServer;

    afterEach(async () => {
      await t.stop();
    });

    it('GET openapi.json answers the document; with Basic auth it names the scheme and 401s', async () => {
      t = await startTestServer('sqlite', { basicAuth: [{ username: 'admin', password: 'secret' }] });
      expect((await t.call('GET', '/openapi.json')).status).to.equal(401);
      const r = await t.call('GET', '/openapi.json', undefined, basic('admin', 'secret'));
      expect(r.status).to.equal(200);
      expect(r.headers['content-type']).to.match(/^application\/json/);
      await expectValidOas31(r.json);
      expect(r.json.components.securitySchemes).to.deep.include({ jobclockAuth: { type: 'http', scheme: 'basic', description: r.json.components.securitySchemes.jobclockAuth.description } });
      expect(r.json.security).to.deep.equal([{ jobclockAuth: [] }]);
      expect(r.json.paths['/scheduler/jobs'].post.responses).to.have.keys('200', '400', '401', '409', '413', '415', '503');
    });

    it('GET docs is an offline page: every URL in it and its style sheet is on this server', async () => {
      t = await startTestServer('sqlite', { basicAuth: [{ username: 'admin', password: 'secret' }] });
      expect((await t.call('GET', '/docs')).status).to.equal(401);
      expect((await t.call('GET', '/docs/assets/swagger-ui.css')).status).to.equal(401);
      const auth = basic('admin', 'secret');
      const page = await t.call('GET', '/docs', undefined, auth);
      expect(page.status).to.equal(200);
      expect(page.headers['content-type']).to.match(/^text\/html/);
      expect(page.headers['content-security-policy']).to.match(/default-src 'none'/);
      const urls = [...page.text.matchAll(/(?:src|href|data-spec-url)="([^"]*)"/g)].map((m) => m[1] ?? '');
      expect(urls).to.have.length(4);
      for (const url of urls) expect(url, url).to.match(/^\/scheduler\/(docs\/assets\/|openapi\.json$)/);
      expect(page.text).to.not.match(/https?:\/\/|\/\/[a-z]/i);
      for (const url of urls) {
        const asset = await t.call('GET', url.slice('/scheduler'.length), undefined, auth);
        expect(asset.status, url).to.equal(200);
        if (url.endsWith('.css')) {
          const remote = [...asset.text.matchAll(/url\(\s*['"]?([^'")]*)/g)].map((m) => m[1] ?? '').filter((u) => !u.startsWith('data:'));
          expect(remote, 'url() in the style sheet').to.deep.equal([]);
          expect(asset.text).to.not.match(/@import/);
        }
      }
      const start = await t.call('GET', '/docs/assets/start-docs.js', undefined, auth);
      expect(start.text).to.include('validatorUrl: null');
      expect((await t.call('GET', '/docs/assets/index.html', undefined, auth)).status).to.equal(404);
    });
  });
});
