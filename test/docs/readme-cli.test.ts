import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { BIN, buildOnce, serveCli } from '../cli/cli-harness.js';
import { cleanEnv, type ServerProcess } from '../helpers/server-process.js';
import { assignments, EXPORT_LINE, JOBCLOCK_LINE, readmeBlocks, shellCommands, splitTrailingComment } from './readme-blocks.js';

// Every `jobclock …` line of README.md's ```sh blocks runs, in README order, with bash, the built bin
// on PATH as `jobclock`, in a temporary working directory per block (so relative store paths land
// there). Rules, beside those of readme-curl.test.ts:
// - `[VAR=value …] jobclock serve`: that block's server, started with those variables except HOST,
//   PORT (127.0.0.1, a free port) and SCHEDULER_STORE (a temporary SQLite file). A block with
//   `jobclock jobs` or `jobclock events` lines and no serve line gets a plain server.
// - `export VAR=value …`: set for the block's later lines.
// - Every other jobclock line runs with JOBCLOCK_URL set to the block's server (the README leaves the
//   default address), and must exit 0 unless its trailing comment says `exit N`.

const run = promisify(execFile);

interface CliLine {
  readonly text: string;
  readonly kind: 'serve' | 'export' | 'run';
  readonly env: Record<string, string>;
  readonly expected: number;
}

function cliLines(command: string): CliLine[] {
  const { code, comment } = splitTrailingComment(command);
  const text = code.trim();
  const exported = EXPORT_LINE.exec(text);
  if (exported) return [{ text, kind: 'export', env: assignments(exported[1]!), expected: 0 }];
  const line = JOBCLOCK_LINE.exec(text);
  if (!line) return [];
  const kind = (line[2] ?? '').trim() === 'serve' ? 'serve' : 'run';
  return [{ text, kind, env: assignments(line[1] ?? ''), expected: Number(/\bexit (\d)\b/.exec(comment)?.[1] ?? 0) }];
}

describe('README jobclock examples run with the built bin', function () {
  this.timeout(60_000);
  const blocks = readmeBlocks('sh')
    .map((block) => ({ block, lines: shellCommands(block).flatMap(cliLines) }))
    .filter(({ lines }) => lines.some((line) => line.kind === 'run'));
  let dir: string;
  let binDir: string;

  before(async function () {
    this.timeout(240_000);
    await buildOnce();
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-readme-cli-'));
    binDir = path.join(dir, 'bin');
    mkdirSync(binDir);
    symlinkSync(BIN, path.join(binDir, 'jobclock'));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds jobclock examples in README.md', () => {
    expect(blocks.length).to.be.greaterThan(0);
  });

  blocks.forEach(({ block, lines }, index) => {
    describe(`"${block.name}" (README.md:${block.line})`, () => {
      let server: ServerProcess | undefined;
      let cwd: string;
      const exported: Record<string, string> = {};

      before(async () => {
        cwd = path.join(dir, `block-${index + 1}`);
        mkdirSync(cwd);
        const serve = lines.find((line) => line.kind === 'serve');
        const needsServer = serve ?? lines.find((line) => /^(?:\S+=\S*\s+)*jobclock\s+(jobs|events)\b/.test(line.text));
        if (needsServer) server = await serveCli({ ...serve?.env, SCHEDULER_STORE: `sqlite:${path.join(cwd, 'server.sqlite')}` });
      });

      after(async () => {
        if (server) expect(await server.stop(), server.output()).to.equal(0);
      });

      for (const line of lines) {
        if (line.kind === 'serve') continue;
        if (line.kind === 'export') {
          it(line.text, () => Object.assign(exported, line.env));
          continue;
        }
        it(`${line.text}${line.expected === 0 ? '' : `  (exit ${line.expected})`}`, async () => {
          const env = cleanEnv({
            ...exported,
            PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`,
            ...(server && { JOBCLOCK_URL: `${server.url}/scheduler` }),
          });
          let code = 0;
          let output: string;
          try {
            const { stdout, stderr } = await run('bash', ['-c', line.text], { cwd, env });
            output = stdout + stderr;
          } catch (error) {
            const failed = error as { code?: number; stdout?: string; stderr?: string };
            code = failed.code ?? -1;
            output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
          }
          expect(code, `${line.text}\n${output}`).to.equal(line.expected);
        });
      }
    });
  });
});
