import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServerProcess } from '../../bench/lib/server-process.js';
import { json, request, sqliteFile, sqliteSnapshot, startServer } from './reliability-harness.js';

// Auth: with HTTP Basic on, no endpoint answers anything but 401 (with a challenge) unless the
// request carries valid credentials, whatever it asks and however, and such a request changes nothing.

const USER = 'admin';
const PASSWORD = 'pä:ss w0rd';
const basic = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
const GOOD = basic(`${USER}:${PASSWORD}`);

/** Authorization headers that must all be refused (undefined = none sent). */
const BAD_CREDENTIALS: readonly (string | undefined)[] = [
  undefined,
  '',
  'Basic',
  'Basic ',
  basic(`${USER}:wrong`),
  basic(`${USER}:${PASSWORD} `),
  basic(`${USER}:${PASSWORD.toUpperCase()}`),
  basic(`Admin:${PASSWORD}`),
  basic(USER),
  basic(`:${PASSWORD}`),
  basic(`${USER}:`),
  basic(':'),
  basic(`${USER}:${PASSWORD}:extra`),
  `Basic ${Buffer.from(`${USER}:${PASSWORD}`, 'latin1').toString('base64')}`,
  `Bearer ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`,
  `Digest username="${USER}"`,
  'Basic !!!not-base64!!!',
  `Basic ${'A'.repeat(8000)}`, // under Node's 16 KiB header limit (past it Node answers 431 itself)
  `${GOOD}, ${GOOD}`,
  GOOD.replace('Basic', 'Basic\u0000').replace(/\u0000/g, ''),
  basic(`${USER}\u0000:${PASSWORD}`),
  basic(`__proto__:${PASSWORD}`),
  basic(`${USER}' OR '1'='1:x`),
].filter((value, index, all) => value !== GOOD && all.indexOf(value) === index);

/** Every endpoint of the API, with a body that would be valid, plus paths the API does not have. */
const ENDPOINTS: readonly { method: string; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/scheduler' },
  { method: 'POST', path: '/scheduler/pause' },
  { method: 'POST', path: '/scheduler/resume' },
  { method: 'POST', path: '/scheduler/start' },
  { method: 'POST', path: '/scheduler/shutdown', body: { wait: false } },
  { method: 'GET', path: '/scheduler/jobs' },
  { method: 'GET', path: '/scheduler/jobs?limit=1' },
  { method: 'POST', path: '/scheduler/jobs', body: { id: 'intruder', func: 'examples:echo', trigger: 'interval', minutes: 1 } },
  { method: 'GET', path: '/scheduler/jobs/guarded' },
  { method: 'PATCH', path: '/scheduler/jobs/guarded', body: { name: 'hijacked' } },
  { method: 'DELETE', path: '/scheduler/jobs/guarded' },
  { method: 'POST', path: '/scheduler/jobs/guarded/pause' },
  { method: 'POST', path: '/scheduler/jobs/guarded/resume' },
  { method: 'POST', path: '/scheduler/jobs/guarded/run' },
  { method: 'GET', path: '/scheduler/jobs/missing' },
  { method: 'PUT', path: '/scheduler/jobs/guarded', body: {} },
  { method: 'OPTIONS', path: '/scheduler/jobs' },
  { method: 'HEAD', path: '/scheduler/jobs' },
  { method: 'GET', path: '/scheduler/no-such-endpoint' },
  { method: 'GET', path: '/scheduler/jobs/..%2f..%2fetc%2fpasswd' },
  { method: 'GET', path: '/scheduler/../scheduler/jobs' },
  { method: 'GET', path: '/scheduler//jobs' },
  { method: 'GET', path: '/scheduler/jobs/guarded/' },
];

describe('reliability: auth (HTTP Basic on)', function () {
  this.timeout(120_000);
  let dir: string;
  let server: ServerProcess;
  let file: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-auth-'));
    file = sqliteFile(dir);
    server = await startServer({ SCHEDULER_STORE: `sqlite:${file}`, SCHEDULER_BASIC_AUTH: `${USER}:${PASSWORD},second:other` });
    const added = await json(server.url, 'POST', '/scheduler/jobs', { id: 'guarded', func: 'examples:echo', trigger: 'interval', hours: 1 }, { authorization: GOOD });
    expect(added.status, added.body).to.equal(200);
  });

  after(async () => {
    await server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`answers 401 with a challenge to every endpoint × ${BAD_CREDENTIALS.length} kinds of bad credentials, and nothing changes`, async () => {
    const before = sqliteSnapshot(file);
    let checked = 0;
    for (const endpoint of ENDPOINTS) {
      for (const authorization of BAD_CREDENTIALS) {
        for (const bodyKind of ['valid', 'huge', 'malformed'] as const) {
          if (bodyKind !== 'valid' && endpoint.method === 'GET') continue;
          const body =
            bodyKind === 'huge' ? 'x'.repeat(2 * 1024 * 1024) : bodyKind === 'malformed' ? '{"id":' : endpoint.body === undefined ? undefined : JSON.stringify(endpoint.body);
          const headers: Record<string, string> = {};
          if (authorization !== undefined) headers.authorization = authorization;
          if (body !== undefined) headers['content-type'] = 'application/json';
          // A body refused unread leaves the connection unusable: a huge one goes on a connection of its own.
          const response = await request(server.url, { method: endpoint.method, path: endpoint.path, headers, fresh: bodyKind === 'huge', ...(body === undefined ? {} : { body }) });
          const what = `${endpoint.method} ${endpoint.path} (authorization ${JSON.stringify(authorization?.slice(0, 40))}, ${bodyKind} body)`;
          expect(response.status, what).to.equal(401);
          expect(response.headers['www-authenticate'], what).to.match(/^Basic realm=/);
          if (endpoint.method !== 'HEAD') expect(JSON.parse(response.body), what).to.have.property('error_message');
          checked++;
        }
      }
    }
    expect(checked).to.be.greaterThan(500);
    expect(sqliteSnapshot(file), 'the store after refused requests').to.deep.equal(before);
    const info = await json(server.url, 'GET', '/scheduler', undefined, { authorization: GOOD });
    expect(JSON.parse(info.body)).to.include({ running: true });
  });

  it('lets valid credentials through on every endpoint (each user)', async () => {
    for (const authorization of [GOOD, basic('second:other')]) {
      for (const endpoint of ENDPOINTS.filter((e) => !['/scheduler/shutdown', '/scheduler/jobs/guarded'].includes(e.path) || e.method === 'GET')) {
        const response = await json(server.url, endpoint.method, endpoint.path, endpoint.body, { authorization });
        expect(response.status, `${endpoint.method} ${endpoint.path}`).not.to.equal(401);
        expect(response.status, `${endpoint.method} ${endpoint.path}: ${response.body}`).to.be.lessThan(500);
      }
      await json(server.url, 'DELETE', '/scheduler/jobs/intruder', undefined, { authorization });
    }
  });
});
