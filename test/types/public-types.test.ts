import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const declarations = path.join(repo, 'dist/src/index.d.ts');
const fixture = path.join(repo, 'test/types/fixtures/consumer.ts');
const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');

/**
 * A user's strict project, compiled against the built declarations (`npm test` builds first): the
 * public types must hold with and without exactOptionalPropertyTypes, and every `@ts-expect-error`
 * in the fixture must still be an error (TypeScript reports an unused one).
 */
describe('public types, as a strict consumer compiles them', function () {
  this.timeout(120_000);
  let dir: string;

  before(function () {
    if (!existsSync(declarations)) throw new Error(`${declarations} is missing: run npm run build first`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-types-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const exactOptionalPropertyTypes of [true, false]) {
    it(`type-checks the fixture with exactOptionalPropertyTypes: ${exactOptionalPropertyTypes}`, async () => {
      const project = path.join(dir, `tsconfig.${exactOptionalPropertyTypes}.json`);
      writeFileSync(project, JSON.stringify({
        compilerOptions: {
          strict: true,
          exactOptionalPropertyTypes,
          noUncheckedIndexedAccess: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2023'],
          types: ['node'],
          typeRoots: [path.join(repo, 'node_modules/@types')],
          noEmit: true,
          skipLibCheck: false,
          paths: { jobclock: [declarations] },
        },
        files: [fixture],
      }));
      const result = await promisify(execFile)(process.execPath, [tsc, '-p', project], { cwd: repo }).then(
        () => ({ code: 0, output: '' }),
        (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, output: error.stdout ?? String(error) }),
      );
      expect(result.output).to.equal('');
      expect(result.code).to.equal(0);
    });
  }
});
