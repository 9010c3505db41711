import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropSchema, freshSchemaName } from '../../bench/lib/places.js';
import type { ServerProcess } from '../../bench/lib/server-process.js';
import { count, json, PG_URL, postgresAvailable, runSeed, seededRandom, sqliteFile, sqliteIntegrity, startServer, type Random } from './reliability-harness.js';

// Crash durability: a server receives a stream of REST mutations and is killed with SIGKILL at a
// random moment; after each restart every mutation that got a 2xx is there, and the store opens
// cleanly. Each worker mutates only its own jobs, one request at a time, so at a kill each worker
// has at most one request whose outcome is unknown: that job may be in either state.

/** What a job should look like, as far as the mutations tell. */
interface JobModel {
  readonly name: string;
  readonly minutes: number;
  readonly paused: boolean;
  readonly args: readonly unknown[];
}

/** Per job id: its acknowledged state (null = removed), or the states it may be in after a kill. */
class StoreModel {
  readonly known = new Map<string, JobModel | null>();
  readonly uncertain = new Map<string, (JobModel | null)[]>();
  acknowledged = 0;
}

const PREFIX = '/scheduler';

describe('reliability: crash durability (SIGKILL during REST mutations)', function () {
  this.timeout(300_000);
  const kills = count('KILLS', 12);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-crash-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it(`SQLite file store: ${kills} kills, every acknowledged mutation survives, the file stays sound`, async () => {
    const file = sqliteFile(dir);
    await crashRounds(kills, { SCHEDULER_STORE: `sqlite:${file}` }, () => {
      expect(sqliteIntegrity(file)).to.equal('ok');
    });
  });

  it(`PostgreSQL store: ${kills} kills, every acknowledged mutation survives`, async function () {
    if (!(await postgresAvailable())) this.skip();
    const schema = freshSchemaName('crash');
    try {
      await crashRounds(kills, { SCHEDULER_STORE: PG_URL, SCHEDULER_DB_SCHEMA: schema }, () => {});
    } finally {
      await dropSchema(schema);
    }
  });
});

async function crashRounds(kills: number, env: Record<string, string>, checkAfterKill: () => void): Promise<void> {
  const random = seededRandom(runSeed('crash'));
  const model = new StoreModel();
  let server: ServerProcess | null = null;
  try {
    for (let round = 0; round < kills; round++) {
      server = await startServer(env);
      await verify(server, model, round);
      const workers = Array.from({ length: 4 }, (_, w) => mutate(server as ServerProcess, model, random, `r${round}w${w}`));
      // Kill at a random moment of the stream, once it flows (a busy machine may take a while to start it).
      const before = model.acknowledged;
      for (const deadline = Date.now() + 60_000; model.acknowledged < before + 4 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, random.int(900)));
      await server.kill();
      await Promise.all(workers);
      checkAfterKill();
    }
    server = await startServer(env);
    await verify(server, model, kills);
    expect(model.acknowledged, 'mutations acknowledged over all rounds').to.be.greaterThan(kills * 4);
    expect(server.output()).not.to.match(/unreadable|cannot start|uncaught/i);
    expect(await server.stop()).to.equal(0);
    server = null;
  } finally {
    await server?.kill();
  }
}

/** One worker: mutations of its own jobs, one at a time, until the server stops answering. */
async function mutate(server: ServerProcess, model: StoreModel, random: Random, tag: string): Promise<void> {
  const own: string[] = [];
  for (let k = 0; ; k++) {
    const id = own.length < 3 || random.chance(0.35) ? `${tag}-${k}` : random.pick(own);
    const before = own.includes(id) ? (model.known.get(id) ?? null) : null;
    const op = before === null ? 'add' : random.pick(['modify', 'pause', 'resume', 'remove'] as const);
    const minutes = 1 + random.int(500);
    const after: JobModel | null =
      op === 'add' ? { name: `job ${id}`, minutes, paused: false, args: [k, 'ü → ✓'] }
      : op === 'remove' || before === null ? null
      : op === 'modify' ? { ...before, name: `renamed ${k}`, minutes }
      : { ...before, paused: op === 'pause' };
    let response;
    try {
      response =
        op === 'add' ? await json(server.url, 'POST', `${PREFIX}/jobs`, { id, func: 'examples:echo', trigger: 'interval', minutes, name: after?.name, args: after?.args })
        : op === 'modify' ? await json(server.url, 'PATCH', `${PREFIX}/jobs/${id}`, { name: after?.name, minutes })
        : op === 'remove' ? await json(server.url, 'DELETE', `${PREFIX}/jobs/${id}`)
        : await json(server.url, 'POST', `${PREFIX}/jobs/${id}/${op}`);
    } catch {
      // No answer: the server died with this request in flight. Either outcome is allowed.
      model.uncertain.set(id, [before, after]);
      return;
    }
    expect(response.status, `${op} ${id}: ${response.body}`).to.be.oneOf([200, 204]);
    model.known.set(id, after);
    model.acknowledged++;
    if (op === 'add') own.push(id);
    if (op === 'remove') own.splice(own.indexOf(id), 1);
  }
}

/** The restarted server holds exactly the acknowledged jobs (and one state of each uncertain one). */
async function verify(server: ServerProcess, model: StoreModel, round: number): Promise<void> {
  const response = await json(server.url, 'GET', `${PREFIX}/jobs`);
  expect(response.status, response.body).to.equal(200);
  const stored = new Map<string, JobModel>();
  for (const job of JSON.parse(response.body) as { id: string; name: string; minutes: number; next_run_time: string | null; args: unknown[] }[]) {
    stored.set(job.id, { name: job.name, minutes: job.minutes, paused: job.next_run_time === null, args: job.args });
  }
  for (const [id, possible] of model.uncertain) {
    const actual = stored.get(id) ?? null;
    expect(possible.map((state) => JSON.stringify(state)), `round ${round}: job ${id} after a kill mid-request`).to.include(JSON.stringify(actual));
    model.known.set(id, actual);
  }
  model.uncertain.clear();
  for (const [id, expected] of model.known) {
    expect(stored.get(id) ?? null, `round ${round}: acknowledged state of job ${id}`).to.deep.equal(expected);
  }
  for (const id of stored.keys()) expect(model.known.has(id), `round ${round}: job ${id} was never added`).to.equal(true);
}
