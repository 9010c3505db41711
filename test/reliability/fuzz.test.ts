import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServerProcess } from '../../bench/lib/server-process.js';
import {
  count,
  json,
  rawExchange,
  request,
  runSeed,
  seededRandom,
  sqliteFile,
  sqliteSnapshot,
  startServer,
  type Random,
  type RawRequest,
} from './reliability-harness.js';

// Fuzz: thousands of generated malformed or hostile requests against the real server. None may get
// a 5xx or crash it, and every refused request (4xx) must leave the store exactly as it was. The
// scheduler is paused so jobs that a request did add never fire and change the store meanwhile.

const PREFIX = '/scheduler';
const SEED_JOBS = ['alpha', 'beta', 'gamma-ü', 'delta.1'];

describe('reliability: fuzz (malformed and hostile requests)', function () {
  this.timeout(600_000);
  const total = count('FUZZ_REQUESTS', 10_000);
  let dir: string;
  let server: ServerProcess;
  let file: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-fuzz-'));
    file = sqliteFile(dir);
    server = await startServer({ SCHEDULER_STORE: `sqlite:${file}` });
    for (const id of SEED_JOBS) {
      const added = await json(server.url, 'POST', `${PREFIX}/jobs`, { id, func: 'examples:echo', trigger: 'interval', hours: 3, args: [id] });
      expect(added.status, added.body).to.equal(200);
    }
    expect((await json(server.url, 'POST', `${PREFIX}/pause`)).status).to.equal(204);
  });

  after(async () => {
    await server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${total.toLocaleString('en-US')} generated requests: no 5xx, no crash, refused requests change nothing`, async () => {
    const random = seededRandom(runSeed('fuzz'));
    let baseline = sqliteSnapshot(file);
    const statuses = new Map<number, number>();
    for (let i = 0; i < total; i++) {
      const req = hostileRequest(random);
      const what = `request ${i}: ${req.method} ${req.path.slice(0, 200)} ${describeBody(req.body)}`;
      const response = await (req.rawHead ? rawExchange(server.url, req.rawHead) : request(server.url, req)).catch((error: Error) => {
        throw new Error(`${what}: no answer (${error.message}); server exit code ${String(server.child.exitCode)}, its output ends: ${server.output().slice(-500)}`);
      });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      // A request malformed at the HTTP level may be answered by Node's parser closing the connection.
      if (!(req.rawHead && response.status === 0)) expect(response.status, `${what} → ${response.body.slice(0, 300)}`).to.be.within(100, 499);
      expect(server.child.exitCode, `the server exited after ${what}`).to.equal(null);
      const after = sqliteSnapshot(file);
      if (response.status >= 400) {
        expect(after, `${what} was refused (${response.status}) but changed the store`).to.deep.equal(baseline);
      } else {
        if (/\/(resume|start)$/.test(req.path)) await json(server.url, 'POST', `${PREFIX}/pause`);
        const next = sqliteSnapshot(file);
        // An accepted DELETE may remove a seeded job: that is a change the API was asked for.
        for (const [id] of baseline) if (SEED_JOBS.includes(id) && !next.some(([other]) => other === id)) removedByRequest.add(id);
        baseline = next;
      }
    }
    console.log(`      statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    const refused = [...statuses].filter(([status]) => status >= 400).reduce((sum, [, n]) => sum + n, 0);
    expect(refused, 'most requests are refused').to.be.greaterThan(total / 2);
    // Still serving, and the seeded jobs are intact.
    const jobs = await json(server.url, 'GET', `${PREFIX}/jobs`);
    expect(jobs.status).to.equal(200);
    const ids = (JSON.parse(jobs.body) as { id: string }[]).map((job) => job.id);
    for (const id of SEED_JOBS) if (!removedByRequest.has(id)) expect(ids).to.include(id);
    expect(server.output()).not.to.match(/uncaught|unhandled|HTTP server error/i);
  });
});

/** Seeded jobs that an accepted request removed (a DELETE that named them, however spelled). */
const removedByRequest = new Set<string>();

function describeBody(body: RawRequest['body']): string {
  if (body === undefined) return '(no body)';
  const text = body.toString();
  return text.length > 200 ? `(${text.length} bytes: ${JSON.stringify(text.slice(0, 120))}…)` : JSON.stringify(text);
}

// ---- the generator ---------------------------------------------------------------------------

const HOSTILE_STRINGS: readonly string[] = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '😀'.repeat(50), '\u202eevil', 'ü', 'İ', 'ǅ', '\u200b', '\ufeff',
  '..', '../..', '../../etc/passwd', '..\\..\\windows\\win.ini', '/etc/passwd', 'file:///etc/passwd', '%2e%2e%2f', 'C:\\',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__',
  "' OR '1'='1", "'; DROP TABLE jobclock_jobs; --", '1; DELETE FROM jobclock_jobs', '" OR ""="', 'null', 'undefined', 'NaN',
  '${process.exit()}', '{{7*7}}', '<script>alert(1)</script>', '\r\nX-Injected: 1', 'a'.repeat(201), 'b'.repeat(70_000),
  'alpha', 'beta', 'gamma-ü', 'delta.1',
];
const HOSTILE_FUNCS: readonly string[] = [
  'examples:echo', 'examples:fail', 'examples:nope', 'nope:echo', 'examples', ':echo', 'examples:', 'examples:echo:extra',
  '../../etc/passwd:x', '/etc/passwd:read', 'fs:readFileSync', 'child_process:exec', 'node:child_process:exec', 'process:exit',
  'examples:__proto__', '__proto__:toString', 'examples:constructor', 'constructor:constructor', 'examples:toString',
  'http://evil.example/x.js:run', 'data:text/javascript,process.exit():x', 'examples:echo\u0000', 'examples :echo', 'Examples:echo',
];
const JOB_KEYS: readonly string[] = [
  'id', 'name', 'func', 'args', 'kwargs', 'trigger', 'misfire_grace_time', 'max_instances', 'coalesce', 'next_run_time', 'jobstore',
  'executor', 'replace_existing', 'seconds', 'minutes', 'hours', 'days', 'weeks', 'start_date', 'end_date', 'timezone', 'jitter',
  'run_date', 'year', 'month', 'day', 'week', 'day_of_week', 'hour', 'minute', 'second', '__proto__', 'constructor', 'prototype', 'bogus',
];

function hostileValue(random: Random, depth = 0): unknown {
  switch (random.int(depth > 2 ? 9 : 12)) {
    case 0: return random.pick(HOSTILE_STRINGS);
    case 1: return random.pick([0, -1, 1, 1.5, -0, 1e308, -1e308, 2 ** 53 + 1, 1e-300, 86_400 * 366 * 200, 3.14159]);
    case 2: return random.pick([true, false, null]);
    case 3: return random.pick(['2030-01-01T00:00:00Z', '2030-02-30T00:00:00', '2030-13-01', 'yesterday', '1970-01-01T00:00:00+25:00', '9999-12-31T23:59:59Z', '0000-01-01']);
    case 4: return random.pick(['*/0', '*/5', '61', '-1', '1-', 'last', 'last fri', '5th mon', 'mon-sun', '1,2,,3', '*'.repeat(300), 'a-b/c']);
    case 5: return random.pick(['UTC', 'Europe/London', 'Mars/Olympus', '../../etc/localtime', '+05:00', '']);
    case 6: return random.pick(HOSTILE_FUNCS);
    case 7: return String(random.int(1e6));
    case 8: return random.int(100);
    case 9: return Array.from({ length: random.int(4) }, () => hostileValue(random, depth + 1));
    case 10: return hostileObject(random, depth + 1);
    default: return JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
  }
}

function hostileObject(random: Random, depth = 0): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  // defineProperty: `object['__proto__'] = …` would set the prototype instead of adding the key.
  for (let i = random.int(6); i > 0; i--) {
    Object.defineProperty(object, random.pick(JOB_KEYS), { value: hostileValue(random, depth), enumerable: true, writable: true, configurable: true });
  }
  return object;
}

/** A job definition that is mostly valid, with one or two things wrong or strange. */
function nearlyValidJob(random: Random): Record<string, unknown> {
  const job: Record<string, unknown> = { id: `fz-${random.int(1e9)}`, func: 'examples:echo', trigger: 'interval', minutes: 5 };
  for (let i = 1 + random.int(2); i > 0; i--) {
    Object.defineProperty(job, random.pick(JOB_KEYS), { value: hostileValue(random), enumerable: true, writable: true, configurable: true });
  }
  return job;
}

/** A value as a path segment, percent-encoded, at most 6,000 characters (Node refuses heads past 16 KiB itself). */
const encodeId = (value: unknown) => {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  let encoded: string;
  try {
    encoded = encodeURIComponent(text);
  } catch {
    encoded = text.replace(/[^\w.-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  }
  return encoded.slice(0, 6000);
};
const RAW_ID_SEGMENTS: readonly string[] = [
  '..', '%2e%2e', '..%2f..%2fetc%2fpasswd', '%2F', '%00', '%ZZ', '%', '%C0%AE%C0%AE', '%ED%A0%80', '%FF%FE', '%E2%80%AE',
  '__proto__', 'constructor', '%5F%5Fproto%5F%5F', 'alpha%00', 'alpha/..', 'alpha%2f..', '.', '%20', '+', 'a'.repeat(5000),
];

/** Paths under the prefix, most naming a job in a hostile way. */
function hostilePath(random: Random): string {
  const id = random.chance(0.5) ? random.pick(RAW_ID_SEGMENTS) : encodeId(hostileValue(random));
  const suffix = random.pick(['', '', '/pause', '/resume', '/run', '/', '/x', '/../..', '?x=1']);
  switch (random.int(6)) {
    case 0: return `${PREFIX}/jobs?${random.pick(['limit', 'after', 'limit=1&limit', 'jobstore', '__proto__[x]'])}=${encodeId(hostileValue(random))}`;
    case 1: return random.pick([PREFIX, `${PREFIX}/`, `${PREFIX}/pause`, `${PREFIX}/resume`, `${PREFIX}/start`, `${PREFIX}/jobs`, `${PREFIX}/../${PREFIX}`, `${PREFIX}/%2e%2e/`, `${PREFIX}//jobs`, `${PREFIX}/jobs/`]);
    default: return `${PREFIX}/jobs/${id}${suffix}`;
  }
}

/** The body text: JSON of a hostile value, or text that is not JSON at all. */
function hostileBody(random: Random): string | Buffer {
  switch (random.int(14)) {
    case 0: return random.pick(['{', '{"id":', '{"id": "x",}', "{'id': 'x'}", '[1,2', 'NaN', 'undefined', '{"a":1}{"b":2}', '\ufeff{"id":"x"}', '{"id":"\\ud800"}', '{"id":"\\u0000"}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}']);
    case 1: return '['.repeat(30_000) + ']'.repeat(30_000);
    case 2: return `{"args":${'['.repeat(200)}${']'.repeat(200)},"id":"deep","func":"examples:echo"}`;
    case 3: return Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0xc3, 0x28, 0xa0, 0xa1]);
    case 4: return `{"id":"big","func":"examples:echo","args":["${'x'.repeat(70_000)}"]}`;
    case 5: return JSON.stringify(hostileObject(random));
    case 6: return JSON.stringify(hostileValue(random));
    default: return JSON.stringify(nearlyValidJob(random));
  }
}

interface FuzzRequest extends RawRequest {
  /** Bytes to send as they are, request line included (for what no HTTP client would send). */
  readonly rawHead?: Buffer;
}

function hostileRequest(random: Random): FuzzRequest {
  const roll = random.int(100);
  if (roll < 2) {
    // Malformed at the HTTP level: Node's parser answers these itself.
    const head = random.pick([
      `GET ${PREFIX}/jobs/\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET ${PREFIX}/jobs HTTP/9.9\r\nHost: x\r\n\r\n`,
      `POST ${PREFIX}/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n`,
      `POST ${PREFIX}/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      `GET ${PREFIX}/jobs HTTP/1.1\r\nHost: x\r\nX: ${'y'.repeat(20_000)}\r\n\r\n`,
      `BREW ${PREFIX}/jobs HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET ${PREFIX}/jobs HTTP/1.1\r\nHo st: x\r\n\r\n`,
    ]);
    return { method: 'RAW', path: head.split('\r\n')[0] ?? '', rawHead: Buffer.from(head, 'utf8') };
  }
  if (roll < 4) {
    // Far past the body limit (64 KiB), declared or not.
    const size = random.pick([70_000, 1024 * 1024, 8 * 1024 * 1024]);
    return { method: random.pick(['POST', 'PATCH']), path: random.pick([`${PREFIX}/jobs`, `${PREFIX}/jobs/alpha`]), headers: { 'content-type': 'application/json' }, body: `{"id":"${'x'.repeat(size)}"}`, fresh: true };
  }
  const method = random.pick(['POST', 'POST', 'POST', 'PATCH', 'PATCH', 'GET', 'DELETE', 'PUT', 'OPTIONS', 'HEAD']);
  const path = method === 'POST' && random.chance(0.5) ? `${PREFIX}/jobs` : method === 'PATCH' && random.chance(0.4) ? `${PREFIX}/jobs/${random.pick(SEED_JOBS)}` : hostilePath(random);
  const headers: Record<string, string> = {};
  const contentType = random.pick(['application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/vnd.api+json', '', '*/*']);
  if (contentType) headers['content-type'] = contentType;
  if (random.chance(0.03)) headers['content-encoding'] = random.pick(['gzip', 'deflate', 'br', 'identity']);
  const body = method === 'GET' || method === 'HEAD' ? (random.chance(0.05) ? '{"id":"x"}' : undefined) : random.chance(0.1) ? undefined : hostileBody(random);
  return { method, path, headers, ...(body === undefined ? {} : { body }) };
}

