import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { JobclockConfig } from '../../src/config/config.js';
import fileConfig from '../../knexfile-free-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Logger } from '../../src/scheduler/logger.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/app.js';

export const PG_URL = process.env.JOBCLOCK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type StoreKind = 'sqlite' | 'postgres' | 'memory';

/** A logger that keeps every line, for assertions (and stays quiet). */
export function recordingLogger() {
  const lines: { level: string; text: string }[] = [];
  const record = (level: string) => (message: string, ...details: unknown[]) => {
    lines.push({ level, text: [message, ...details.map((d) => (d instanceof Error ? `${d.message}\n${d.stack}` : String(d)))].join(' ') });
  };
  const logger: Logger = { info: record('info'), warn: record('warn'), error: record('error') };
  return { logger, lines, text: () => lines.map((l) => l.text).join('\n') };
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body parsed as JSON (undefined when empty or not JSON). */
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RawRequest {
  readonly method?: string;
  /** Sent exactly as given (no normalisation of `..` or percent-escapes, unlike fetch). */
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/** One HTTP exchange over a keep-alive connection, byte-exact. */
export function rawRequest(baseUrl: string, agent: Agent, req: RawRequest): Promise<Reply> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const r = request(
      { host: url.hostname, port: url.port, method: req.method ?? 'GET', path: req.path, headers: req.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

export interface TestServer {
  readonly server: RunningServer;
  readonly config: JobclockConfig;
  readonly log: ReturnType<typeof recordingLogger>;
  /** Base URL of the API: `http://127.0.0.1:<port><prefix>`. */
  readonly api: string;
  /** fetch under the API prefix, with the JSON body parsed. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** GET /jobs, for "nothing changed" checks. */
  jobs(): Promise<unknown[]>;
  stop(): Promise<void>;
}

/** A fresh store of the given kind: a temp SQLite file, or a PostgreSQL schema of its own (dropped on cleanup). */
export function freshStore(kind: StoreKind): { config: Partial<JobclockConfig>; cleanup: () => Promise<void> } {
  if (kind === 'memory') return { config: { store: 'memory:' }, cleanup: async () => {} };
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-http-'));
    return {
      config: { store: `sqlite:${path.join(dir, 'data', 'jobs.sqlite')}` },
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `jobclock_http_${randomBytes(6).toString('hex')}`;
  return { config: { store: PG_URL, schema }, cleanup: () => dropSchema(schema) };
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replaceAll('"', '""')}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Starts the real server (`startServer`, port 0) on a fresh store. */
export async function startTestServer(
  kind: StoreKind,
  overrides: Partial<JobclockConfig> = {},
  options: ServerOptions = {},
  defaultHeaders: Record<string, string> = {},
): Promise<TestServer> {
  const store = freshStore(kind);
  const log = recordingLogger();
  const config: JobclockConfig = { ...loadConfig({}, fileConfig), ...store.config, host: '127.0.0.1', port: 0, ...overrides };
  const server = await startServer(config, { logger: log.logger, shutdownTimeoutMs: 5000, ...options });
  const api = `${server.url}${config.api.prefix}`;
  const call = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const init: RequestInit = { method, headers: { ...defaultHeaders, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
      }
    }
    const res = await fetch(`${api}${p}`, init);
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: Object.fromEntries(res.headers), text, json };
  };
  return {
    server,
    config,
    log,
    api,
    call,
    jobs: async () => (await call('GET', '/jobs')).json as unknown[],
    stop: async () => {
      await server.close();
      await store.cleanup();
    },
  };
}
