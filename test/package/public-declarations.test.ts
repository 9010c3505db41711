import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import ts from 'typescript';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The declarations a user's editor reads: the library (tsconfig.build.json, what `npm pack` ships)
// compiled into a private directory, so the shared dist/ of a concurrent `npm test` is left alone.
// The contract (STYLE.md): no `any` in them, and every export documented with a short example.

/** Emits the package's declarations under `outDir`, failing on any compile error. */
function emitDeclarations(outDir: string): void {
  const configPath = path.join(REPO, 'tsconfig.build.json');
  const { config, error } = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, REPO, undefined, configPath);
  const options = { ...parsed.options, outDir, declaration: true, emitDeclarationOnly: true, sourceMap: false, inlineSources: false, declarationMap: false };
  const program = ts.createProgram(parsed.fileNames, options);
  const result = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0) {
    throw new Error(ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => REPO,
      getNewLine: () => '\n',
    }));
  }
}

/** The `types` entry of package.json, moved from dist/ to where this test emitted. */
function typesEntry(outDir: string): string {
  const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { types: string };
  return path.join(outDir, path.relative('dist', path.normalize(manifest.types)));
}

/** `any` used as a type: after `:`, `<`, `,`, `|`, `&`, `(`, `=`, `keyof`, or before `[]`, `>`, `|`… */
const ANY_TYPE = /(?:[:<,|&(=]|=>|\bkeyof|\breadonly)\s*any\b|\bany\s*(?:\[\]|[>|&,;)=])/;

/** Each line of `text` with its comments blanked out and string literals emptied. */
function codeLines(text: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  let code = '';
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    const token = scanner.getTokenText();
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) {
      code += token.replace(/[^\n]/g, ' ');
    } else if (kind === ts.SyntaxKind.StringLiteral || kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral) {
      code += `""${token.replace(/[^\n]/g, '')}`;
    } else {
      code += token;
    }
  }
  return code.split('\n');
}

/** `file:line: text` for each line of the package's declarations that uses `any` as a type. */
function anyTypeUses(files: readonly string[]): string[] {
  return files.flatMap((file) => {
    const source = readFileSync(file, 'utf8').split('\n');
    return anyTypeLines(source.join('\n')).map((line) => `${file}:${line}: ${source[line - 1]?.trim() ?? ''}`);
  });
}

/** The 1-based lines of `text` that use `any` as a type. */
function anyTypeLines(text: string): number[] {
  return codeLines(text).flatMap((line, index) => (ANY_TYPE.test(line) ? [index + 1] : []));
}

/** The names exported by `entry` whose declaration carries no JSDoc with an `@example`. */
function exportsWithoutExample(program: ts.Program, entry: string): string[] {
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!);
  if (!module) throw new Error(`${entry} is not a module`);
  const missing: string[] = [];
  for (const exported of checker.getExportsOfModule(module)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = symbol.getDeclarations() ?? [];
    const documented = declarations.some((declaration) =>
      ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'example'));
    if (!documented) missing.push(exported.name);
  }
  return missing.sort();
}

describe('the public declarations (dist/src/index.d.ts as packed)', function () {
  this.timeout(180_000);
  let outDir: string;
  let entry: string;
  let program: ts.Program;

  before(() => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'jobclock-declarations-'));
    emitDeclarations(outDir);
    entry = typesEntry(outDir);
    program = ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, skipLibCheck: true, types: ['node'] });
  });
  after(() => rmSync(outDir, { recursive: true, force: true }));

  it('use no `any` as a type in any .d.ts reachable from the types entry', () => {
    const ours = program.getSourceFiles().map((file) => path.resolve(file.fileName)).filter((file) => file.startsWith(outDir + path.sep));
    expect(ours).to.include(path.resolve(entry));
    expect(anyTypeUses(ours), 'uses of `any`').to.deep.equal([]);
  });

  it('document every export with a JSDoc @example', () => {
    expect(exportsWithoutExample(program, entry), 'exports without a JSDoc @example').to.deep.equal([]);
  });

  it('would catch an export without an example, and an `any`', () => {
    const probe = path.join(outDir, 'probe.d.ts');
    const text = [
      '/** Documented. @example documented() */',
      'export declare function documented(): void;',
      '/** Described, no example. */',
      'export declare const described: number;',
      'export declare function bare(x: Array<any>): any[];',
      '/** A comment may say any, or: any. */',
      "export declare const label: 'any';",
    ].join('\n');
    const host = ts.createCompilerHost({ noEmit: true });
    const readFile = host.readFile.bind(host);
    host.readFile = (file) => (path.resolve(file) === probe ? text : readFile(file));
    host.fileExists = ((exists) => (file: string) => path.resolve(file) === probe || exists(file))(host.fileExists.bind(host));
    const probed = ts.createProgram([probe], { noEmit: true }, host);
    expect(exportsWithoutExample(probed, probe)).to.deep.equal(['bare', 'described', 'label']);
    expect(anyTypeLines(text)).to.deep.equal([5]);
  });
});

