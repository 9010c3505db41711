import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { consumerProject, packRepo, repoVersion } from './packed-package.js';
import { readmeBlocks } from './readme-blocks.js';

// Every ```ts block of README.md compiles on its own, as its own file, in a consumer project that
// installed the packed package: strict, NodeNext, "type": "module", with exactOptionalPropertyTypes
// on and off, skipLibCheck as `tsc --init` writes it. The consumer also installs koa and its types
// (the Koa embedding example imports koa, as a user's app does) and @types/node, at the repo's
// versions. The compiler runs in-process (the repo's typescript), one program per block and
// variant, sharing parsed files: ten `tsc` processes would take far longer on a small machine.

/**
 * Blocks that are right as a user writes them but fail today because of a bug in src. Each entry
 * must fail, and only with diagnostics matching `diagnostic`; remove it once the bug is fixed
 * (the test then says so).
 */
const EXPECTED_FAILURES: ReadonlyArray<{ block: string; diagnostic: RegExp; bug: string }> = [];

const VARIANTS = [{ exactOptionalPropertyTypes: true }, { exactOptionalPropertyTypes: false }] as const;

function compilerOptions(exactOptionalPropertyTypes: boolean): ts.CompilerOptions {
  // Written as a user's tsconfig.json would say it.
  const json = {
    target: 'ES2022',
    lib: ['ES2023'], // a Node.js project's: no DOM
    types: ['node'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    exactOptionalPropertyTypes,
    skipLibCheck: true,
    noEmit: true,
  };
  const { options, errors } = ts.convertCompilerOptionsFromJson(json, '.');
  if (errors.length > 0) throw new Error(ts.formatDiagnostics(errors, formatHost));
  return options;
}

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (name) => name,
  getCurrentDirectory: () => process.cwd(),
  getNewLine: () => '\n',
};

/**
 * A compiler host that parses each file once for all programs (the options that differ do not
 * change parsing): the lib and package declarations dominate the cost.
 */
function cachingHost(options: ts.CompilerOptions, cache: Map<string, ts.SourceFile | undefined>): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const key = `${fileName}\0${JSON.stringify(languageVersion)}`;
    if (!cache.has(key)) cache.set(key, getSourceFile(fileName, languageVersion, onError, shouldCreate));
    return cache.get(key);
  };
  return host;
}

describe('README ```ts blocks compile alone against the packed package', function () {
  this.timeout(180_000);
  const blocks = readmeBlocks('ts');
  let dir: string;
  let consumer: string;
  let hosts: Map<boolean, ts.CompilerHost>;

  before(async function () {
    this.timeout(600_000); // a clone, its build and pack, and a consumer's npm install, on a slow machine
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-readme-ts-'));
    consumer = path.join(dir, 'consumer');
    const tarball = await packRepo(dir);
    const extra = ['koa', '@types/koa', '@types/node'].map((name) => `${name}@${repoVersion(name)}`);
    await consumerProject(consumer, tarball, extra);
    const parsed = new Map<string, ts.SourceFile | undefined>();
    hosts = new Map(VARIANTS.map(({ exactOptionalPropertyTypes: exact }) => [exact, cachingHost(compilerOptions(exact), parsed)]));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the blocks and every expected failure names one of them', () => {
    expect(blocks.length).to.be.greaterThan(0);
    const names = blocks.map((block) => block.name);
    for (const { block } of EXPECTED_FAILURES) expect(names, `EXPECTED_FAILURES names no README block "${block}"`).to.include(block);
  });

  blocks.forEach((block, index) => {
    for (const { exactOptionalPropertyTypes } of VARIANTS) {
      it(`"${block.name}" (README.md:${block.line}), exactOptionalPropertyTypes: ${exactOptionalPropertyTypes}`, () => {
        const file = path.join(consumer, `readme-block-${index + 1}.ts`);
        writeFileSync(file, block.code);
        const options = compilerOptions(exactOptionalPropertyTypes);
        const program = ts.createProgram({ rootNames: [file], options, host: hosts.get(exactOptionalPropertyTypes)! });
        const diagnostics = ts.getPreEmitDiagnostics(program);
        const report = ts.formatDiagnostics(diagnostics, formatHost);
        const expected = EXPECTED_FAILURES.find((entry) => entry.block === block.name);
        if (!expected) {
          expect(diagnostics, `README.md:${block.line} ("${block.name}") does not compile (${file}):\n${report}`).to.be.empty;
          return;
        }
        expect(diagnostics, `"${block.name}" now compiles: remove it from EXPECTED_FAILURES (${expected.bug})`).not.to.be.empty;
        const unexpected = diagnostics.filter((d) => !expected.diagnostic.test(ts.flattenDiagnosticMessageText(d.messageText, '\n')));
        expect(unexpected, `"${block.name}" fails for more than the known bug (${expected.bug}):\n${report}`).to.be.empty;
      });
    }
  });
});
