import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Where the PostgreSQL measurements run; every run works in a schema of its own and drops it. */
export const PG_URL = process.env.JOBCLOCK_BENCH_PG_URL ?? process.env.JOBCLOCK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL answers at {@link PG_URL}. */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** A fresh schema name, `jobclock_bench_<hex>`. */
export function freshSchemaName(tag = 'bench'): string {
  return `jobclock_${tag}_${randomBytes(4).toString('hex')}`;
}

/** Runs SQL statements on one short-lived connection. */
export async function pgExecute(...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(schema)) throw new Error(`refusing to drop schema ${JSON.stringify(schema)}`);
  await pgExecute(`drop schema if exists "${schema}" cascade`);
}

/** A temporary folder, removed by the returned function. */
export function tempDir(tag = 'bench'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `jobclock-${tag}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
