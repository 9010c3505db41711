import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PG_URL } from '../../bench/lib/places.js';
import { startServerProcess, type ServerProcess } from '../../bench/lib/server-process.js';

// The reliability suite drives the real server, `node dist/src/server/main.bundle.js` (what `npm start`
// runs), in a child process: `npm run test:reliability` builds first.

export { PG_URL };

/** How many of a thing a test does: the default, or `RELIABILITY_<NAME>` from the environment. */
export function count(name: string, fallback: number): number {
  const value = Number(process.env[`RELIABILITY_${name}`]);
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
}

export function startServer(env: Readonly<Record<string, string>>, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  // The scheduler's own noise (job logs) is kept out; errors still reach the captured output.
  return startServerProcess({ env, nodeArgs });
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface RawRequest {
  readonly method: string;
  /** Sent as given: no normalisation of `..`, no re-encoding. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** A raw connection of its own, closed after the answer (for a body the server may refuse unread). */
  readonly fresh?: boolean;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/**
 * One HTTP request with nothing normalised, over a keep-alive agent. Rejects only when no answer
 * comes (connection refused or reset). `fresh` requests go over a raw socket of their own (see
 * {@link rawExchange}).
 */
export function request(baseUrl: string, req: RawRequest, timeoutMs = 30_000): Promise<RawResponse> {
  // A large body may be refused unread, and then the connection cannot be reused: a raw one of its own.
  if (req.fresh || (req.body !== undefined && Buffer.byteLength(req.body) > 60_000)) return rawRequest(baseUrl, req, timeoutMs);
  return agentRequest(baseUrl, req, timeoutMs, agent).catch((error: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
    // An idle keep-alive connection the server closed (its keepAliveTimeout) just as this request
    // went out on it: the request never reached the server. Node's documented remedy is to send it
    // again on a new connection; a reset on a new connection is still an error.
    if (error.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) return agentRequest(baseUrl, req, timeoutMs, false);
    throw error;
  });
}

function agentRequest(baseUrl: string, req: RawRequest, timeoutMs: number, via: http.Agent | false): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        // Node's client sends a DELETE's or OPTIONS's body without framing unless told its length.
        headers: req.body === undefined ? req.headers : { 'content-length': String(Buffer.byteLength(req.body)), ...req.headers },
        agent: via,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', (error) => reject(Object.assign(error, { reusedSocket: outgoing.reusedSocket })));
    outgoing.end(req.body);
  });
}

function rawRequest(baseUrl: string, req: RawRequest, timeoutMs: number): Promise<RawResponse> {
  const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body);
  const headers = { host: new URL(baseUrl).host, ...req.headers, connection: 'close', ...(body.length > 0 ? { 'content-length': String(body.length) } : {}) };
  const head = `${req.method} ${req.path} HTTP/1.1\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  return rawExchange(baseUrl, Buffer.from(head, 'latin1'), body, timeoutMs);
}

/**
 * Sends bytes as they are on a connection of its own (a malformed request line, or a body the
 * server may refuse unread: it is sent in pieces and cut short once the answer begins), and parses
 * whatever answer arrives before the connection closes. Status 0 when none did.
 */
export function rawExchange(baseUrl: string, head: Buffer, body: Buffer = Buffer.alloc(0), timeoutMs = 30_000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    const socket = net.connect(Number(url.port), url.hostname);
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => {}); // a refused body ends in EPIPE or a reset: the answer is what counts
    socket.on('close', () => resolve(parseRawResponse(Buffer.concat(received))));
    socket.on('connect', async () => {
      socket.write(head);
      // A server that refuses on the head alone (401, 413 by Content-Length) answers now; sending the
      // body regardless would make it close on unread bytes, a reset that can destroy its answer.
      for (let waited = 0; waited < 200 && received.length === 0 && body.length > 0; waited += 10) {
        await new Promise((resume) => setTimeout(resume, 10));
      }
      let offset = 0;
      const pump = () => {
        while (offset < body.length && received.length === 0 && !socket.destroyed) {
          const chunk = body.subarray(offset, offset + 65_536);
          offset += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
        if (!socket.destroyed) socket.end();
      };
      pump();
    });
    socket.on('timeout', () => reject(new Error(`no answer within ${timeoutMs} ms`)));
  });
}

function parseRawResponse(bytes: Buffer): RawResponse {
  const text = bytes.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const headLines = (split < 0 ? text : text.slice(0, split)).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(headLines[0] ?? '')?.[1] ?? 0);
  const headers: http.IncomingHttpHeaders = {};
  for (const line of headLines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: split < 0 ? '' : text.slice(split + 4) };
}

/** A JSON request: `body` is serialised, the content type set. */
export function json(baseUrl: string, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return request(baseUrl, {
    method,
    path: urlPath,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The rows of a store's jobs table, sorted by id: what a refused request must leave alone. */
export type StoreSnapshot = readonly (readonly [id: string, nextRunTime: number | null, state: string])[];

/** Reads the jobs table of an SQLite store file directly (the server may be running: WAL allows it). */
export function sqliteSnapshot(file: string): StoreSnapshot {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('select id, next_run_time, state from jobclock_jobs order by id').all() as { id: string; next_run_time: number | bigint | null; state: string }[];
    return rows.map((row) => [row.id, row.next_run_time === null ? null : Number(row.next_run_time), row.state] as const);
  } finally {
    db.close();
  }
}

/** SQLite's own consistency check of a store file ("ok" when sound); opening it also recovers its WAL. */
export function sqliteIntegrity(file: string): string {
  const db = new Database(file);
  try {
    return (db.pragma('integrity_check', { simple: true }) as string) ?? 'no answer';
  } finally {
    db.close();
  }
}

export function sqliteFile(dir: string): string {
  return path.join(dir, 'store', 'jobclock.sqlite');
}

/** Whether PostgreSQL answers; under CI (CI set) its absence is a failure, not a skip. */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    await client.end().catch(() => {});
    if (process.env.CI) throw new Error(`PostgreSQL unreachable at ${PG_URL} under CI: ${(error as Error).message}`);
    return false;
  }
}

/** A seeded pseudo-random source (mulberry32), so a failing run can be replayed with its seed. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (below: number) => Math.floor(next() * below),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    chance: (p: number) => next() < p,
  };
}

export type Random = ReturnType<typeof seededRandom>;

/** The seed for this run: `RELIABILITY_SEED`, or a fresh one (printed, to replay a failure). */
export function runSeed(label: string): number {
  const seed = Number(process.env.RELIABILITY_SEED) || Math.floor(Math.random() * 2 ** 31);
  console.log(`      ${label}: seed ${seed} (replay with RELIABILITY_SEED=${seed})`);
  return seed;
}
