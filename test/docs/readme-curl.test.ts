import { expect } from 'chai';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { assignments, EXPORT_LINE, JOBCLOCK_LINE, REPO_ROOT, readmeBlocks, shellCommands, splitTrailingComment } from './readme-blocks.js';

// Every curl example in README.md's ```sh blocks runs, in README order, with the real `curl`,
// against the real server started as `npm start` starts it (`node dist/src/server/main.bundle.js`, after
// the build this test runs). Only `localhost:5000` is rewritten, to the test server's address.
//
// Rules for the other lines of those blocks, so that a new kind of line fails here until it has one:
// - `npm install`, `npm test`: not run (the environment is installed; this test runs inside npm test).
// - `npm install <package>…`: not run (a user adding jobclock or a driver to their own app).
// - `jobclock …` and `export VAR=…`: run by test/docs/readme-cli.test.ts.
// - `[VAR=value …] npm start`: in a block with curl lines, that block's server is started with those
//   variables, except HOST and PORT (127.0.0.1 and a free port) and SCHEDULER_STORE (a temp SQLite
//   file: the examples' stores are illustrations). A curl block with no such line gets the plain
//   `npm start` server. In a block without curl lines (the clustering deployment, on a host `db`),
//   nothing is run.
// Each curl must exit 0 with a 2xx status, unless its trailing comment names a 4xx/5xx status.
// The status is read through a .curlrc in CURL_HOME (`write-out`), so commands run unchanged.

const run = promisify(execFile);
const MAIN = path.join(REPO_ROOT, 'dist', 'src', 'server', 'main.bundle.js');
const README_ADDRESS = /localhost:5000/g;

type Line =
  | { readonly kind: 'curl'; readonly text: string; readonly expected: number | null }
  | { readonly kind: 'start'; readonly text: string; readonly env: Record<string, string> }
  | { readonly kind: 'skip'; readonly text: string }
  | { readonly kind: 'unknown'; readonly text: string };

function classify(command: string): Line[] {
  const { code, comment } = splitTrailingComment(command);
  return code.split(/\s&&\s/).map((part): Line => {
    const text = part.trim();
    if (/^curl\s/.test(text)) {
      const status = /\b([45]\d\d)\b/.exec(comment);
      return { kind: 'curl', text, expected: status ? Number(status[1]) : null };
    }
    const start = /^((?:[A-Z_][A-Z0-9_]*=\S*\s+)*)npm start$/.exec(text);
    if (start) return { kind: 'start', text, env: assignments(start[1]!) };
    // `jobclock …` commands, and the variables they export, run in test/docs/readme-cli.test.ts.
    if (JOBCLOCK_LINE.test(text) || EXPORT_LINE.test(text)) return { kind: 'skip', text };
    // `npm install <package>` is a user adding jobclock (or a driver) to their own app: nothing to run here.
    if (/^npm (install|test)$/.test(text) || /^npm install(\s+[\w@./-]+)+$/.test(text)) return { kind: 'skip', text };
    return { kind: 'unknown', text };
  });
}

function startServer(env: Record<string, string>, store: string): Promise<ServerProcess> {
  return startServerProcess([MAIN], { ...env, SCHEDULER_STORE: store });
}

describe('README curl examples run against the real server', function () {
  this.timeout(180_000);
  const all = readmeBlocks('sh').map((block) => ({ block, lines: shellCommands(block).flatMap(classify) }));
  const blocks = all.filter(({ lines }) => lines.some((line) => line.kind === 'curl'));
  let dir: string;
  let curlHome: string;

  before(async function () {
    this.timeout(300_000); // a build, if one is needed, on a slow machine
    const curl = spawnSync('curl', ['--version']);
    if (curl.error || curl.status !== 0) throw new Error('curl is not installed; these tests run the README examples with the real curl');
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-readme-curl-'));
    curlHome = path.join(dir, 'curl-home');
    mkdirSync(curlHome);
    writeFileSync(path.join(curlHome, '.curlrc'), 'silent\nshow-error\nwrite-out = "\\n%{http_code}"\n');
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
    // The working build (npm test built it already: then this is a check that finds it up to date).
    await run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT, env });
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds curl examples in README.md, and a rule for every other shell line', () => {
    expect(blocks.length).to.be.greaterThan(0);
    const unknown = all.flatMap(({ block, lines }) => lines.filter((line) => line.kind === 'unknown').map((line) => `"${block.name}": ${line.text}`));
    expect(unknown, 'README shell lines with no rule in test/docs/readme-curl.test.ts').to.be.empty;
  });

  blocks.forEach(({ block, lines }, index) => {
    describe(`"${block.name}" (README.md:${block.line})`, () => {
      let server: ServerProcess | undefined;

      before(async () => {
        const start = lines.find((line) => line.kind === 'start');
        server = await startServer(start?.kind === 'start' ? start.env : {}, `sqlite:${path.join(dir, `block-${index + 1}.sqlite`)}`);
      });

      after(async () => {
        if (!server) return;
        server.child.kill('SIGTERM');
        const code = await server.exited;
        expect(code, `server exit code; output:\n${server.output()}`).to.equal(0);
      });

      for (const line of lines) {
        if (line.kind !== 'curl') continue;
        it(line.text.replace(/\s*\\\n\s*/g, ' '), async () => {
          const address = new URL(server!.url).host;
          const command = line.text.replace(README_ADDRESS, address);
          let stdout: string;
          try {
            ({ stdout } = await run('bash', ['-c', command], { env: { ...process.env, CURL_HOME: curlHome } }));
          } catch (error) {
            const { code, stderr } = error as { code?: number; stderr?: string };
            throw new Error(`curl exited ${code}: ${stderr ?? ''}\n${command}`);
          }
          const status = Number(stdout.slice(stdout.lastIndexOf('\n') + 1));
          const body = stdout.slice(0, stdout.lastIndexOf('\n'));
          if (line.expected === null) expect(status, `${command}\nanswered:\n${body}`).to.be.within(200, 299);
          else expect(status, `${command}\nanswered:\n${body}`).to.equal(line.expected);
        });
      }
    });
  });
});
